namespace ILGPUAE.Cli.Verbs;

using global::CommandLine;
using ILGPUAE.Optimizers;
using ILGPUAE.Training.Stacked;

[Verb("pretrain", HelpText = "Greedy layer-wise pretraining of a stack of tied denoising autoencoders (on MNIST unless --dataset).")]
public sealed class PretrainOptions : TrainingVerbOptions
{
    [Option("preset", HelpText = "Start from a published recipe: sda3-theano (the defaults), sdae-mlp (squared-error pretraining) or sda3-masked (= sda3-theano here). Options given here override it.")]
    public string? Preset { get; set; }

    [Option("hidden", HelpText = "Units per layer, comma-separated (default 1000,1000,1000).")]
    public string? Hidden { get; set; }

    [Option("corruption", HelpText = "Masking probability per layer, comma-separated, or one for all (default 0.1,0.2,0.3; with another number of layers in --hidden, as many of these as there are layers, the last repeated).")]
    public string? Corruption { get; set; }

    [Option("loss", HelpText = "mse or xent (default xent; sdae-mlp: mse).")]
    public LossOption? Loss { get; set; }

    [Option("lr", HelpText = "Learning rate (default 0.001).")]
    public float? LearningRate { get; set; }

    [Option("momentum", HelpText = "SGD momentum in [0, 1) (default 0; nesterov 0.9).")]
    public float? Momentum { get; set; }

    [Option("batch", HelpText = "Minibatch size; 1 = per-sample SGD (default 1).")]
    public int? Batch { get; set; }

    [Option("epochs", HelpText = "Epochs per layer (default 15).")]
    public int? Epochs { get; set; }

    [Option("seed", HelpText = "Seed of every random stream (default 1); layer i > 0 uses a hash of (seed, i).")]
    public ulong? Seed { get; set; }

    [Option("hogwild", HelpText = "K ≥ 2: each layer trains with K examples in flight and lock-free weight updates; NOT reproducible. host: K lanes, any batch; cuda/opencl/cpu: K kernel workers, --batch 1 and --momentum 0 (default 0 = sequential).")]
    public int? Hogwild { get; set; }

    [Option("out", Default = "runs/sda", HelpText = "Output directory: model.safetensors (the stack), layer{i}/ (each layer's run), metrics.json, curves.png, filters.png, reconstructions.png.")]
    public string Out { get; set; } = "runs/sda";

    /// <summary>The preset's options (or the defaults) with every option given here applied over them.</summary>
    public StackOptions Resolve()
    {
        var o = Recipes.Pretraining(Preset is null ? null : Recipes.Parse(Preset));
        var optimizer = ResolveOptimizer(o.Optimizer);
        var hidden = Hidden is null ? o.Hidden : ListOption.Ints(Hidden, "--hidden");
        return o with
        {
            Dataset = ParseDataset() ?? o.Dataset,
            Hidden = hidden,
            Corruption = Corruption is null ? PerLayer(o.Corruption, hidden.Length) : ListOption.Floats(Corruption, "--corruption"),
            Loss = Loss?.ToLossKind() ?? o.Loss,
            LearningRate = LearningRate ?? (Optimizer is null ? o.LearningRate : OptimizerChoice.DefaultLearningRate(optimizer.Kind, o.LearningRate)),
            Momentum = MomentumFor(Momentum, optimizer.Kind, o.Momentum),
            Optimizer = optimizer,
            Batch = Batch ?? o.Batch,
            Epochs = Epochs ?? o.Epochs,
            Seed = Seed ?? o.Seed,
            Hogwild = Hogwild ?? o.Hogwild,
            TrainLimit = TrainLimit ?? o.TrainLimit,
            TestLimit = TestLimit ?? o.TestLimit,
            OnNan = ResolveOnNan(o.OnNan),
        };
    }

    /// <summary>
    /// A default per-layer list (the recipe's corruption) fitted to <paramref name="layers"/> given with --hidden: its first values,
    /// the last repeated, so that `--hidden 500,300` alone is a run rather than an error about an option the user never gave.
    /// </summary>
    public static float[] PerLayer(float[] values, int layers) =>
        values.Length <= 1 || values.Length == layers || layers == 0
            ? values
            : [.. Enumerable.Range(0, layers).Select(i => values[Math.Min(i, values.Length - 1)])];
}

public static class PretrainVerb
{
    public static int Run(PretrainOptions o)
    {
        var options = o.Resolve();
        if (o.Resume is null)
            options.Validate();
        else if (Path.Combine(o.Resume, StackFile.FileName) is var stack && File.Exists(stack))
            ResumeCheck.Check(o, options, StackFile.Read(stack).Options, []);
        return StopSignals.Run(o.CheckpointEvery, control =>
        {
            var request = new StackRunRequest(options, o.Accelerator, o.Device, o.DataDir, o.Resume ?? o.Out, o.Resume is not null, o.Force, Control: control);
            var metrics = ConsoleTrainingObserver.Run(observer => StackPretraining.Run(request, observer));
            var top = metrics.Layers.LastOrDefault()?.Epochs.LastOrDefault();
            Console.WriteLine($"done: {metrics.Layers.Count} layers ({string.Join("-", metrics.Layers.Select(l => l.Hidden).Prepend(metrics.Layers.FirstOrDefault()?.Visible ?? 0))})" +
                $"{(top is null ? "" : $", top layer's test loss {top.TestLoss:F4}")}; wrote {Path.GetFullPath(request.OutDir)}");
            return CliApp.Ok;
        });
    }
}
