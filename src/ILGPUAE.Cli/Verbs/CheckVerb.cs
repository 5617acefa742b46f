namespace ILGPUAE.Cli.Verbs;

using global::CommandLine;
using ILGPUAE.Backend;
using ILGPUAE.Backends;
using ILGPUAE.Checks;

[Verb("check", HelpText = "Run every kernel against its double-precision reference on an accelerator.")]
public sealed class CheckOptions : AcceleratorOptions;

public static class CheckVerb
{
    public static int Run(CheckOptions o)
    {
        using var backend = AcceleratorCatalog.Open(o.Accelerator, o.Device, Console.WriteLine);
        return Run(backend, Console.Out);
    }

    /// <summary>The verb on an open backend, its table written to <paramref name="output"/>; tests pass a faulty backend here.</summary>
    internal static int Run(IBackend backend, TextWriter output)
    {
        output.WriteLine($"accelerator: {backend.Name}");
        var checks = new KernelChecks(backend);
        var results = checks.All(KernelChecks.AwkwardSizes)
            .Concat(checks.TiedAutoencoderShapes(batch: 1, visible: 784, hidden: 500))
            .Concat(checks.TiedAutoencoderShapes(batch: 100, visible: 784, hidden: 1000))
            .Concat(checks.GemmVariants(KernelChecks.AwkwardSizes))
            .Concat(checks.HogwildWarpShape([(1, 1), (33, 2), (127, 3)]))
            .ToList();

        // The kernel column is as wide as its longest name ("gemm TN +bias+identity tiledsplitk32x32").
        var width = Math.Max("kernel".Length, results.Max(r => r.Kernel.Length));
        output.WriteLine($"{"kernel".PadRight(width)} {"cases",5} {"max rel error",14} {"worst/tolerance",16}  result");
        foreach (var group in results.GroupBy(r => r.Kernel))
        {
            var worst = group.MaxBy(r => r.WorstToleranceRatio)!;
            var status = group.All(r => r.Passed) ? "ok" : $"FAIL at {worst.Size}";
            output.WriteLine($"{group.Key.PadRight(width)} {group.Count(),5} {group.Max(r => r.MaxRelativeError),14:E2} {worst.WorstToleranceRatio,16:F3}  {status}");
        }
        var failed = results.Count(r => !r.Passed);
        output.WriteLine(failed == 0 ? $"all {results.Count} checks passed" : $"{failed} of {results.Count} checks FAILED");
        return failed == 0 ? CliApp.Ok : CliApp.Failed;
    }
}
