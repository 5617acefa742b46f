namespace ILGPUAE.Tests.Evaluation;

using ILGPUAE.Backend;
using ILGPUAE.Checks;
using ILGPUAE.Evaluation;
using ILGPUAE.Random;
using ILGPUAE.Svm;
using ILGPUAE.Tests.Host;
using ILGPUAE.Tests.Kernels;

/// <summary>
/// The linear SVM probe's kernels against their double references at the awkward sizes, and its Newton solver against a
/// double-precision dual coordinate-descent solver of the same objective; on the host provider and ILGPU's CPU accelerator.
/// </summary>
public abstract class LinearSvmTests(IBackend backend)
{
    public static TheoryData<int> Sizes => [.. KernelChecks.AwkwardSizes];

    [Theory]
    [MemberData(nameof(Sizes))]
    public void TheKernelsMatchTheReference(int s)
    {
        var results = new KernelChecks(backend).Svms([s]).ToList();
        var failures = results.Where(r => !r.Passed).ToList();

        Assert.Equal(7, results.Count);
        Assert.True(failures.Count == 0, string.Join("; ", failures.Select(r => $"{r.Kernel} {r.Size}: worst ratio {r.WorstToleranceRatio}")));
    }

    /// <summary>
    /// 3 overlapping classes of 60 examples in 5 dimensions (plus the intercept), at a small and a large C: the solver's objective is
    /// within 1e-5 relative of the reference solver's minimum for every class, its gradient (in double) below 1e-3 of the gradient at
    /// w = 0, and its weights within 1e-2 of the reference's (f is 1-strongly convex: ‖w − w*‖² ≤ 2(f(w) − f*)).
    /// </summary>
    [Theory]
    [InlineData(0.05)]
    [InlineData(20.0)]
    public void TheSolverFindsTheReferenceMinimum(double c)
    {
        var (x, labels) = Problem(60, 5, 3, separation: 1.0, seed: 11);
        var model = Train(x, labels, 5, 3, c, new LinearSvmSettings(Tolerance: 1e-4));
        var xd = Augmented(x, 5);
        var reference = SvmReference.Solve(60, 6, 3, xd, labels, c);

        var ours = Objective(xd, labels, c, Array.ConvertAll(model.Weights, v => (double)v), out var gradient);
        var best = Objective(xd, labels, c, reference, out var referenceGradient);
        var initial = Objective(xd, labels, c, new double[3 * 6], out var initialGradient);

        Assert.True(model.Converged, $"not converged: relative gradient norms {string.Join(", ", model.RelativeGradientNorms)}");
        for (var k = 0; k < 3; k++)
        {
            Assert.True(Math.Abs(ours[k] - best[k]) <= 1e-5 * best[k], $"class {k}: f {ours[k]} against the reference's {best[k]}");
            Assert.True(Norm(gradient, k) <= 1e-3 * Norm(initialGradient, k), $"class {k}: ‖∇f‖ {Norm(gradient, k)}, at w = 0 {Norm(initialGradient, k)}");
            // The reference itself is at the minimum: its gradient vanishes to double precision.
            Assert.True(Norm(referenceGradient, k) <= 1e-8 * Norm(initialGradient, k), $"class {k}: reference ‖∇f‖ {Norm(referenceGradient, k)}");
        }
        for (var i = 0; i < reference.Length; i++)
            Assert.True(Math.Abs(model.Weights[i] - reference[i]) <= 1e-2 * Math.Max(1, Math.Abs(reference[i])), $"w[{i}] {model.Weights[i]} against {reference[i]}");
        Assert.True(ours.Zip(initial).All(p => p.First < p.Second));
    }

    /// <summary>Four well-separated clusters: every training example and 400 fresh ones from the same clusters are classified right.</summary>
    [Fact]
    public void SeparableClassesAreClassifiedPerfectly()
    {
        var (x, labels) = Problem(200, 4, 4, separation: 12.0, seed: 3);
        var (fresh, freshLabels) = Problem(400, 4, 4, separation: 12.0, seed: 4);
        var model = Train(x, labels, 4, 4, 1.0, new LinearSvmSettings());

        using var train = SvmData.Upload(backend, x, 4, labels, 4);
        using var test = SvmData.Upload(backend, fresh, 4, freshLabels, 4);
        Assert.Equal(0, LinearSvm.Score(backend, train, model.Weights).Errors);
        Assert.Equal(0, LinearSvm.Score(backend, test, model.Weights).Errors);
    }

    /// <summary>The reference objective's gradient against central differences (so the KKT checks above test the right thing).</summary>
    [Fact]
    public void TheReferenceGradientMatchesFiniteDifferences()
    {
        var (x, labels) = Problem(30, 3, 3, separation: 1.0, seed: 5);
        var xd = Augmented(x, 3);
        var w = new double[3 * 4];
        for (var i = 0; i < w.Length; i++)
            w[i] = CounterRng.Uniform(9, 0, 0, (uint)i, 0) - 0.5;
        Objective(xd, labels, 2.0, w, out var gradient);
        for (var i = 0; i < w.Length; i++)
        {
            var saved = w[i];
            w[i] = saved + 1e-6;
            var plus = Objective(xd, labels, 2.0, w, out _)[i / 4];
            w[i] = saved - 1e-6;
            var minus = Objective(xd, labels, 2.0, w, out _)[i / 4];
            w[i] = saved;
            var numeric = (plus - minus) / 2e-6;
            Assert.True(Math.Abs(numeric - gradient[i]) <= 1e-5 * Math.Max(1, Math.Abs(numeric)), $"w[{i}]: analytic {gradient[i]}, numeric {numeric}");
        }
    }

    private LinearSvmModel Train(float[] x, int[] labels, int width, int classes, double c, LinearSvmSettings settings)
    {
        using var data = SvmData.Upload(backend, x, width, labels, classes);
        using var svm = new LinearSvm(backend, data);
        return svm.Train(c, settings);
    }

    private const ulong CentreSeed = 1000;

    /// <summary>
    /// n examples in d dimensions with seeded labels, class c around the centre separation·u_c (u_c uniform in [−1, 1]^d, the same
    /// for every seed, so two seeds draw two samples of one distribution), plus noise U[−1, 1] per coordinate.
    /// </summary>
    internal static (float[] X, int[] Labels) Problem(int n, int d, int classes, double separation, ulong seed)
    {
        var x = new float[n * d];
        var labels = new int[n];
        for (var i = 0; i < n; i++)
        {
            labels[i] = (int)(CounterRng.Hash32(seed, 1, 0, (uint)i, 0) % (uint)classes);
            for (var j = 0; j < d; j++)
            {
                var centre = separation * (CounterRng.Uniform(CentreSeed, 2, (uint)labels[i], (uint)j, 0) - 0.5) * 2;
                x[i * d + j] = (float)(centre + 2 * CounterRng.Uniform(seed, 3, 0, (uint)i, (uint)j) - 1);
            }
        }
        return (x, labels);
    }

    private static double[] Augmented(float[] x, int d)
    {
        var n = x.Length / d;
        var result = new double[n * (d + 1)];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < d; j++)
                result[i * (d + 1) + j] = x[i * d + j];
            result[i * (d + 1) + d] = 1;
        }
        return result;
    }

    private static double[] Objective(double[] xd, int[] labels, double c, double[] w, out double[] gradient)
    {
        var classes = w.Length / (xd.Length / labels.Length);
        var d = xd.Length / labels.Length;
        var f = new double[classes];
        gradient = new double[w.Length];
        SvmReference.Objective(labels.Length, d, classes, xd, labels, c, w, f, gradient);
        return f;
    }

    private static double Norm(double[] gradient, int k)
    {
        var d = gradient.Length / 3;
        return Math.Sqrt(gradient.Skip(k * d).Take(d).Sum(v => v * v));
    }
}

[Collection(CpuAcceleratorCollection.Name)]
public sealed class CpuAcceleratorLinearSvmTests(CpuAcceleratorFixture fixture) : LinearSvmTests(fixture.Backend);

[Collection(HostCollection.Name)]
public sealed class HostLinearSvmTests(HostFixture fixture) : LinearSvmTests(fixture.Backend);
