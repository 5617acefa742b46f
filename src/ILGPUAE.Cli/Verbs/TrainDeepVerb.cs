namespace ILGPUAE.Cli.Verbs;

using global::CommandLine;
using ILGPUAE.Backend;
using ILGPUAE.Data;
using ILGPUAE.Training.Deep;

/// <summary>The help texts `train deep` and `sweep deep` share for the GSN setup's options.</summary>
internal static class DeepHelp
{
    public const string NoiseKind = "denoise: gaussian (additive; the study's, Zhou et al.), masking, or salt-and-pepper (each pixel replaced by a fair coin; the GSN setup's, with --noise 0.4 --binarize) (default gaussian).";

    public const string Binarize = "Train, validate and test on the data thresholded x > 0.5 → {0, 1}, as the GSN setup (Table I's sampling) does; recorded in the model, so that sample and probe svm feed it the same.";

    /// <summary>The corruption kind --noise-kind names (null: the study's Gaussian noise).</summary>
    public static CorruptionKind NoiseKindOf(string? text) => text is null ? CorruptionKind.Gaussian : DeepOptions.ParseNoiseKind(text);
}

[Verb("deep", HelpText = "Train a deep autoencoder (tied weights per layer, logistic units, cross-entropy) by scheme L, J, U or UJ with per-layer denoising, contractive or L2 regularizers (Zhou et al.), on a dataset (MNIST unless --dataset).")]
public sealed class TrainDeepOptions : TrainingVerbOptions
{
    [Option("layers", HelpText = "Code widths, comma-separated (default 1000,1000).")]
    public string? Layers { get; set; }

    [Option("scheme", Default = DeepScheme.UJ, HelpText = "L: greedy layer-wise (each layer its own local objective on the clean codes below); J: joint from random initialisation, with the regularizers; U: layer-wise, then joint without regularizers; UJ: layer-wise, then joint with them.")]
    public DeepScheme Scheme { get; set; }

    [Option("regularizer", Default = DeepRegularizer.Denoise, HelpText = "denoise (every layer's input corrupted while training), contract (λ‖∂h_i/∂h_{i−1}‖²_F per layer) or l2 (weight decay on the weights).")]
    public DeepRegularizer Regularizer { get; set; }

    [Option("noise", HelpText = "denoise: the corruption's σ (gaussian) or probability in [0, 1] (masking, salt-and-pepper) (default 0.5).")]
    public float? Noise { get; set; }

    [Option("noise-kind", HelpText = DeepHelp.NoiseKind)]
    public string? NoiseKind { get; set; }

    [Option("binarize", Default = false, HelpText = DeepHelp.Binarize)]
    public bool Binarize { get; set; }

    [Option("contraction", HelpText = "contract: λ of each layer's penalty (default 0.15).")]
    public float? Contraction { get; set; }

    [Option("lr", HelpText = "Learning rate (default 0.005).")]
    public float? LearningRate { get; set; }

    [Option("batch", Default = 100, HelpText = "Minibatch size.")]
    public int Batch { get; set; }

    [Option("epochs", Default = 300, HelpText = "Epochs per layer-wise phase (L, and the first part of U and UJ) and of J.")]
    public int Epochs { get; set; }

    [Option("joint-epochs", HelpText = "Epochs of U's and UJ's joint phase (default --epochs).")]
    public int? JointEpochs { get; set; }

    [Option("seed", Default = 1UL, HelpText = "Seed of every random stream (weights, shuffles, noise).")]
    public ulong Seed { get; set; }

    [Option("valid-limit", HelpText = "Pick the kept model on the first N validation examples (default all).")]
    public int? ValidLimit { get; set; }

    [Option("out", Default = "runs/deep", HelpText = "Output directory: model.safetensors (the best-validation model), train_state.safetensors, metrics.json, curves.png.")]
    public string Out { get; set; } = "runs/deep";

    /// <summary>The run's options: the study's RMSprop (α 0.9) unless --optimizer says otherwise; l2's weight decay 1e-4 unless --weight-decay.</summary>
    public DeepOptions ToOptions()
    {
        var optimizer = ResolveOptimizer(DeepOptions.StudyOptimizer);
        if (Regularizer == DeepRegularizer.L2 && WeightDecay is null)
            optimizer = optimizer with { WeightDecay = DeepOptions.DefaultWeightDecay };
        return new DeepOptions
        {
            Dataset = ParseDataset() ?? DatasetKind.Mnist,
            Layers = Layers is null ? new DeepOptions().Layers : ListOption.Ints(Layers, "--layers"),
            Scheme = Scheme,
            Regularizer = Regularizer,
            Noise = Noise ?? DeepOptions.DefaultNoise,
            NoiseKind = DeepHelp.NoiseKindOf(NoiseKind),
            Binarize = Binarize,
            Contraction = Contraction ?? DeepOptions.DefaultContraction,
            LearningRate = LearningRate ?? DeepOptions.DefaultLearningRate,
            Optimizer = optimizer,
            Batch = Batch,
            Epochs = Epochs,
            JointEpochs = JointEpochs ?? Epochs,
            Seed = Seed,
            TrainLimit = TrainLimit,
            ValidLimit = ValidLimit,
            TestLimit = TestLimit,
            OnNan = ResolveOnNan(Training.NanPolicy.Stop),
        };
    }
}

public static class TrainDeepVerb
{
    public static int Run(TrainDeepOptions o)
    {
        var options = o.ToOptions();
        if (o.Resume is null)
            options.Validate();
        else if (DeepTraining.SavedOptions(o.Resume) is { } saved)
            ResumeCheck.Check(o, options, saved, []);
        return StopSignals.Run(o.CheckpointEvery, control =>
        {
            var request = new DeepRunRequest(options, o.Accelerator, o.Device, o.DataDir, o.Resume ?? o.Out, o.Resume is not null, o.Force, Control: control);
            var metrics = ConsoleTrainingObserver.Run(observer => DeepTraining.Run(request, observer));
            if (metrics.BestValidLoss is { } loss)
                Console.WriteLine($"done: kept {metrics.BestPhase}, epoch {metrics.BestEpoch}: validation loss {loss:F4} (input space); wrote {Path.GetFullPath(request.OutDir)}");
            return CliApp.Ok;
        });
    }
}
