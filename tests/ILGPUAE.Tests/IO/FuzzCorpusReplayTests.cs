namespace ILGPUAE.Tests.IO;

using ILGPUAE.Fuzz;

/// <summary>
/// Replays the inputs kept from the fuzzing sessions (tools/fuzz/README.md): the queue AFL++ built for each reader (inputs that
/// reached new branches) and every input that crashed a reader before its fix, minimized. Each must load or throw
/// InputException through the same entry points the harness fuzzed (<see cref="Targets"/>); any other exception fails.
/// </summary>
public class FuzzCorpusReplayTests
{
    public static TheoryData<string> Readers => new(Targets.Names);

    [Theory]
    [MemberData(nameof(Readers))]
    public void EveryKeptInputLoadsOrThrowsInputException(string reader)
    {
        var inputs = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "FuzzCorpus", reader));
        Assert.NotEmpty(inputs);
        using var dir = new TempDirectory();
        var read = Targets.Reader(reader, dir.Path);
        var failures = new List<string>();
        foreach (var input in inputs.Order(StringComparer.Ordinal))
        {
            try
            {
                read(File.ReadAllBytes(input));
            }
            catch (Exception e)
            {
                // Targets swallows InputException, so anything here is a reader failing in another way.
                failures.Add($"{Path.GetFileName(input)}: {e.GetType().Name}: {e.Message}");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}
