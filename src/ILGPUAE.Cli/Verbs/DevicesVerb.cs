namespace ILGPUAE.Cli.Verbs;

using global::CommandLine;
using ILGPUAE.Backends;

[Verb("devices", HelpText = "List every device with its backend, memory, warp size and whether ILGPUAE can use it.")]
public sealed class DevicesOptions;

public static class DevicesVerb
{
    public static int Run()
    {
        Console.WriteLine($"{"backend",-8} {"#",2} {"name",-40} {"memory",10} {"warp",5} {"group",6}  usable");
        foreach (var d in AcceleratorCatalog.List())
        {
            var usable = d.Usable ? "yes" : $"no: {d.Reason}";
            Console.WriteLine($"{AcceleratorCatalog.Name(d.Kind),-8} {d.Index,2} {Truncate(d.Name, 40),-40} {Memory(d.MemoryBytes),10} {d.WarpSize,5} {d.MaxGroupSize,6}  {usable}");
        }
        return CliApp.Ok;
    }

    // ILGPU reports long.MaxValue for its CPU accelerator: it uses host memory.
    private static string Memory(long bytes) => bytes >= 1L << 50 ? "host RAM" : bytes >= 1L << 30 ? $"{bytes / (double)(1L << 30):F1} GiB" : $"{bytes >> 20} MiB";

    private static string Truncate(string s, int n) => s.Length <= n ? s : s[..(n - 1)] + "…";
}
