namespace ILGPUAE.Evaluation;

using ILGPUAE.Backends;
using ILGPUAE.Checkpoints;
using ILGPUAE.Data;
using ILGPUAE.IO;
using ILGPUAE.Models;
using ILGPUAE.Modules;
using ILGPUAE.Training;
using ILGPUAE.Training.Deep;
using ILGPUAE.Training.Stacked;

/// <summary>What to score: a model file (or its run directory), on which accelerator, against which dataset's test set.</summary>
/// <param name="Dataset">The test set's dataset; null: the run's own.</param>
public sealed record EvaluationRequest(string Model, AcceleratorKind Accelerator = AcceleratorKind.Auto, int Device = 0, string? DataDir = null,
    DatasetKind? Dataset = null);

/// <summary>A model's score on a test set, with what ran it.</summary>
public abstract record EvaluationResult(string Accelerator, string TestSet, int Examples);

/// <summary>A tied autoencoder's mean per-example reconstruction loss on the clean test inputs.</summary>
public sealed record ReconstructionResult(string Accelerator, string TestSet, int Examples, Backend.LossKind Loss, double MeanLoss)
    : EvaluationResult(Accelerator, TestSet, Examples);

/// <summary>A classifier's test accuracy, with its 95 % interval.</summary>
public sealed record ClassificationResult(string Accelerator, string TestSet, int Examples, ClassifierArchitecture Architecture, ClassificationScore Score)
    : EvaluationResult(Accelerator, TestSet, Examples);

/// <summary>
/// The one entry point that scores a trained model: it reads the file's kind (a `train dae` or `train deep` autoencoder, or a
/// `finetune` classifier), loads the run's test set (cut to the run's test limit), opens the accelerator and scores the model on it.
/// </summary>
public static class Evaluate
{
    public static EvaluationResult Run(EvaluationRequest request, Action<string>? log = null)
    {
        var path = Checkpoint.ModelPath(request.Model);
        SafeTensorsFile.Read(path).Metadata.TryGetValue(DaeCheckpoint.FormatKey, out var format);
        return format switch
        {
            ClassifierCheckpoint.Format => Classifier(path, request, log),
            DeepTraining.Format => DeepAutoencoder(path, request, log),
            StackFile.Format => throw InputException.AboutSetting("model",
                $"model {request.Model}: a pretrained stack has no test score of its own; evaluate its layers (layer0/ …) or fine-tune it"),
            _ => Autoencoder(path, request, log),
        };
    }

    /// <summary>The test loss of a tied denoising autoencoder (`train dae`).</summary>
    private static ReconstructionResult Autoencoder(string path, EvaluationRequest request, Action<string>? log)
    {
        var (options, _) = DaeCheckpoint.ReadModel(path);
        var test = TestSet(request.Dataset ?? options.Dataset, request.DataDir, options.TestLimit, log);
        return Reconstruction(path, test, options.Loss, request, log);
    }

    /// <summary>The mean clean reconstruction loss on <paramref name="test"/> of the autoencoder in <paramref name="path"/>.</summary>
    private static ReconstructionResult Reconstruction(string path, Dataset test, Backend.LossKind loss, EvaluationRequest request, Action<string>? log)
    {
        using var backend = AcceleratorCatalog.Open(request.Accelerator, request.Device, log);
        // The model is rebuilt from its file alone (its saved architecture, or the one its options imply).
        using var network = Checkpoint.Load(path, backend, ReconstructionEvaluator.ChunkRows);
        RequireInputs(network, test);
        using var data = backend.Allocate<float>(test.Count, test.Features);
        data.CopyFrom(test.Pixels);
        using var evaluator = new NetworkEvaluator(backend, network);
        return new ReconstructionResult(backend.Name, test.Name, test.Count, loss, evaluator.MeanReconstructionLoss(data));
    }

    /// <summary>
    /// The test loss of a deep autoencoder (`train deep`): the clean cross-entropy reconstruction in input space through every
    /// layer, the kept model's architecture rebuilt from its file; on the binarised test set when it was trained on one.
    /// </summary>
    private static ReconstructionResult DeepAutoencoder(string path, EvaluationRequest request, Action<string>? log)
    {
        var options = DaeCheckpoint.ReadJson<DeepOptions>(path, SafeTensorsFile.Read(path), DaeCheckpoint.OptionsKey, o => o.Validate());
        var test = TestSet(request.Dataset ?? options.Dataset, request.DataDir, options.TestLimit, log);
        if (options.Binarize)
            test = test.Binarized();
        return Reconstruction(path, test, Backend.LossKind.CrossEntropy, request, log);
    }

    /// <summary>The test accuracy of a fine-tuned classifier (`finetune`).</summary>
    private static ClassificationResult Classifier(string path, EvaluationRequest request, Action<string>? log)
    {
        var (architecture, options, _, _) = ClassifierCheckpoint.ReadModel(path);
        var test = TestSet(request.Dataset ?? options.Dataset, request.DataDir, options.TestLimit, log);
        using var backend = AcceleratorCatalog.Open(request.Accelerator, request.Device, log);
        using var network = Checkpoint.Load(path, backend, ClassifierEvaluator.ChunkRows);
        RequireInputs(network, test);
        using var pixels = backend.Allocate<float>(test.Count, test.Features);
        pixels.CopyFrom(test.Pixels);
        using var labels = backend.Allocate<int>(test.Count);
        labels.CopyFrom(Array.ConvertAll(test.Labels, l => (int)l));
        using var evaluator = new NetworkEvaluator(backend, network);
        return new ClassificationResult(backend.Name, test.Name, test.Count, architecture, evaluator.Score(pixels, labels));
    }

    private static void RequireInputs(Network network, Dataset test)
    {
        if (network.Body.Inputs != test.Features)
            throw InputException.AboutSetting("dataset", $"dataset {test.Name}: {test.Features} values per example; the model takes {network.Body.Inputs}");
    }

    /// <summary>The dataset's test set, cut to the run's test limit (the first N examples) when it had one.</summary>
    private static Dataset TestSet(DatasetKind dataset, string? dataDir, int? testLimit, Action<string>? log)
    {
        var test = Datasets.Load(dataset, dataDir, log).Test;
        return testLimit is { } limit ? test.Take(Math.Min(limit, test.Count)) : test;
    }
}
