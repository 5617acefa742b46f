namespace ILGPUAE.Tests.Training.Deep;

using ILGPUAE.Backends;
using ILGPUAE.Data;
using ILGPUAE.IO;
using ILGPUAE.Training.Deep;
using ILGPUAE.Training;

/// <summary>Tiny `train deep` runs in this process, on MNIST's first images (loaded once), for the deep-autoencoder tests.</summary>
internal static class DeepRuns
{
    public const int Visible = 784, Train = 200, Valid = 100, Test = 100, Batch = 50;

    /// <summary>A stack on 200 training images in batches of 50, scored on 100 validation and 100 test images, one epoch per phase.</summary>
    public static DeepOptions Tiny(DeepScheme scheme, DeepRegularizer regularizer, params int[] layers) => new()
    {
        Dataset = DatasetKind.Mnist,
        Layers = layers,
        Scheme = scheme,
        Regularizer = regularizer,
        Noise = 0.3f,
        Contraction = 0.15f,
        Optimizer = regularizer == DeepRegularizer.L2 ? DeepOptions.StudyOptimizer with { WeightDecay = 1e-3f } : DeepOptions.StudyOptimizer,
        Batch = Batch,
        Epochs = 1,
        JointEpochs = 1,
        Seed = 7,
        TrainLimit = Train,
        ValidLimit = Valid,
        TestLimit = Test,
    };

    public static DeepMetrics Run(DeepOptions options, string outDir, bool resume = false, RunControl? control = null, ITrainingObserver? observer = null,
        AcceleratorKind accelerator = AcceleratorKind.Host) =>
        DeepTraining.Run(new DeepRunRequest(options, accelerator, 0, null, outDir, resume, Force: false, MnistSplits.Value, control), observer ?? new DeepObserver());

    /// <summary>Every tensor of a safetensors file by name (those starting with <paramref name="prefix"/>, the prefix removed).</summary>
    public static Dictionary<string, float[]> Tensors(string path, string prefix = "") =>
        SafeTensorsFile.Read(path).Tensors.Where(t => t.Name.StartsWith(prefix, StringComparison.Ordinal))
            .ToDictionary(t => t.Name[prefix.Length..], t => t.Data);
}

/// <summary>Records what a run reports; <see cref="OnStarted"/> (with the count of phases started) and <see cref="OnEpoch"/> may act on it.</summary>
internal sealed class DeepObserver : ITrainingObserver
{
    public List<DeepEpochReport> Epochs { get; } = [];
    public List<string> Notes { get; } = [];
    public int Starts { get; private set; }
    public Action<int>? OnStarted { get; init; }
    public Action<DeepEpochReport>? OnEpoch { get; init; }

    public void Note(string message) => Notes.Add(message);

    public void Started(RunStart start) => OnStarted?.Invoke(++Starts);

    public void Progress(StepProgress progress)
    {
    }

    public void EpochDone(EpochResult epoch)
    {
        var report = (DeepEpochReport)epoch;
        Epochs.Add(report);
        OnEpoch?.Invoke(report);
    }
}
