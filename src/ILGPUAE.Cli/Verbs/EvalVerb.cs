namespace ILGPUAE.Cli.Verbs;

using System.Globalization;
using global::CommandLine;
using ILGPUAE.Backends;
using ILGPUAE.Data;
using ILGPUAE.Evaluation;
using ILGPUAE.IO;
using ILGPUAE.Training;
using ILGPUAE.Training.Stacked;

[Verb("eval", HelpText = "Recompute the test loss of a trained autoencoder, or the test accuracy of a fine-tuned classifier.")]
public sealed class EvalOptions : DatasetOptions
{
    [Option("model", Required = true, HelpText = "A run directory (or its model.safetensors).")]
    public string Model { get; set; } = "";
}

public static class EvalVerb
{
    public static int Run(EvalOptions o)
    {
        var dataset = o.ParseDataset();
        var path = Directory.Exists(o.Model) ? Path.Combine(o.Model, DaeCheckpoint.ModelFileName) : o.Model;
        if (!File.Exists(path))
            throw new InputException($"--model {o.Model}: {path} does not exist; expected a run directory or a model.safetensors file");
        SafeTensorsFile.Read(path).Metadata.TryGetValue(DaeCheckpoint.FormatKey, out var format);
        return format switch
        {
            ClassifierCheckpoint.Format => Classifier(path, o, dataset),
            StackFile.Format => throw new InputException(
                $"--model {o.Model}: a pretrained stack has no test score of its own; evaluate its layers (layer0/ …) or fine-tune it with `finetune --pretrained`"),
            _ => Autoencoder(path, o, dataset),
        };
    }

    /// <summary>The test loss of a tied denoising autoencoder (`train dae`).</summary>
    /// <param name="dataset">--dataset; null: the run's.</param>
    private static int Autoencoder(string path, EvalOptions o, DatasetKind? dataset)
    {
        var (options, _) = DaeCheckpoint.ReadModel(path);
        var test = TestSet(dataset ?? options.Dataset, o.DataDir, options.TestLimit);

        using var backend = AcceleratorCatalog.Open(o.Accelerator, o.Device, Console.WriteLine);
        using var model = DaeCheckpoint.LoadModel(path, backend, test.Features, out _);
        using var data = backend.Allocate<float>(test.Count, test.Features);
        data.CopyFrom(test.Pixels);
        using var evaluator = new ReconstructionEvaluator(model, data);
        var loss = evaluator.MeanLoss(options.Loss);

        Console.WriteLine($"accelerator: {backend.Name}");
        Console.WriteLine($"test loss ({options.Loss}, {test.Count} examples): {loss.ToString("R", CultureInfo.InvariantCulture)}");
        return CliApp.Ok;
    }

    /// <summary>The dataset's test set, cut to the run's test limit (the first N images) when it had one.</summary>
    private static Dataset TestSet(DatasetKind dataset, string? dataDir, int? testLimit)
    {
        var test = Datasets.Load(dataset, dataDir, Console.WriteLine).Test;
        if (testLimit is { } limit)
            test = test.Take(Math.Min(limit, test.Count));
        Console.WriteLine($"data: {test.Name}, {test.Count} examples");
        return test;
    }

    /// <summary>The test accuracy of a fine-tuned classifier (`finetune`), with its 95 % interval.</summary>
    private static int Classifier(string path, EvalOptions o, DatasetKind? dataset)
    {
        var (architecture, options, _, _) = ClassifierCheckpoint.ReadModel(path);
        var test = TestSet(dataset ?? options.Dataset, o.DataDir, options.TestLimit);

        using var backend = AcceleratorCatalog.Open(o.Accelerator, o.Device, Console.WriteLine);
        using var model = ClassifierCheckpoint.Load(path, backend);
        using var pixels = backend.Allocate<float>(test.Count, test.Features);
        pixels.CopyFrom(test.Pixels);
        using var labels = backend.Allocate<int>(test.Count);
        labels.CopyFrom(Array.ConvertAll(test.Labels, l => (int)l));
        using var evaluator = new ClassifierEvaluator(model, pixels, labels);
        var score = evaluator.Score();

        Console.WriteLine($"accelerator: {backend.Name}");
        Console.WriteLine($"classifier {architecture}: test accuracy {score} (95 % interval 1.96·√(p(1−p)/n))");
        return CliApp.Ok;
    }
}
