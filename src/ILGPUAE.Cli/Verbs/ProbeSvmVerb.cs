namespace ILGPUAE.Cli.Verbs;

using System.Globalization;
using global::CommandLine;
using ILGPUAE.Evaluation;

[Verb("svm", HelpText = "Linear SVM on a model's top-layer codes (one-vs-rest, L2-regularised squared hinge, as LIBLINEAR -s 2 and scikit-learn's LinearSVC): C chosen from 1e-3 … 1e3 on the validation set, retrained on train + valid, test error with its 95 % interval; writes svm.json next to the model.")]
public sealed class ProbeSvmOptions : DatasetOptions
{
    [Option("model", Required = true, HelpText = "A run directory (or its model.safetensors) holding an autoencoder (train deep, train dae, pretrain: its completed layers).")]
    public string Model { get; set; } = "";

    [Option("train-limit", HelpText = "Use the first N examples of the training split (validation is kept whole).")]
    public int? TrainLimit { get; set; }

    [Option("test-limit", HelpText = "Report on the first N test examples.")]
    public int? TestLimit { get; set; }

    // CommandLineParser takes no one-letter long name ("--c"), hence the prefix.
    [Option("svm-c", HelpText = "Train at this C and skip the selection on the validation set.")]
    public double? C { get; set; }

    [Option("codes-out", HelpText = "Also write the codes and labels of the three sets as .npy, and the chosen C (c.json), to this folder: bench/peers/svm_sklearn.py trains scikit-learn's LinearSVC on them.")]
    public string? CodesOut { get; set; }

    [Option("tolerance", Default = 1e-4, HelpText = "Stop a class when its gradient norm is below this fraction of its norm at w = 0 (at C 10 on 12000 codes of width 1000, 1e-3 stopped 0.9 points of test error away from scikit-learn's optimum at tol 1e-6; 1e-4 came within 0.03).")]
    public double Tolerance { get; set; }
}

/// <summary>`probe svm`: <see cref="SvmProbe.Run"/>, printed.</summary>
public static class ProbeSvmVerb
{
    public static int Run(ProbeSvmOptions o)
    {
        var request = new SvmProbeRequest(o.Model, o.Accelerator, o.Device, o.DataDir, o.ParseDataset(), o.TrainLimit, o.TestLimit, o.C, o.CodesOut,
            o.Tolerance);
        var result = SvmProbe.Run(request, Console.WriteLine);
        var outcome = result.Outcome;
        Console.WriteLine($"data: {result.Dataset.DisplayName}, codes of width {result.CodeWidth}: {result.Train} train / {result.Valid} valid / {outcome.Test.Count} test");
        Console.WriteLine($"accelerator: {result.Accelerator}");
        Console.WriteLine(outcome.Selected
            ? $"chosen C {outcome.ChosenC.ToString("G", CultureInfo.InvariantCulture)} (lowest validation error), retrained on train + valid"
            : $"C {outcome.ChosenC.ToString("G", CultureInfo.InvariantCulture)} (given), trained on train + valid");
        var test = outcome.Test;
        Console.WriteLine($"test error {100 * test.Error:F2} % ± {100 * test.HalfWidth95:F2} % ({test.Errors} errors in {test.Count}; 95 % interval 1.96·√(p(1−p)/n))");
        Console.WriteLine($"written: {result.ResultPath}{(o.CodesOut is { } codes ? $", codes in {Path.GetFullPath(codes)}" : "")}");
        return CliApp.Ok;
    }
}
