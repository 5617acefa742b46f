namespace ILGPUAE.Cli.Verbs;

using global::CommandLine;
using ILGPUAE.Data;
using ILGPUAE.Data.Variations;
using ILGPUAE.IO;

[Verb("make", HelpText = "Generate a benchmark set (MNIST variations, shapes) from a seed into its data directory, with a manifest of its files' SHA-256 sums and samples.png, its first 40 training images.")]
public sealed class DataMakeOptions
{
    [Value(0, MetaName = "dataset", Required = true, HelpText = "A generated set: basic, rot, bg-rand, bg-img, bg-img-rot, rect, rect-img, convex, shapes (Shapes30, 30×30).")]
    public string Dataset { get; set; } = "";

    [Option("seed", Default = GeneratedSets.DefaultSeed, HelpText = "The set's seed; the same seed makes the same bytes (1 is what a verb makes when it loads a set not made yet).")]
    public ulong Seed { get; set; }

    [Option("data-dir", HelpText = "Where to write it; default: the user cache dir (~/.cache/ilgpuae/NAME), where --dataset NAME reads it.")]
    public string? DataDir { get; set; }

    [Option("backgrounds", HelpText = "A directory of natural images (PNG, JPEG, BMP, GIF, TGA; at least 28×28) for the sets with image backgrounds; default: 15 photographs of Debian's python3-skimage 0.19.3-8, fetched with apt-get download.")]
    public string? Backgrounds { get; set; }

    [Option("limit", HelpText = "Make at most this many examples per split (a reduced set for quick checks); default: the full sizes.")]
    public int? Limit { get; set; }
}

public static class DataMakeVerb
{
    public static int Run(DataMakeOptions o)
    {
        var kind = DatasetOptions.Parse(o.Dataset, "data make")!.Value;
        if (kind == DatasetKind.Halves)
            throw new InputException($"data make {o.Dataset}: {Datasets.Info(kind).DisplayName} is made in memory, with seed {Halves.DefaultSeed}, whenever a verb names it (--dataset {Halves.Name}); expected no data make for it");
        var generator = VariationGenerators.Of(kind)
            ?? throw new InputException($"data make {o.Dataset}: {Datasets.Info(kind).DisplayName} is fetched, not generated (data fetch {Datasets.Info(kind).Name}); " +
                $"expected {string.Join(", ", VariationGenerators.All.Select(g => g.Generator.Name))}");
        if (o.Backgrounds is not null && !generator.NeedsBackgrounds)
            throw InputException.AboutSetting("backgrounds", $"backgrounds {o.Backgrounds}: {generator.Name} has no image backgrounds; expected no backgrounds option for it");
        var directory = Datasets.DataDirectory(kind, o.DataDir);
        GeneratedSets.Make(generator, directory, new MakeRequest(o.Seed, o.Limit, o.Backgrounds), Console.WriteLine);
        // Read back as every verb will: the counts, the format and the sums just written.
        var splits = Datasets.Load(kind, directory, log: null);
        Console.WriteLine($"{splits.Info.Name}: {splits.Info.DisplayName}, seed {o.Seed}, {splits.TrainAndValidation.Count} train (the last {splits.ValidationCount} " +
            $"of them validation) / {splits.Test.Count} test images of {splits.Info.Shape}, verified, in {directory}");
        var samples = Path.Combine(directory, GeneratedSets.SamplesFile);
        var rows = GeneratedSets.WriteSamples(generator, splits.TrainAndValidation, samples);
        Console.WriteLine($"{samples}: the first {GeneratedSets.SampleCount} train images, {GeneratedSets.SampleColumns} a row; their classes, row by row:");
        foreach (var row in rows)
            Console.WriteLine($"  {row}");
        return CliApp.Ok;
    }
}
