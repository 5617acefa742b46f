namespace ILGPUAE.Cli.Verbs;

using System.Globalization;
using global::CommandLine;
using ILGPUAE.Evaluation;

[Verb("eval", HelpText = "Recompute the test loss of a trained autoencoder, or the test accuracy of a fine-tuned classifier.")]
public sealed class EvalOptions : DatasetOptions
{
    [Option("model", Required = true, HelpText = "A run directory (or its model.safetensors).")]
    public string Model { get; set; } = "";
}

/// <summary>`eval`: <see cref="Evaluate.Run"/>, printed.</summary>
public static class EvalVerb
{
    public static int Run(EvalOptions o)
    {
        var dataset = o.ParseDataset();
        var result = Evaluate.Run(new EvaluationRequest(o.Model, o.Accelerator, o.Device, o.DataDir, dataset), Console.WriteLine);
        Console.WriteLine($"data: {result.TestSet}, {result.Examples} examples");
        Console.WriteLine($"accelerator: {result.Accelerator}");
        Console.WriteLine(result switch
        {
            ReconstructionResult r => $"test loss ({r.Loss}, {r.Examples} examples): {r.MeanLoss.ToString("R", CultureInfo.InvariantCulture)}",
            ClassificationResult c => $"classifier {c.Architecture}: test accuracy {c.Score} (95 % interval 1.96·√(p(1−p)/n))",
            _ => throw new InvalidOperationException($"no output for {result.GetType().Name}"),
        });
        return CliApp.Ok;
    }
}
