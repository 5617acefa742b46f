namespace ILGPUAE.Tests.Modules;

using System.Text.Json;
using ILGPUAE.Activation;
using ILGPUAE.Backend;
using ILGPUAE.Modules;
using ILGPUAE.Objectives;
using ILGPUAE.Random;
using ILGPUAE.Tests.Host;
using ILGPUAE.Tests.Kernels;
using Activation = ILGPUAE.Backend.Activation;

/// <summary>
/// The parameterless image modules — <see cref="MaxPool2d"/>, <see cref="Upsample2d"/>, <see cref="Dropout"/> — on each backend.
/// Each backward is checked against central finite differences of the scalar loss L = Σ c ⊙ Forward(act(a)) taken through the module's
/// own Forward, with respect to the pre-activations a of the module below (so the input activation's derivative, which the module's
/// Backward applies, is part of what is checked); then dropout's statistics and keying, and the specs' JSON.
/// </summary>
public abstract class PoolingModuleTests(IBackend backend) : IDisposable
{
    private const ulong Seed = 31;
    private readonly List<Tensor<int>> contexts = [];
    private const uint Epoch = 4;

    /// <summary>
    /// The finite-difference step. The modules are piecewise linear in their input, so the only error of the difference is the float
    /// rounding of act(a ± h) (≤ 2⁻²⁴ relative, ≈ 6e-8) over 2h, about 3e-6·Σ|c|, plus the activation's own third-order term
    /// h²/6·|act‴| ≤ 2e-5; inputs are kept ≥ 0.2 from ReLU's kink and max-pool windows hold values ≥ 0.5 apart, so no step crosses a
    /// kink or reorders a window. Tolerance: 2e-4 absolute + 1e-3 relative.
    /// </summary>
    private const double Step = 1e-2;

    public static TheoryData<Activation> InputActivations => [.. Activations.All];

    [Theory]
    [MemberData(nameof(InputActivations))]
    public void MaxPoolBackwardMatchesFiniteDifferences(Activation below)
    {
        // 5 × 7 planes: floor mode drops row 4 and column 6, whose pixels must get a zero gradient.
        const int b = 2, c = 3, h = 5, w = 7;
        using var pool = new MaxPool2d(backend, b, c, h, w);
        Assert.Equal(c * 2 * 3, pool.Outputs);
        var a = SeparatedWindows(b, c, h, w);
        var (analytic, numeric) = Gradients(pool, below, a, b, Context(b, training: true));
        AssertClose(analytic, numeric);
        for (var m = 0; m < b; m++)
            for (var ch = 0; ch < c; ch++)
                for (var col = 0; col < w; col++)
                    Assert.Equal(0, analytic[((m * c + ch) * h + 4) * w + col]);
    }

    [Theory]
    [MemberData(nameof(InputActivations))]
    public void UpsampleBackwardMatchesFiniteDifferences(Activation below)
    {
        const int b = 2, c = 2, h = 3, w = 4;
        using var upsample = new Upsample2d(backend, b, c, h, w);
        Assert.Equal(4 * c * h * w, upsample.Outputs);
        var (analytic, numeric) = Gradients(upsample, below, AwayFromKink(b * c * h * w, 1), b, Context(b, training: true));
        AssertClose(analytic, numeric);
    }

    [Theory]
    [MemberData(nameof(InputActivations))]
    public void DropoutBackwardMatchesFiniteDifferences(Activation below)
    {
        const int b = 3, width = 37;
        using var dropout = new Dropout(backend, b, width, 0.4f, layer: 2);
        var (analytic, numeric) = Gradients(dropout, below, AwayFromKink(b * width, 2), b, Context(b, training: true));
        AssertClose(analytic, numeric);
        Assert.Contains(0.0, analytic);
    }

    /// <summary>Evaluating, dropout is the identity: its output is its input and, with no activation below, its backward hands δ on untouched.</summary>
    [Fact]
    public void DropoutIsTheIdentityWhenEvaluating()
    {
        const int b = 3, width = 50;
        using var dropout = new Dropout(backend, b, width, 0.5f);
        var context = Context(b, training: false);
        using var x = Upload([.. Enumerable.Range(0, b * width).Select(i => 1f + i)], b, width);

        var y = dropout.Forward(x, context);

        Assert.Equal(x.ToArray(), y.ToArray());
        Assert.Same(x, dropout.Backward(x, context, Activation.Identity, needInputDelta: true));
        // Through an activation below, the same δ·act′ that a module with no dropout would pass.
        var (analytic, numeric) = Gradients(dropout, Activation.Sigmoid, AwayFromKink(b * width, 3), b, context);
        AssertClose(analytic, numeric);
        Assert.DoesNotContain(0.0, analytic);
    }

    /// <summary>
    /// On 64 × 4096 elements, the kept fraction is within five standard deviations of the binomial's mean 1 − p
    /// (σ = √(p(1 − p)/N) ≈ 9e-4), and every kept value is x·(1/(1 − p)) to within one float rounding.
    /// </summary>
    [Theory]
    [InlineData(0.2f)]
    [InlineData(0.5f)]
    public void DropoutKeepsAboutOneMinusPAndScalesTheRest(float p)
    {
        const int b = 64, width = 4096;
        using var dropout = new Dropout(backend, b, width, p);
        var values = Enumerable.Range(0, b * width).Select(i => 0.5f + i % 13).ToArray();
        using var x = Upload(values, b, width);
        var y = dropout.Forward(x, Context(b, training: true)).ToArray();

        var kept = y.Count(v => v != 0f);
        var n = (double)y.Length;
        Assert.InRange(kept / n, 1 - p - 5 * Math.Sqrt(p * (1 - p) / n), 1 - p + 5 * Math.Sqrt(p * (1 - p) / n));
        for (var i = 0; i < y.Length; i++)
            if (y[i] != 0f)
                Assert.True(Math.Abs(y[i] - values[i] / (1.0 - p)) <= Math.Pow(2, -23) * values[i] / (1.0 - p), $"y[{i}] = {y[i]}, x = {values[i]}");
    }

    /// <summary>
    /// The mask is a function of (seed, epoch, layer, example, element): the same key gives the same mask in a batch of another order,
    /// while another epoch, another seed or another layer gives another.
    /// </summary>
    [Fact]
    public void TheMaskFollowsTheKeyAndTheExampleNotTheBatch()
    {
        const int width = 200;
        using var dropout = new Dropout(backend, 3, width, 0.5f);
        using var other = new Dropout(backend, 3, width, 0.5f, layer: 1);
        using var ones = Upload([.. Enumerable.Repeat(1f, 3 * width)], 3, width);
        float[] Mask(Dropout module, int[] order, ulong seed, uint epoch)
        {
            using var indices = backend.Allocate<int>(3);
            indices.CopyFrom(order);
            return module.Forward(ones, new StepContext(indices, seed, epoch, Training: true)).ToArray();
        }
        float[] Row(float[] mask, int row) => mask.AsSpan(row * width, width).ToArray();

        var first = Mask(dropout, [10, 20, 30], Seed, Epoch);
        var again = Mask(dropout, [10, 20, 30], Seed, Epoch);
        var reordered = Mask(dropout, [30, 10, 20], Seed, Epoch);

        Assert.Equal(first, again);
        Assert.Equal(Row(first, 0), Row(reordered, 1));
        Assert.Equal(Row(first, 2), Row(reordered, 0));
        Assert.NotEqual(first, Mask(dropout, [10, 20, 30], Seed, Epoch + 1));
        Assert.NotEqual(first, Mask(dropout, [10, 20, 30], Seed + 1, Epoch));
        Assert.NotEqual(first, Mask(other, [10, 20, 30], Seed, Epoch));
        Assert.NotEqual(Row(first, 0), Row(first, 1));
    }

    [Fact]
    public void TheSpecsSurviveJsonAndBuildTheModules()
    {
        var spec = new NetworkSpec(
            [
                new DenseSpec(10, 3 * 5 * 7, Activation.Relu, "W", "b"), new MaxPool2dSpec(3, 5, 7), new Upsample2dSpec(3, 2, 3),
                new DropoutSpec(3 * 4 * 6, 0.25f, Layer: 1), new DenseSpec(3 * 4 * 6, 10, Activation.Sigmoid, "W2", "b2"),
            ],
            new ReconstructionSpec(LossKind.SquaredError));
        var json = spec.ToJson();
        Assert.Contains("{\"kind\":\"max_pool2d\",\"channels\":3,\"height\":5,\"width\":7}", json);
        Assert.Contains("{\"kind\":\"upsample2d\",\"channels\":3,\"height\":2,\"width\":3}", json);
        var dropoutJson = json[json.IndexOf("{\"kind\":\"dropout\"", StringComparison.Ordinal)..];
        dropoutJson = dropoutJson[..(dropoutJson.IndexOf('}') + 1)];
        Assert.Contains("\"width\":72", dropoutJson);
        Assert.Contains("\"probability\":0.25", dropoutJson);
        Assert.Contains("\"layer\":1", dropoutJson);

        var loaded = NetworkSpec.FromJson(json);

        Assert.Equal(spec.Modules, loaded.Modules);
        Assert.Equal(json, loaded.ToJson());
        using var network = loaded.Build(backend, 4);
        var modules = network.Body.Modules;
        Assert.Equal((105, 18), (modules[1].Inputs, modules[1].Outputs));
        Assert.IsType<MaxPool2d>(modules[1]);
        Assert.Equal((18, 72), (modules[2].Inputs, modules[2].Outputs));
        Assert.IsType<Upsample2d>(modules[2]);
        var dropout = Assert.IsType<Dropout>(modules[3]);
        Assert.Equal((0.25f, 1), (dropout.Probability, dropout.Layer));
    }

    [Theory]
    [InlineData("1")]
    [InlineData("-0.1")]
    [InlineData("1.5")]
    public void ADropoutProbabilityOutsideZeroToOneIsRefusedOnLoad(string probability)
    {
        var json = new NetworkSpec([new DropoutSpec(4, 0.5f)], new ReconstructionSpec(LossKind.SquaredError)).ToJson()
            .Replace("\"probability\":0.5", $"\"probability\":{probability}", StringComparison.Ordinal);

        var error = Assert.Throws<JsonException>(() => NetworkSpec.FromJson(json));

        Assert.Contains("[0, 1)", error.Message);
        Assert.Throws<ArgumentException>(() => new Dropout(backend, 1, 4, float.NaN));
    }

    /// <summary>A geometry with nothing to pool or no channel is refused by the module and, on load, by its spec.</summary>
    [Fact]
    public void APoolOfASidelessImageIsRefused()
    {
        Assert.Contains("height must be at least 2; got 1", Assert.Throws<ArgumentException>(() => new MaxPool2d(backend, 1, 3, 1, 4)).Message);
        Assert.Contains("channels must be at least 1; got 0", Assert.Throws<ArgumentException>(() => new Upsample2d(backend, 1, 0, 2, 2)).Message);
        var json = new NetworkSpec([new MaxPool2dSpec(3, 4, 4), new Upsample2dSpec(3, 2, 2)], new ReconstructionSpec(LossKind.SquaredError)).ToJson();

        Assert.Contains("max-pool's width must be at least 2; got 1",
            Assert.Throws<JsonException>(() => NetworkSpec.FromJson(json.Replace("\"width\":4", "\"width\":1", StringComparison.Ordinal))).Message);
        Assert.Contains("upsampling's height must be at least 1; got 0",
            Assert.Throws<JsonException>(() => NetworkSpec.FromJson(json.Replace("\"height\":2", "\"height\":0", StringComparison.Ordinal))).Message);
    }

    private StepContext Context(int b, bool training)
    {
        // Dataset indices that are not the rows' positions, so a mask keyed by position would differ.
        var indices = backend.Allocate<int>(b);
        contexts.Add(indices);
        indices.CopyFrom([.. Enumerable.Range(0, b).Select(m => 7 * m + 3)]);
        return new StepContext(indices, Seed, Epoch, training);
    }

    /// <summary>The contexts' index tensors belong to the fixture's backend, which outlives this test.</summary>
    public void Dispose()
    {
        foreach (var t in contexts)
            t.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// The module's input delta for δ = c (a fixed random [b, Outputs]) with x = act(a) below, and the central differences of
    /// L(a) = Σ c ⊙ Forward(act(a)) in double over every a.
    /// </summary>
    private (double[] Analytic, double[] Numeric) Gradients(IModule module, Activation below, double[] a, int b, StepContext context)
    {
        var act = Activations.Of(below);
        var c = Enumerable.Range(0, b * module.Outputs).Select(i => (float)(2 * CounterRng.Uniform(Seed, 91, (uint)i, 0, 0) - 1)).ToArray();
        using var x = backend.Allocate<float>(b, module.Inputs);
        using var delta = Upload(c, b, module.Outputs);
        double Loss()
        {
            x.CopyFrom([.. a.Select(v => (float)act.ApplyReference(v))]);
            var y = module.Forward(x, context).ToArray();
            return y.Select((v, i) => (double)v * c[i]).Sum();
        }

        Loss();
        var analytic = module.Backward(delta, context, below, needInputDelta: true)!.ToArray().Select(v => (double)v).ToArray();
        var numeric = new double[a.Length];
        for (var i = 0; i < a.Length; i++)
        {
            var saved = a[i];
            a[i] = saved + Step;
            var plus = Loss();
            a[i] = saved - Step;
            var minus = Loss();
            a[i] = saved;
            numeric[i] = (plus - minus) / (2 * Step);
        }
        return (analytic, numeric);
    }

    private static void AssertClose(double[] analytic, double[] numeric)
    {
        Assert.Equal(numeric.Length, analytic.Length);
        for (var i = 0; i < numeric.Length; i++)
            Assert.True(Math.Abs(analytic[i] - numeric[i]) <= 2e-4 + 1e-3 * Math.Abs(numeric[i]),
                $"element {i}: backward {analytic[i]}, central difference {numeric[i]}");
        Assert.True(numeric.Count(g => Math.Abs(g) > 1e-3) >= numeric.Length / 8, "too few nonzero derivatives for the check to prove anything");
    }

    /// <summary>
    /// Pre-activations [b, C·H·W] whose every 2×2 window holds a shuffle of −0.9, −0.3, 0.3, 0.9 plus a jitter below 0.05, so the
    /// window's values (after any monotone activation) are distinct, ≥ 0.5 apart before it, and ≥ 0.25 from ReLU's kink.
    /// </summary>
    private static double[] SeparatedWindows(int b, int c, int h, int w)
    {
        double[] levels = [-0.9, -0.3, 0.3, 0.9];
        var a = new double[b * c * h * w];
        for (var i = 0; i < a.Length; i++)
        {
            var q = i % (h * w);
            var (row, col) = (q / w, q % w);
            var window = i / (h * w) * h * w + row / 2 * w + col / 2;
            // The window's own rotation of the levels: slot k of window n takes level (k + n) mod 4.
            var slot = row % 2 * 2 + col % 2;
            a[i] = levels[(slot + window) % 4] + 0.05 * CounterRng.Uniform(Seed, 92, (uint)i, 0, 0);
        }
        return a;
    }

    /// <summary>n pre-activations with 0.2 ≤ |a| ≤ 1.2.</summary>
    private static double[] AwayFromKink(int n, uint stream) =>
        [.. Enumerable.Range(0, n).Select(i => (2 * CounterRng.Uniform(Seed, 93, stream, (uint)i, 0) - 1) is var u ? Math.CopySign(0.2 + Math.Abs(u), u) : 0)];

    private Tensor<float> Upload(float[] values, params int[] shape)
    {
        var t = backend.Allocate<float>(shape);
        t.CopyFrom(values);
        return t;
    }
}

[Collection(CpuAcceleratorCollection.Name)]
public sealed class CpuAcceleratorPoolingModuleTests(CpuAcceleratorFixture fixture) : PoolingModuleTests(fixture.Backend);

[Collection(HostCollection.Name)]
public sealed class HostPoolingModuleTests(HostFixture fixture) : PoolingModuleTests(fixture.Backend);
