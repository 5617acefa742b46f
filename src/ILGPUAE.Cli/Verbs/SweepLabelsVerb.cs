namespace ILGPUAE.Cli.Verbs;

using global::CommandLine;
using ILGPUAE.IO;
using ILGPUAE.Training.Labels;
using ILGPUAE.Training.Sweeps;

/// <summary>
/// `ilgpuae sweep labels`: Barletta and De Benedetti's label sweep in one command (<see cref="LabelSweep"/>). Every option left out
/// takes the study's value, or with --quick CI's (<see cref="LabelSweepOptions.Quick"/>).
/// </summary>
[Verb("labels", HelpText = "Frozen pretrained encoder vs random encoder vs CNN across labelled-set sizes (Barletta and De Benedetti): pretrains the encoders (OUT/encoders), trains every model × size × seed on MNIST, one row per run in OUT/rows.csv as it finishes; then summary.csv, accuracy-fixed.png, accuracy-test.png, loss-curves.png and a confusion matrix. Rerun the same command to resume.")]
public sealed class SweepLabelsOptions : AcceleratorOptions, ISlurmSweepOptions
{
    [Option("quick", Default = false, HelpText = "CI's form: sizes 160, 320, 480, two seeds, 2 epochs, encoders pretrained 1 epoch on 2000 images (each option given still wins).")]
    public bool Quick { get; set; }

    [Option("min-labels", HelpText = "Smallest labelled set (default 160).")]
    public int? MinLabels { get; set; }

    [Option("max-labels", HelpText = "Largest labelled set (default 8000; quick 480).")]
    public int? MaxLabels { get; set; }

    [Option("sizes", HelpText = "Labelled-set sizes, equally spaced from --min-labels to --max-labels (default the study's 50: 160, 320, …, 8000; quick 3).")]
    public int? Sizes { get; set; }

    [Option("repeats", HelpText = "Runs per model and size, seeds --seed, --seed + 1, … (default 3; quick 2). A seed draws the labelled subset, the initial weights, the order and the dropout masks.")]
    public int? Repeats { get; set; }

    [Option("seed", HelpText = "The first run's seed (default 1); the encoders are pretrained with `train cae`'s seed 1.")]
    public ulong? Seed { get; set; }

    [Option("models", HelpText = "Comma-separated, of ae-mnist, sparse-ae-mnist, sparse-ae-fashion (pretrained on Fashion-MNIST v2), random, cnn (default all five).")]
    public string? Models { get; set; }

    [Option("epochs", HelpText = "Epochs of every classifier (default the study's 100; quick 2).")]
    public int? Epochs { get; set; }

    [Option("batch", HelpText = "Minibatch size of every classifier (default the study's 16).")]
    public int? Batch { get; set; }

    [Option("pretrain-epochs", HelpText = "Epochs of each encoder's `train cae` pretraining on 59 000 images (default 10; quick 1).")]
    public int? PretrainEpochs { get; set; }

    [Option("pretrain-limit", HelpText = "Pretrain on the first N of the 59 000 images (default all; quick 2000).")]
    public int? PretrainLimit { get; set; }

    [Option("fixed-test", HelpText = "The study's fixed test set: the first N MNIST test images (default 350; the study does not say which 350). Every run is also scored on all 10 000.")]
    public int? FixedTest { get; set; }

    [Option("second-pool", Default = false, HelpText = "The CNN with the text's second max-pool (default: its layer list's one).")]
    public bool SecondPool { get; set; }

    [Option("confusion", HelpText = "MODEL:SIZE whose confusion matrix is drawn (default the study's Fig. 5, sparse-ae-mnist:480).")]
    public string? Confusion { get; set; }

    [Option("shard", HelpText = "i/n: run only the runs whose ordinal % n = i − 1, so that n machines share the sweep; merge with --import.")]
    public string? Shard { get; set; }

    [Option("import", HelpText = "Comma-separated out directories (or rows.csv files) of other shards of the same sweep: their rows join OUT/rows.csv before the rest runs.")]
    public string? Import { get; set; }

    [Option("out", Required = true, HelpText = "Sweep directory: rows.csv, encoders/, summary.csv and the PNGs. Rerunning the same command into it resumes the sweep.")]
    public string Out { get; set; } = "";

    [Option("slurm", Default = false, HelpText = SlurmHelp.Slurm + " Merge: the same command with --out OUT/merged --import OUT/shard-1,…, which runs nothing the shards ran.")]
    public bool Slurm { get; set; }

    [Option("shards", HelpText = SlurmHelp.Shards)]
    public int? Shards { get; set; }

    [Option("slurm-args", HelpText = SlurmHelp.SlurmArgs)]
    public string? SlurmArgs { get; set; }

    public LabelSweepOptions ToOptions()
    {
        var o = Quick ? LabelSweepOptions.Quick : new LabelSweepOptions();
        var (confusionModel, confusionLabels) = (o.ConfusionModel, o.ConfusionLabels);
        if (Confusion is not null)
        {
            var parts = Confusion.Split(':');
            if (parts.Length != 2 || !int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out confusionLabels))
                throw InputException.ForSetting("confusion_model", Confusion, "MODEL:SIZE, e.g. sparse-ae-mnist:480");
            confusionModel = SweepModels.Parse(parts[0], "confusion_model");
        }
        return o with
        {
            MinLabels = MinLabels ?? o.MinLabels,
            MaxLabels = MaxLabels ?? o.MaxLabels,
            Sizes = Sizes ?? o.Sizes,
            Repeats = Repeats ?? o.Repeats,
            Seed = Seed ?? o.Seed,
            Models = Models is null ? o.Models : [.. Models.Split(',').Select(m => SweepModels.Parse(m, "models"))],
            Epochs = Epochs ?? o.Epochs,
            Batch = Batch ?? o.Batch,
            PretrainEpochs = PretrainEpochs ?? o.PretrainEpochs,
            PretrainLimit = PretrainLimit ?? o.PretrainLimit,
            FixedTest = FixedTest ?? o.FixedTest,
            SecondPool = SecondPool || o.SecondPool,
            ConfusionModel = confusionModel,
            ConfusionLabels = confusionLabels,
        };
    }
}

public static class SweepLabelsVerb
{
    /// <summary>
    /// The merge of an array's shards: the same sweep into OUT/merged importing every OUT/shard-i, which runs only what no shard ran
    /// and writes the summary and plots of all the rows.
    /// </summary>
    public static string MergeCommand(SweepLabelsOptions o, IReadOnlyList<string> launcher, string outDirectory)
    {
        var shards = Enumerable.Range(1, o.Shards!.Value).Select(i => Path.Combine(outDirectory, SlurmArray.ShardPrefix + i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var import = string.Join(",", (o.Import is null ? [] : new[] { o.Import }).Concat(shards));
        return SlurmArray.CommandLine([.. launcher, "sweep", "labels", .. SlurmArray.OptionWords(o, "import"),
            "--out", Path.Combine(outDirectory, SlurmArray.MergedName), "--import", import]);
    }

    /// <summary>The sweep, its progress on the console; SIGINT or SIGTERM stops it between runs (exit 130/143), and the same command resumes it.</summary>
    public static int Run(SweepLabelsOptions o)
    {
        var options = o.ToOptions();
        var sbatchOptions = SlurmArray.Check(o, LabelSweep.Plan(options).Count, "runs");
        if (o.Slurm)
            return SlurmArray.Submit(o, "sweep labels", o, sbatchOptions, (launcher, outDirectory) => MergeCommand(o, launcher, outDirectory));
        var shard = o.Shard is null ? SweepShard.Whole : SweepShard.Parse(o.Shard);
        var import = o.Import is null ? [] : o.Import.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return ConsoleTrainingObserver.Run(observer => StopSignals.Run(0, control =>
        {
            var plan = LabelSweep.Plan(options);
            observer.Note($"label sweep: {options.Models.Count} models × {options.SizeList().Length} sizes × {options.Repeats} seeds = {plan.Count} runs, " +
                          $"{options.Epochs} epochs at batch {options.Batch}; shard {shard}: {plan.Count(p => shard.Contains(p.Ordinal))} runs");
            var request = new LabelSweepRequest(options, shard, o.Accelerator, o.Device, o.DataDir, o.Out, import);
            var result = LabelSweep.Run(request, observer, control.Stop);
            observer.Note($"shard {shard}: ran {result.Ran}, {result.Skipped} already done{(result.Imported > 0 ? $", {result.Imported} imported" : "")}; " +
                          $"{result.Rows.Count} rows in {Path.Combine(o.Out, SweepRowsFile.FileName)}{(result.Missing > 0 ? $", {result.Missing} runs of the sweep still missing (other shards)" : "")}");
            if (result.Written.Count > 0)
                observer.Note($"wrote {string.Join(", ", result.Written)} in {Path.GetFullPath(o.Out)}");
            return CliApp.Ok;
        }, continueWith: "the same command"));
    }
}
