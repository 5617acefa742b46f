namespace ILGPUAE.Tests.Optimizers;

using ILGPUAE.Backend;
using ILGPUAE.Checks;
using ILGPUAE.Optimizer;
using ILGPUAE.Tests.Host;
using ILGPUAE.Tests.Kernels;

/// <summary>
/// Each optimizer kernel against its double reference over the fixed gradient sequence (<see cref="RuleCases"/>), from zero
/// state, at sizes around the warp width; and clipping by global norm over several tensors against its reference. The body runs
/// on each backend (host, host portable, ILGPU's CPU accelerator).
/// </summary>
public abstract class OptimizerKernelTests(IBackend backend)
{
    /// <summary>
    /// |kernel − ref| ≤ Atol + Rtol·|ref| for param and every state tensor after every step: parameters are O(1) and move by
    /// ≤ 0.2 per step, so float rounding (≈ 6e-8 per operation) over six steps stays well under 1e-6.
    /// </summary>
    private const double Atol = 1e-6, Rtol = 1e-5;

    public static TheoryData<string, int> CasesAndSizes()
    {
        var data = new TheoryData<string, int>();
        foreach (var c in RuleCases.All)
            foreach (var n in new[] { 1, 31, 33, 1000 })
                data.Add(c.Name, n);
        return data;
    }

    [Theory]
    [MemberData(nameof(CasesAndSizes))]
    public void KernelMatchesReferenceOverTheSequence(string name, int n)
    {
        var rule = RuleCases.Named(name);
        var grads = RuleCases.Gradients(n);
        var param = RuleCases.InitialParameters(n);
        var state = Enumerable.Range(0, rule.StateCount).Select(_ => new double[n]).ToArray();
        using var tp = Upload(param);
        using var tg = backend.Allocate<float>(n);
        var tstate = Enumerable.Range(0, rule.StateCount).Select(_ => backend.Allocate<float>(n)).ToArray();
        try
        {
            for (var t = 1; t <= grads.Length; t++)
            {
                tg.CopyFrom(Array.ConvertAll(grads[t - 1], v => (float)v));
                rule.Kernel(backend, tp, tg, tstate, t);
                rule.Reference(param, grads[t - 1], state, t);
                AssertClose(param, tp, $"{name} N={n} step {t} param");
                for (var k = 0; k < tstate.Length; k++)
                    AssertClose(state[k], tstate[k], $"{name} N={n} step {t} state {k}");
            }
        }
        finally
        {
            foreach (var s in tstate)
                s.Dispose();
        }
    }

    [Theory]
    [InlineData(1, 0.5)]
    [InlineData(1, 2.0)]
    [InlineData(1000, 0.5)]
    [InlineData(1000, 2.0)]
    public void ClipGradNormMatchesReferenceAcrossTensors(int n, double limitOverNorm)
    {
        // Three gradients of awkward lengths; max_norm below their global norm (scaled down) and above it (left alone).
        double[][] grads = [.. new[] { n, 31, 33 }.Select((len, k) => Enumerable.Range(0, len).Select(i => (double)(float)Math.Sin(1.1 * i + k)).ToArray())];
        var norm = Math.Sqrt(grads.Sum(g => g.Sum(v => v * v)));
        var maxNorm = (float)(limitOverNorm * norm);
        var tensors = grads.Select(Upload).ToArray();
        try
        {
            using var tnorm = backend.Allocate<float>(2);
            backend.Optimizer.ClipGradNorm(tensors, maxNorm, tnorm);
            var total = OptimizerReference.ClipGradNorm(grads, maxNorm);
            var coefficient = Math.Min(1.0, maxNorm / (total + 1e-6));
            AssertClose([total, coefficient], tnorm, "norm and coefficient");
            for (var k = 0; k < grads.Length; k++)
                AssertClose(grads[k], tensors[k], $"gradient {k}");
            Assert.Equal(limitOverNorm < 1, coefficient < 1);
        }
        finally
        {
            foreach (var t in tensors)
                t.Dispose();
        }
    }

    [Fact]
    public void KernelChecksPassForEveryRule()
    {
        var results = new KernelChecks(backend).OptimizerRules(33).ToList();
        Assert.Equal(8, results.Count);
        Assert.True(results.All(r => r.Passed), string.Join("\n", results.Where(r => !r.Passed)));
    }

    [Fact]
    public void KernelChecksPassForFista()
    {
        var results = new KernelChecks(backend).FistaRules(33).ToList();
        Assert.Equal(2, results.Count);
        Assert.True(results.All(r => r.Passed), string.Join("\n", results.Where(r => !r.Passed)));
    }

    [Fact]
    public void ShapeMismatchNamesTheShapes()
    {
        using var p = backend.Allocate<float>(3, 4);
        using var g = backend.Allocate<float>(3, 4);
        using var m = backend.Allocate<float>(3, 4);
        using var v = backend.Allocate<float>(4, 3);
        var e = Assert.Throws<ArgumentException>(() => backend.Optimizer.Adam(p, g, m, v, new AdamSettings(0.1f), 1));
        Assert.Contains("param [3, 4] and exp_avg_sq [4, 3] must have the same shape", e.Message);
        var missing = Assert.Throws<ArgumentException>(() => backend.Optimizer.RmsProp(p, g, m, null, null, new RmsPropSettings(0.1f, Centered: true)));
        Assert.Contains("grad_avg tensor of shape [3, 4]", missing.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => backend.Optimizer.Sgd(p, g, m, new SgdSettings(0.1f, Momentum: 0.9f), step: 0));
    }

    private void AssertClose(double[] expected, Tensor<float> actual, string what)
    {
        backend.Synchronize();
        var got = actual.ToArray();
        for (var i = 0; i < expected.Length; i++)
        {
            var err = Math.Abs(got[i] - expected[i]);
            Assert.True(err <= Atol + Rtol * Math.Abs(expected[i]),
                $"{backend.Name}: {what} element {i}: kernel {got[i]:R}, reference {expected[i]:R}, |diff| {err:E2} > {Atol} + {Rtol}·|ref|");
        }
    }

    private Tensor<float> Upload(double[] values)
    {
        var t = backend.Allocate<float>(values.Length);
        t.CopyFrom(Array.ConvertAll(values, v => (float)v));
        return t;
    }
}

[Collection(HostCollection.Name)]
public sealed class HostOptimizerKernelTests(HostFixture fixture) : OptimizerKernelTests(fixture.Backend);

[Collection(HostCollection.Name)]
public sealed class HostPortableOptimizerKernelTests(HostFixture fixture) : OptimizerKernelTests(fixture.Portable);

[Collection(CpuAcceleratorCollection.Name)]
public sealed class CpuAcceleratorOptimizerKernelTests(CpuAcceleratorFixture fixture) : OptimizerKernelTests(fixture.Backend);
