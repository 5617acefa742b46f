namespace ILGPUAE.Cli.Verbs;

using global::CommandLine;
using ILGPUAE.Data;
using ILGPUAE.Training.Cae;

[Verb("cae", HelpText = "Train Barletta and De Benedetti's convolutional autoencoder (conv 1→8 → pool → conv 8→4 → pool, a 4×7×7 code; conv 4→4 → upsample → conv 4→8 → upsample → conv 8→1, sigmoid), cross-entropy reconstruction (--loss mse: the study's squared error, which can collapse to a black output), Adam, on MNIST (59000 train / last 1000 held out) or --dataset fashion-mnist.")]
public sealed class TrainCaeOptions : TrainingVerbOptions
{
    [Option("sparse", Default = false, HelpText = "The study's sparse autoencoder: an L1 penalty λ‖w‖₁ on the convolutions' weights, λ = 0.001 as the study writes it (unless --l1-weights). This is a penalty on the WEIGHTS; a penalty on the code activations is --l1-codes.")]
    public bool Sparse { get; set; }

    [Option("l1-weights", HelpText = "λ of the L1 penalty λ‖w‖₁ on the weights (not the biases), beside the loss's mean per pixel (MSELoss or BCELoss) as the study writes it (default 0; 0.001 with --sparse).")]
    public float? WeightL1 { get; set; }

    [Option("l1-codes", HelpText = "λ of an L1 penalty λ·Σ|code| on each image's 4×7×7 code, beside the image's loss (summed over its pixels): the sparse code most sparse-autoencoder work means (default 0).")]
    public float? CodeL1 { get; set; }

    [Option("loss", HelpText = "The training loss per image: xent (default), −Σ[x log z + (1 − x) log(1 − z)], the Keras convolutional-autoencoder tutorial's binary cross-entropy; or mse, ½‖x − z‖², the study's squared error — with which this network collapses to an all-black output within its first MNIST epoch for some seeds (1 and 3 of 1–3; in PyTorch too: the saturated sigmoid's z(1 − z) stops its gradient). Validation and test are ½‖x − z‖² per image either way.")]
    public LossOption? Loss { get; set; }

    [Option("holdout", Default = CaeOptions.DefaultHoldout, HelpText = "Validate on the last N training images (the study's 1000: 59000 train / 1000 held out).")]
    public int Holdout { get; set; }

    [Option("lr", HelpText = "Learning rate (default 0.001, the study's).")]
    public float? LearningRate { get; set; }

    [Option("batch", Default = 128, HelpText = "Minibatch size (the study gives none; the benchmark measures 16 and 128).")]
    public int Batch { get; set; }

    [Option("epochs", Default = 10, HelpText = "Epochs.")]
    public int Epochs { get; set; }

    [Option("seed", Default = 1UL, HelpText = "Seed of every random stream (weights, shuffles).")]
    public ulong Seed { get; set; }

    [Option("valid-limit", HelpText = "Pick the kept model on the first N held-out images (default all).")]
    public int? ValidLimit { get; set; }

    [Option("out", Default = "runs/cae", HelpText = "Output directory: model.safetensors (the best-validation model), train_state.safetensors, metrics.json, curves.png, reconstructions.png.")]
    public string Out { get; set; } = "runs/cae";

    /// <summary>The run's options: Adam unless --optimizer says otherwise.</summary>
    public CaeOptions ToOptions() => new()
    {
        Dataset = ParseDataset() ?? DatasetKind.Mnist,
        Holdout = Holdout,
        Loss = Loss?.ToLossKind() ?? CaeOptions.DefaultLoss,
        WeightL1 = WeightL1 ?? (Sparse ? CaeOptions.SparseWeightL1 : 0f),
        CodeL1 = CodeL1 ?? 0f,
        LearningRate = LearningRate ?? CaeOptions.DefaultLearningRate,
        Optimizer = ResolveOptimizer(CaeOptions.StudyOptimizer),
        Batch = Batch,
        Epochs = Epochs,
        Seed = Seed,
        TrainLimit = TrainLimit,
        ValidLimit = ValidLimit,
        TestLimit = TestLimit,
        OnNan = ResolveOnNan(Training.NanPolicy.Stop),
    };
}

public static class TrainCaeVerb
{
    public static int Run(TrainCaeOptions o)
    {
        var options = o.ToOptions();
        if (o.Resume is null)
            options.Validate();
        else if (CaeTraining.SavedOptions(o.Resume) is { } saved)
            ResumeCheck.Check(o, options, saved, []);
        return StopSignals.Run(o.CheckpointEvery, control =>
        {
            var request = new CaeRunRequest(options, o.Accelerator, o.Device, o.DataDir, o.Resume ?? o.Out, o.Resume is not null, o.Force, control);
            var metrics = ConsoleTrainingObserver.Run(observer => CaeTraining.Run(request, observer));
            if (metrics.BestValidLoss is { } loss)
                Console.WriteLine($"done: kept epoch {metrics.BestEpoch}: validation loss {loss:F4} (½‖x − z‖² per image); wrote {Path.GetFullPath(request.OutDir)}");
            return CliApp.Ok;
        });
    }
}
