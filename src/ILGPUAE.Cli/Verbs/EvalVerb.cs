namespace ILGPUAE.Cli.Verbs;

using System.Globalization;
using global::CommandLine;
using ILGPUAE.Backends;
using ILGPUAE.Data;
using ILGPUAE.Evaluation;
using ILGPUAE.IO;
using ILGPUAE.Training;

[Verb("eval", HelpText = "Recompute the test loss of a trained model.")]
public sealed class EvalOptions : AcceleratorOptions
{
    [Option("model", Required = true, HelpText = "A run directory (or its model.safetensors).")]
    public string Model { get; set; } = "";
}

public static class EvalVerb
{
    public static int Run(EvalOptions o)
    {
        var path = Directory.Exists(o.Model) ? Path.Combine(o.Model, DaeCheckpoint.ModelFileName) : o.Model;
        if (!File.Exists(path))
            throw new InputException($"--model {o.Model}: {path} does not exist; expected a run directory or a model.safetensors file");
        var (options, _) = DaeCheckpoint.ReadModel(path);
        var (_, test) = Mnist.Load(o.DataDir, Console.WriteLine);
        if (options.TestLimit is { } limit)
            test = test.Take(Math.Min(limit, test.Count));

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
}
