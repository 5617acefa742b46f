namespace ILGPUAE.Tests.Host;

using ILGPUAE.Backend;
using ILGPUAE.Delta;
using ILGPUAE.Host;
using ILGPUAE.MatVec;
using ILGPUAE.Random;

/// <summary>The interfaces' edge semantics on every host GEMM path: beta = 0 ignores c (NaN included), K = 0 scales c.</summary>
[Collection(HostCollection.Name)]
public sealed class HostSemanticsTests(HostFixture fixture)
{
    private static readonly Transpose[] Both = [Transpose.None, Transpose.Transposed];

    [Theory]
    [InlineData(7, 33, 40)] // blocked
    [InlineData(1, 33, 40)] // M = 1, axpy (NN) and dot (NT) forms
    [InlineData(7, 33, 1)] // K = 1
    [InlineData(7, 33, 0)] // K = 0: an empty sum
    public void BetaZeroIgnoresNaNInC(int m, int n, int k)
    {
        foreach (var backend in new[] { fixture.Backend, fixture.Portable })
            foreach (var ta in Both)
                foreach (var tb in Both)
                {
                    var a = Values(m * k, 1);
                    var b = Values(k * n, 2);
                    using var ta_ = Upload(backend, a, ta == Transpose.None ? [m, k] : [k, m]);
                    using var tb_ = Upload(backend, b, tb == Transpose.None ? [k, n] : [n, k]);
                    using var tc = Upload(backend, Enumerable.Repeat(float.NaN, m * n).ToArray(), m, n);
                    backend.Gemm.Gemm(ta, tb, 2f, ta_, tb_, 0f, tc);
                    var expected = new double[m * n];
                    GemmReference.Gemm(ta, tb, m, n, k, 2, Array.ConvertAll(a, v => (double)v), Array.ConvertAll(b, v => (double)v), 0, expected);
                    var actual = tc.ToArray();
                    for (var i = 0; i < actual.Length; i++)
                        Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-5 * (k + 1),
                            $"{backend.Name} {ta}/{tb} M={m} N={n} K={k}: c[{i}] = {actual[i]}, expected {expected[i]}");
                }
    }

    [Fact]
    public void EmptySumScalesC()
    {
        var backend = fixture.Backend;
        using var a = backend.Allocate<float>(3, 0);
        using var b = backend.Allocate<float>(0, 4);
        using var c = Upload(backend, Values(12, 3), 3, 4);
        var before = c.ToArray();
        backend.Gemm.Gemm(Transpose.None, Transpose.None, 1f, a, b, 0.5f, c);
        Assert.Equal(before.Select(v => 0.5f * v), c.ToArray());
    }

    [Fact]
    public void ColumnSumsWithBetaZeroIgnoreNaN()
    {
        var backend = fixture.Backend;
        const int m = 5, n = 83; // a 64-column chunk, a 16-column vector and 3 scalar columns
        var a = Values(m * n, 4);
        using var ta = Upload(backend, a, m, n);
        using var sums = Upload(backend, Enumerable.Repeat(float.NaN, n).ToArray(), n);
        backend.Gemm.ColumnSums(1f, ta, 0f, sums);
        var actual = sums.ToArray();
        for (var j = 0; j < n; j++)
            Assert.Equal(Enumerable.Range(0, m).Sum(i => (double)a[i * n + j]), actual[j], 1e-5);
    }

    [Fact]
    public void SaturatedOutputsGiveClampedCrossEntropy()
    {
        // z = 0 or 1 against the opposite target: each log is clamped at −100, in the vector body
        // (first 32 columns) and the scalar tail (last 8) alike; z = 1 against target 1 costs nothing.
        const int n = 40;
        var z = Enumerable.Range(0, n).Select(j => (j % 4) switch { 0 => 0f, 1 => 1f, 2 => 1f, _ => 0.5f }).ToArray();
        var x = Enumerable.Range(0, n).Select(j => (j % 4) switch { 0 => 1f, 1 => 0f, 2 => 1f, _ => 0.25f }).ToArray();
        var backend = fixture.Backend;
        using var tz = Upload(backend, z, 1, n);
        using var tx = Upload(backend, x, 1, n);
        using var delta = backend.Allocate<float>(1, n);
        using var losses = backend.Allocate<float>(1);
        backend.Delta.SigmoidOutputDelta(LossKind.CrossEntropy, tz, tx, 1f, delta, losses);
        var expected = DeltaReference.Loss(LossKind.CrossEntropy, Array.ConvertAll(x, v => (double)v), Array.ConvertAll(z, v => (double)v));
        Assert.Equal(expected, losses.ToArray()[0], 1e-3);
        Assert.True(expected > 2000, $"expected loss {expected} should include the 20 clamped terms");
    }

    private static float[] Values(int count, uint stream) =>
        Enumerable.Range(0, count).Select(i => (float)CounterRng.Uniform(9, (uint)RngStream.Data, stream, (uint)i, 0) - 0.5f).ToArray();

    private static Tensor<float> Upload(HostBackend backend, float[] values, params int[] shape)
    {
        var t = backend.Allocate<float>(shape);
        t.CopyFrom(values);
        return t;
    }
}
