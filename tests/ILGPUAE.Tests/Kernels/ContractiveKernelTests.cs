namespace ILGPUAE.Tests.Kernels;

using ILGPUAE.Backend;
using ILGPUAE.Checks;
using ILGPUAE.Delta;
using ILGPUAE.Random;
using ILGPUAE.Tests.Host;
using ILGPUAE.Tests.Modules;

/// <summary>
/// The contractive penalty of a sigmoid layer (<see cref="IDelta.ContractiveSigmoid"/>), λ‖∂h/∂x‖²_F = λ·Σ_j (h_j(1 − h_j))²·‖W_j,:‖²
/// per example: its closed-form gradient (the reference's) against central finite differences in double, the backend's kernel
/// against the same differences, the kernel against the reference at the awkward sizes; and the differences are shown to
/// catch a wrong gradient (the direct W term's sign flipped, the (1 − 2h) term dropped).
/// </summary>
public abstract class ContractiveKernelTests(IBackend backend)
{
    // A layer h = σ(x·Wᵀ + b) of 3 units over 5 inputs, a batch of 4; an upstream loss Σ c⊙h so that δ is not zero.
    private const int M = 4, N = 3, K = 5;
    private const double Lambda = 0.7;

    public static TheoryData<int> Sizes => [.. KernelChecks.AwkwardSizes];

    [Theory]
    [MemberData(nameof(Sizes))]
    public void TheKernelMatchesTheReference(int s)
    {
        var failures = new KernelChecks(backend).Contractives([s]).Where(r => !r.Passed).ToList();

        Assert.True(failures.Count == 0, string.Join("; ", failures.Select(r => $"{r.Kernel} {r.Size}: worst ratio {r.WorstToleranceRatio}")));
    }

    /// <summary>The reference's gradient of c⊙h + the penalty, for W, b and x, within 1e-6 relative of central differences (step 1e-5).</summary>
    [Fact]
    public void TheReferenceGradientMatchesFiniteDifferences()
    {
        var p = Problem();
        var error = MaxRelativeError(p, ReferenceGradient(p, directSign: 1, curvature: true));

        Assert.True(error < 1e-6, $"max relative error {error:E2}");
    }

    /// <summary>The backend's float kernel gives the same gradient within float precision (1e-4 relative).</summary>
    [Fact]
    public void TheKernelGradientMatchesFiniteDifferences()
    {
        var p = Problem();
        var error = MaxRelativeError(p, KernelGradient(p));

        Assert.True(error < 1e-4, $"max relative error {error:E2}");
    }

    /// <summary>The check can fail: a flipped direct W term, or a δ without the (1 − 2h) curvature term, is far off the differences.</summary>
    [Fact]
    public void AWrongGradientFailsTheCheck()
    {
        var p = Problem();

        Assert.True(MaxRelativeError(p, ReferenceGradient(p, directSign: -1, curvature: true)) > 1e-2);
        Assert.True(MaxRelativeError(p, ReferenceGradient(p, directSign: 1, curvature: false)) > 1e-2);
    }

    private sealed record Layer(double[] W, double[] B, double[] X, double[] C);

    private static Layer Problem()
    {
        double Draw(uint stream, int i, double scale) => scale * (2 * CounterRng.Uniform(14, stream, (uint)i, 0, 0) - 1);
        return new([.. Enumerable.Range(0, N * K).Select(i => Draw(1, i, 1.5))], [.. Enumerable.Range(0, N).Select(i => Draw(2, i, 0.5))],
            [.. Enumerable.Range(0, M * K).Select(i => Draw(3, i, 1))], [.. Enumerable.Range(0, M * N).Select(i => Draw(4, i, 1))]);
    }

    /// <summary>h [M,N] = σ(x·Wᵀ + b).</summary>
    private static double[] Hidden(Layer p)
    {
        var h = new double[M * N];
        for (var m = 0; m < M; m++)
            for (var j = 0; j < N; j++)
            {
                var pre = p.B[j];
                for (var k = 0; k < K; k++)
                    pre += p.W[j * K + k] * p.X[m * K + k];
                h[m * N + j] = 1 / (1 + Math.Exp(-pre));
            }
        return h;
    }

    /// <summary>Σ c⊙h + λ·Σ_m Σ_j (h(1 − h))²·‖W_j,:‖², written directly from the definition.</summary>
    private static double Objective(Layer p)
    {
        var h = Hidden(p);
        double total = 0;
        for (var m = 0; m < M; m++)
            for (var j = 0; j < N; j++)
            {
                var s = h[m * N + j] * (1 - h[m * N + j]);
                var norm = 0.0;
                for (var k = 0; k < K; k++)
                    norm += p.W[j * K + k] * p.W[j * K + k];
                total += p.C[m * N + j] * h[m * N + j] + Lambda * s * s * norm;
            }
        return total;
    }

    /// <summary>(∂/∂W, ∂/∂b, ∂/∂x) from a pre-activation δ [M,N] and W's direct term, as a layer's backward pass forms them.</summary>
    private static (double[] W, double[] B, double[] X) Chain(Layer p, double[] preDelta, double[] direct)
    {
        var (gw, gb, gx) = ((double[])direct.Clone(), new double[N], new double[M * K]);
        for (var m = 0; m < M; m++)
            for (var j = 0; j < N; j++)
            {
                var d = preDelta[m * N + j];
                gb[j] += d;
                for (var k = 0; k < K; k++)
                {
                    gw[j * K + k] += d * p.X[m * K + k];
                    gx[m * K + k] += d * p.W[j * K + k];
                }
            }
        return (gw, gb, gx);
    }

    /// <summary>
    /// The reference's gradient; <paramref name="directSign"/> −1 flips W's direct term, and <paramref name="curvature"/> false drops
    /// the penalty's part of δ (as a wrong implementation would), to show the check fails.
    /// </summary>
    private static (double[] W, double[] B, double[] X) ReferenceGradient(Layer p, int directSign, bool curvature)
    {
        var h = Hidden(p);
        var preDelta = new double[M * N];
        var direct = new double[N * K];
        var norms = new double[N];
        var losses = new double[M];
        DeltaReference.ContractiveSigmoid(M, N, K, h, p.C, p.W, curvature ? Lambda : 0, 1, preDelta, direct, 0, norms, losses);
        if (!curvature)
            DeltaReference.ContractiveSigmoid(M, N, K, h, p.C, p.W, Lambda, 1, new double[M * N], direct, 0, norms, losses);
        return Chain(p, preDelta, [.. direct.Select(v => directSign * v)]);
    }

    /// <summary>The backend's kernel in float for δ and W's direct term, chained in double.</summary>
    private (double[] W, double[] B, double[] X) KernelGradient(Layer p)
    {
        static float[] F(double[] v) => Array.ConvertAll(v, x => (float)x);
        using var h = backend.Allocate<float>(M, N);
        using var delta = backend.Allocate<float>(M, N);
        using var weights = backend.Allocate<float>(N, K);
        using var grad = backend.Allocate<float>(N, K);
        using var norms = backend.Allocate<float>(N);
        using var losses = backend.Allocate<float>(M);
        h.CopyFrom(F(Hidden(p)));
        delta.CopyFrom(F(p.C));
        weights.CopyFrom(F(p.W));
        grad.CopyFrom([.. Enumerable.Repeat(float.NaN, N * K)]);
        losses.CopyFrom(new float[M]);
        backend.Delta.ContractiveSigmoid(h, delta, weights, (float)Lambda, 1f, delta, grad, 0f, norms, losses);
        backend.Synchronize();
        return Chain(p, [.. delta.ToArray().Select(v => (double)v)], [.. grad.ToArray().Select(v => (double)v)]);
    }

    /// <summary>The largest |analytic − central difference| / max(|difference|, 1e-3) over every entry of W, b and x.</summary>
    private static double MaxRelativeError(Layer p, (double[] W, double[] B, double[] X) gradient)
        => GradientCheck.MaxRelativeError([(p.W, gradient.W), (p.B, gradient.B), (p.X, gradient.X)], () => Objective(p));
}

[Collection(CpuAcceleratorCollection.Name)]
public sealed class CpuAcceleratorContractiveKernelTests(CpuAcceleratorFixture fixture) : ContractiveKernelTests(fixture.Backend);

[Collection(HostCollection.Name)]
public sealed class HostContractiveKernelTests(HostFixture fixture) : ContractiveKernelTests(fixture.Backend);
