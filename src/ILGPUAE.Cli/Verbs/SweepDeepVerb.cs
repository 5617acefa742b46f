namespace ILGPUAE.Cli.Verbs;

using global::CommandLine;
using ILGPUAE.Backend;
using ILGPUAE.Data.Variations;
using ILGPUAE.Data;
using ILGPUAE.Training;
using ILGPUAE.Training.Deep;
using ILGPUAE.Training.Sweeps;

/// <summary>
/// `ilgpuae sweep deep`: one cell of the study's tables (dataset, scheme, regularizer, layers) over a grid of learning rates ×
/// regularizer strengths, each configuration a <see cref="DeepSweepTrial"/> (train deep into OUT/trials/KEY, then the SVM probe on
/// its top codes). The options below the grid's are shared by every configuration and recorded in each row.
/// </summary>
[Verb("deep", HelpText = "Sweep a deep autoencoder cell over learning rate × noise, contraction or weight decay; one row per configuration in OUT/rows.csv as it finishes; rerun the same command to resume.")]
public sealed class SweepDeepOptions : DatasetOptions, ISlurmSweepOptions
{
    [Option("layers", Default = "1000,1000", HelpText = "Hidden layer widths, comma-separated.")]
    public string Layers { get; set; } = "1000,1000";

    [Option("scheme", Required = true, HelpText = "L (layer-wise), U (layer-wise, then joint without regularizers), J (joint) or UJ (layer-wise, then joint with them).")]
    public DeepScheme Scheme { get; set; }

    [Option("regularizer", Required = true, HelpText = "denoise, contract or l2.")]
    public DeepRegularizer Regularizer { get; set; }

    [Option("lr", HelpText = "Learning rates to sweep, comma-separated (default the study's 0.001,0.005,0.01,0.02).")]
    public string? LearningRates { get; set; }

    [Option("noise", HelpText = "denoise: noise levels to sweep (default the study's 0.1,0.3,0.5,0.7,0.9).")]
    public string? Noise { get; set; }

    [Option("contraction", HelpText = "contract: contraction weights λ to sweep (default the study's 0.01,0.05,0.15,0.3,0.6).")]
    public string? Contraction { get; set; }

    [Option("weight-decay", HelpText = "l2: weight decays to sweep (default ours, as the study gives none: 0.00001,0.0001,0.001,0.01,0.1).")]
    public string? WeightDecay { get; set; }

    [Option("epochs", Default = 300, HelpText = "Epochs per configuration (per layer for L).")]
    public int Epochs { get; set; }

    [Option("joint-epochs", HelpText = "Epochs of U's and UJ's joint phase (default --epochs).")]
    public int? JointEpochs { get; set; }

    [Option("noise-kind", HelpText = DeepHelp.NoiseKind)]
    public string? NoiseKind { get; set; }

    [Option("binarize", Default = false, HelpText = DeepHelp.Binarize)]
    public bool Binarize { get; set; }

    [Option("batch", Default = 100, HelpText = "Minibatch size.")]
    public int Batch { get; set; } = 100;

    [Option("seed", Default = 1UL, HelpText = "Seed of every configuration's random streams.")]
    public ulong Seed { get; set; } = 1;

    [Option("train-limit", HelpText = "Train every configuration (and its SVM) on the first N training examples (default all).")]
    public int? TrainLimit { get; set; }

    [Option("valid-limit", HelpText = "Pick each configuration's kept model on the first N validation examples (default all).")]
    public int? ValidLimit { get; set; }

    [Option("test-limit", HelpText = "Score on the first N test examples (default all).")]
    public int? TestLimit { get; set; }

    [Option("shard", HelpText = "i/n: run only the configurations whose ordinal % n = i − 1, so that n machines share the grid (merge their rows with `sweep merge`, or `sweep table`).")]
    public string? Shard { get; set; }

    [Option("out", Required = true, HelpText = "Sweep directory: rows.csv and trials/KEY per configuration. Rerunning the same command into it resumes the sweep. With --slurm: OUT/shard-i per task and OUT/slurm.")]
    public string Out { get; set; } = "";

    [Option("slurm", Default = false, HelpText = SlurmHelp.Slurm)]
    public bool Slurm { get; set; }

    [Option("shards", HelpText = SlurmHelp.Shards)]
    public int? Shards { get; set; }

    [Option("slurm-args", HelpText = SlurmHelp.SlurmArgs)]
    public string? SlurmArgs { get; set; }

    /// <summary>
    /// The settings every configuration shares besides the grid's, as each row records them: rows of a cell with other settings
    /// are refused on resume and on merge. binarize=true is written only when set, so the rows of sweeps made before the option
    /// still match their command.
    /// </summary>
    public string Settings() =>
        $"epochs={Epochs} joint_epochs={JointEpochs?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "epochs"} noise_kind={CorruptionKinds.Name(DeepHelp.NoiseKindOf(NoiseKind))} batch={Batch} seed={Seed}" +
        $" train_limit={Limit(TrainLimit)} valid_limit={Limit(ValidLimit)} test_limit={Limit(TestLimit)}" + (Binarize ? " binarize=true" : "");

    private static string Limit(int? limit) => limit?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "all";

    /// <summary>
    /// The `train deep` options every configuration shares (the grid sets each one's learning rate and strength); an L2 cell's
    /// weight decay is the grid's, so the cell's own is the study's optimizer as it is.
    /// </summary>
    public DeepOptions CellOptions() => new()
    {
        Dataset = Parse(Dataset ?? "mnist", Option)!.Value,
        Layers = ListOption.Ints(Layers, "--layers"),
        Scheme = Scheme,
        Regularizer = Regularizer,
        NoiseKind = DeepHelp.NoiseKindOf(NoiseKind),
        Binarize = Binarize,
        Optimizer = DeepOptions.StudyOptimizer,
        Batch = Batch,
        Epochs = Epochs,
        JointEpochs = JointEpochs,
        Seed = Seed,
        TrainLimit = TrainLimit,
        ValidLimit = ValidLimit,
        TestLimit = TestLimit,
    };

    /// <summary>
    /// The plan the options describe; bad values are an <see cref="IO.InputException"/> naming the option.
    /// <paramref name="generated"/>: the dataset comes from our generator rather than the original files.
    /// </summary>
    public SweepPlan ToPlan(bool generated)
    {
        var dataset = Parse(Dataset ?? "mnist", Option)!.Value;
        var widths = ListOption.Ints(Layers, "--layers");
        if (widths.Length == 0 || widths.Any(w => w <= 0))
            throw new IO.InputException($"--layers {Layers}: expected one or more widths > 0, e.g. 1000,1000");
        if (Epochs <= 0)
            throw IO.InputException.ForSetting("epochs", Epochs, "an integer > 0");
        (string Flag, string? Text)[] strengths = [("--noise", Noise), ("--contraction", Contraction), ("--weight-decay", WeightDecay)];
        var own = $"--{SweepNames.StrengthSetting(Regularizer).Replace('_', '-')}";
        foreach (var (flag, text) in strengths)
            if (text is not null && flag != own)
                throw new IO.InputException($"{flag} {text}: not swept with --regularizer {DeepOptions.Name(Regularizer)}; expected {own} instead");
        var strengthText = strengths.Single(s => s.Flag == own).Text;
        var grid = SweepGrid.Create(Regularizer,
            LearningRates is null ? null : ListOption.Floats(LearningRates, "--lr"),
            strengthText is null ? null : ListOption.Floats(strengthText, own));
        var shard = Shard is null ? SweepShard.Whole : SweepShard.Parse(Shard);
        var cell = SweepCell.Of(Datasets.Info(dataset).Name, Scheme, Regularizer, widths, generated);
        return new SweepPlan(cell, Settings(), grid, shard);
    }
}

public static class SweepDeepVerb
{
    /// <summary>The sweep with every configuration trained and probed for real (<see cref="DeepSweepTrial"/>), its progress on the console.</summary>
    public static int Run(SweepDeepOptions o)
    {
        var cell = o.CellOptions();
        var generated = VariationGenerators.Of(cell.Dataset) is not null;
        var plan = o.ToPlan(generated);
        var sbatchOptions = SlurmArray.Check(o, plan.Grid.Configs.Count, "configurations");
        if (o.Slurm)
        {
            // Every configuration's options are checked here, before anything is submitted, rather than in each task.
            var check = new DeepSweepTrial(cell, o.Accelerator, o.Device, o.DataDir, new TextTrainingObserver(Console.Out));
            foreach (var config in plan.Grid.Configs)
                check.OptionsOf(config).Validate();
            return SlurmArray.Submit(o, "sweep deep", o, sbatchOptions, MergeCommand);
        }
        return ConsoleTrainingObserver.Run(observer =>
        {
            var trial = new DeepSweepTrial(cell, o.Accelerator, o.Device, o.DataDir, observer);
            // Every configuration's options (the grid's values in them) are checked before the first trains or the data is read.
            foreach (var config in plan.Mine)
                trial.OptionsOf(config).Validate();
            var splits = ClassificationSplits.Load(cell.Dataset, o.DataDir, observer.Note);
            return Run(o, new DeepSweepTrial(cell, o.Accelerator, o.Device, o.DataDir, observer, splits), generated);
        });
    }

    /// <summary>`sweep merge` of the array's shards into OUT/merged, for the user to paste.</summary>
    public static string MergeCommand(IReadOnlyList<string> launcher, string outDirectory) =>
        SlurmArray.CommandLine([.. launcher, "sweep", "merge", "--rows", outDirectory, "--out", Path.Combine(outDirectory, SlurmArray.MergedName)]);

    /// <summary>
    /// Runs the sweep <paramref name="o"/> describes, each configuration through <paramref name="trial"/>; SIGINT or SIGTERM stops it
    /// after the configuration in progress has checkpointed (exit 130/143), and rerunning the same command resumes it.
    /// </summary>
    public static int Run(SweepDeepOptions o, ISweepTrial trial, bool generated)
    {
        var plan = o.ToPlan(generated);
        return StopSignals.Run(0, control =>
        {
            Console.WriteLine($"sweep {plan.Cell}, {plan.Grid}, shard {plan.Shard}: {plan.Mine.Count()} configurations{(plan.Cell.Generated ? $"; {plan.Cell.Dataset} is generated (our generator, not the original files)" : "")}");
            var result = SweepRunner.Run(plan, o.Out, trial, control.Stop, Console.WriteLine);
            Console.WriteLine($"shard {plan.Shard}: ran {result.Ran}, {result.Skipped} already done; {result.Rows.Count} of {plan.Grid.Configs.Count} configurations in {Path.Combine(o.Out, SweepRowsFile.FileName)}");
            if (result.Best?.Outcome is { } best)
                Console.WriteLine($"best by validation so far: {result.Best.Config} (valid error {100 * best.ValidError:F2} %, test error {100 * best.Test.Error:F2} % ± {100 * best.Test.HalfWidth95:F2} %)");
            Console.WriteLine($"table: ilgpuae sweep table --rows {o.Out} --out DIR");
            return CliApp.Ok;
        }, continueWith: "the same command");
    }
}
