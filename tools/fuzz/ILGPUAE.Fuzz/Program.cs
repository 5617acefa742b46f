using ILGPUAE.Fuzz;
using SharpFuzz;

// One reader per run: `idx`, `fashion`, `safetensors` or `amat` (see tools/fuzz/README.md and Targets.cs). An exception other than
// InputException escapes to SharpFuzz, which reports it to AFL as a crash. `seeds <reader> <dir>` writes small valid inputs.
if (args.Length == 3 && args[0] == "seeds")
{
    Directory.CreateDirectory(args[2]);
    foreach (var (name, bytes) in Targets.Seeds(args[1]))
        File.WriteAllBytes(Path.Combine(args[2], name), bytes);
    return;
}
if (args.Length != 1)
{
    Console.Error.WriteLine("usage: ILGPUAE.Fuzz idx|fashion|safetensors|amat   (under afl-fuzz)\n       ILGPUAE.Fuzz seeds idx|fashion|safetensors|amat DIR");
    Environment.Exit(2);
}
var work = Directory.CreateTempSubdirectory("ilgpuae-fuzz-").FullName;
Action<byte[]> read = Targets.Reader(args[0], work);
Fuzzer.Run(stream =>
{
    using var copy = new MemoryStream();
    stream.CopyTo(copy);
    read(copy.ToArray());
});
