namespace ILGPUAE.Cli.Verbs;

using global::CommandLine;
using ILGPUAE.Data;
using ILGPUAE.Optimizers;
using ILGPUAE.Training.Sparse;

[Verb("sparse", HelpText = "Train the KL-sparse autoencoder of Ng's UFLDL notes: h = σ(W1·x + b1), z = σ(W2·h + b2) (untied unless --tied), loss ½‖x − z‖² + β Σ KL(ρ‖ρ̂) + (α/2)‖W‖² (ρ̂ each hidden unit's mean activation over the batch), by full-batch gradient descent with a backtracking line search (default) or --optimizer sgd/adam with --batch. Defaults ρ 0.01, β 3, α 0.0001 and 400 iterations are UFLDL's sparse autoencoder exercise's. MNIST unless --dataset.")]
public sealed class TrainSparseOptions : TrainingVerbOptions
{
    [Option("hidden", HelpText = "Hidden units (default 100); several widths, comma-separated (e.g. 200,100), train a stack of sparse autoencoders greedily: layer k on the codes of the layers below, each in OUT/layer{k}, the stack in OUT/model.safetensors, which `finetune --pretrained OUT` takes.")]
    public string? Hidden { get; set; }

    [Option("rho", Default = SparseOptions.DefaultRho, HelpText = "Target mean activation ρ of each hidden unit, in (0, 1) (UFLDL's 0.01).")]
    public float Rho { get; set; }

    [Option("beta", Default = SparseOptions.DefaultBeta, HelpText = "β, the weight of the KL sparsity penalty (UFLDL's 3).")]
    public float Beta { get; set; }

    [Option("tied", Default = false, HelpText = "Decode with W1ᵀ instead of a decoder matrix of its own.")]
    public bool Tied { get; set; }

    [Option("loss", HelpText = "The reconstruction loss per image: mse (default), ½‖x − z‖², UFLDL's; or xent, −Σ[x log z + (1 − x) log(1 − z)].")]
    public LossOption? Loss { get; set; }

    [Option("holdout", HelpText = "Validate on the last N training images (default: the dataset's own validation split).")]
    public int? Holdout { get; set; }

    [Option("lr", HelpText = "Learning rate; with the line search (default), its first trial step (default 1; the next searches start from twice the last accepted step). sgd: 0.1, adam: 0.001 by default.")]
    public float? LearningRate { get; set; }

    [Option("batch", HelpText = "Minibatch size (default: the whole training set, one step an epoch; ρ̂ is then the whole set's mean activation, as UFLDL's).")]
    public int? Batch { get; set; }

    [Option("epochs", HelpText = "Epochs; with the whole training set as the batch, iterations (default 400, UFLDL's; 10 with --batch).")]
    public int? Epochs { get; set; }

    [Option("seed", Default = 1UL, HelpText = "Seed of the initial weights and the shuffles.")]
    public ulong Seed { get; set; }

    [Option("valid-limit", HelpText = "Pick the kept model on the first N validation images (default all).")]
    public int? ValidLimit { get; set; }

    [Option("out", Default = "runs/sparse", HelpText = "Output directory: model.safetensors (the best-validation model, with its architecture), train_state.safetensors, metrics.json, curves.png.")]
    public string Out { get; set; } = "runs/sparse";

    protected override bool TakesLineSearch => true;

    /// <summary>The run's options: the line search with α = 0.0001 unless --optimizer and --weight-decay say otherwise.</summary>
    public SparseOptions ToOptions()
    {
        var optimizer = ResolveOptimizer(SparseOptions.DefaultOptimizer);
        // Weight decay is part of this model's objective: another rule keeps UFLDL's α unless --weight-decay changes it.
        optimizer = optimizer with { WeightDecay = WeightDecay ?? SparseOptions.DefaultWeightDecay };
        var lineSearch = optimizer.Kind == OptimizerKind.LineSearch;
        return new SparseOptions
        {
            Dataset = ParseDataset() ?? DatasetKind.Mnist,
            Holdout = Holdout,
            Hidden = Hidden is null ? [SparseOptions.DefaultHidden] : ListOption.Ints(Hidden, "--hidden"),
            Rho = Rho,
            Beta = Beta,
            Tied = Tied,
            Loss = Loss?.ToLossKind() ?? Backend.LossKind.SquaredError,
            Optimizer = optimizer,
            LearningRate = LearningRate ?? (lineSearch ? SparseOptions.DefaultInitialStep : OptimizerChoice.DefaultLearningRate(optimizer.Kind, sgd: 0.1f)),
            Batch = Batch,
            Epochs = Epochs ?? (Batch is null ? SparseOptions.DefaultIterations : SparseOptions.DefaultEpochs),
            Seed = Seed,
            TrainLimit = TrainLimit,
            ValidLimit = ValidLimit,
            TestLimit = TestLimit,
            OnNan = ResolveOnNan(Training.NanPolicy.Stop),
        };
    }
}

public static class TrainSparseVerb
{
    public static int Run(TrainSparseOptions o)
    {
        var options = o.ToOptions();
        if (o.Resume is null)
            options.Validate();
        else if (SparseTraining.SavedOptions(o.Resume) is { } saved)
            ResumeCheck.Check(o, options, saved, []);
        return StopSignals.Run(o.CheckpointEvery, control =>
        {
            var request = new SparseRunRequest(options, o.Accelerator, o.Device, o.DataDir, o.Resume ?? o.Out, o.Resume is not null, o.Force, control);
            var layers = ConsoleTrainingObserver.Run(observer => SparseTraining.Run(request, observer));
            foreach (var metrics in layers)
                if (metrics.BestValidLoss is { } loss)
                    Console.WriteLine($"done{(layers.Count > 1 ? $" layer {metrics.Layer}" : "")}: kept epoch {metrics.BestEpoch}: validation loss {loss:F4} per example");
            Console.WriteLine($"wrote {Path.GetFullPath(request.OutDir)}");
            return CliApp.Ok;
        });
    }
}
