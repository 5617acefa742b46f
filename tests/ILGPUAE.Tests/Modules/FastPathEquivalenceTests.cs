namespace ILGPUAE.Tests.Modules;

using ILGPUAE.Backend;
using ILGPUAE.Models;
using ILGPUAE.Modules;
using ILGPUAE.Random;
using ILGPUAE.Tests.Host;
using ILGPUAE.Tests.Kernels;

/// <summary>
/// Each fused fast path against the generic path (modules → objective → backward, then PyTorch's SGD on every trained
/// parameter) from the same initial weights over the same steps: the fused tied-DAE pass (plain SGD written inside the
/// ∂W product; the stacked ∂W then momentum SGD), the fused classifier pass, and the persistent SampleSgd kernels
/// (batch 1, ILGPU backends). They sum in other orders (the tied ∂W is one product over [δy; y] and [x̃; δz] there, two
/// products here), so the bar is float rounding over a few steps: |fast − generic| ≤ 1e-5·max|generic| + 1e-5·|generic|
/// for every parameter, which also must have moved by far more than that.
/// </summary>
public abstract class FastPathEquivalenceTests(IBackend backend)
{
    protected IBackend Backend => backend;

    protected const int Rows = 9, Visible = 37, Hidden = 11, Steps = 4;
    protected const float LearningRate = 0.5f, Corruption = 0.25f;
    private const double Tolerance = 1e-5;

    [Theory]
    [InlineData(5, 0f, Activation.Sigmoid)]
    [InlineData(5, 0.9f, Activation.Sigmoid)]
    [InlineData(1, 0f, Activation.Sigmoid)]
    [InlineData(5, 0f, Activation.Tanh)]
    [InlineData(3, 0.9f, Activation.Relu)]
    public void TheFusedTiedDaeStepEndsAtTheGenericWeights(int batch, float momentum, Activation hidden)
    {
        using var data = Upload(Synthetic.Pixels(Rows, Visible, seed: 31), Rows, Visible);
        using var fast = TiedAutoencoder.Create(backend, Visible, Hidden, seed: 8, hiddenActivation: hidden);
        using var pass = new TiedAutoencoderPass(fast, batch);
        using var generic = Networks.TiedDae(Visible, Hidden, Corruption, LossKind.CrossEntropy, hidden).Build(backend, batch);
        CopyInto(generic, fast.Parameters);
        var initial = fast.Parameters.Select(p => p.Tensor.ToArray()).ToArray();
        var velocities = fast.Parameters.Select(p => momentum == 0 ? null : backend.Allocate<float>([.. p.Tensor.Shape.Dimensions])).ToArray();
        var genericVelocities = generic.Body.Parameters.Select(p => momentum == 0 ? null : backend.Allocate<float>([.. p.Shape.Dimensions])).ToArray();
        using var losses = backend.Allocate<float>(batch);
        for (var s = 0; s < Steps; s++)
        {
            using var indices = Indices(s, batch);
            pass.SgdStep(data, indices, new NoiseKey(5, RngStream.Mask, (uint)s), Corruption, LossKind.CrossEntropy, losses, LearningRate, momentum, velocities);
            GenericStep(generic, data, indices, (uint)s, null, momentum, genericVelocities);
        }
        AssertSame(initial, fast.Parameters, generic);
        foreach (var v in velocities.Concat(genericVelocities))
            v?.Dispose();
    }

    [Theory]
    [InlineData(0, 3)]
    [InlineData(2, 3)]
    [InlineData(0, 1)]
    public void TheFusedClassifierStepEndsAtTheGenericWeights(int firstTrained, int batch)
    {
        var architecture = new ClassifierArchitecture(Visible, [13, 9], [7], 4);
        using var data = Upload(Synthetic.Pixels(Rows, Visible, seed: 32), Rows, Visible);
        var labels = Enumerable.Range(0, Rows).Select(i => (5 * i + 1) % architecture.Classes).ToArray();
        using var fast = FeedForwardClassifier.Create(backend, architecture, seed: 9);
        using var pass = new ClassifierPass(fast, batch, firstTrained);
        using var generic = Networks.Classifier(architecture, Corruption, firstTrained).Build(backend, batch);
        var fastParameters = fast.Parameters.ToArray();
        CopyInto(generic, fastParameters);
        var initial = fastParameters.Select(p => p.Tensor.ToArray()).ToArray();
        using var losses = backend.Allocate<float>(batch);
        for (var s = 0; s < Steps; s++)
        {
            using var indices = Indices(s, batch);
            using var batchLabels = backend.Allocate<int>(batch);
            batchLabels.CopyFrom(Array.ConvertAll(indices.ToArray(), r => labels[r]));
            pass.ForwardBackwardSgd(data, indices, batchLabels, losses, LearningRate, new NoiseKey(5, RngStream.FinetuneMask, (uint)s), Corruption);
            GenericStep(generic, data, indices, (uint)s, batchLabels, 0f, null);
        }
        AssertSame(initial, fastParameters, generic, frozen: 2 * firstTrained);
    }

    /// <summary>Forward, objective and backward through the modules, then torch.optim.SGD (dampening 0) per trained parameter.</summary>
    protected void GenericStep(Network net, Tensor<float> data, Tensor<int> indices, uint epoch, Tensor<int>? labels, float momentum, Tensor<float>?[]? velocities)
    {
        using var losses = backend.Allocate<float>(indices.Length);
        net.ForwardBackward(data, new StepContext(indices, 5, epoch, Training: true), losses, labels);
        var all = net.Body.Parameters;
        for (var i = 0; i < all.Count; i++)
            if (all[i].HasGradient)
                backend.Optimizer.Sgd(all[i].Value, all[i].Grad, velocities?[i], LearningRate, momentum);
    }

    protected static void CopyInto(Network net, IReadOnlyList<(string Name, Tensor<float> Tensor)> values)
    {
        var byName = net.Body.Parameters.ToDictionary(p => p.Name);
        Assert.Equal(values.Select(v => v.Name).Order(), byName.Keys.Order());
        foreach (var (name, tensor) in values)
            byName[name].Value.CopyFrom(tensor.ToArray());
    }

    /// <summary>
    /// Every parameter of <paramref name="fast"/> within <paramref name="tolerance"/> (absolute, of the largest value, and
    /// relative) of the generic network's same-named one, having moved by far more than that; frozen ones (the first
    /// <paramref name="frozen"/>) unmoved on both.
    /// </summary>
    internal static void AssertSame(float[][] initial, IReadOnlyList<(string Name, Tensor<float> Tensor)> fast, Network generic, int frozen = 0,
        double tolerance = Tolerance)
    {
        var byName = generic.Body.Parameters.ToDictionary(p => p.Name);
        for (var i = 0; i < fast.Count; i++)
        {
            var (name, tensor) = fast[i];
            var expected = byName[name].Value.ToArray();
            var actual = tensor.ToArray();
            if (i < frozen)
            {
                Assert.Equal(initial[i], actual);
                Assert.Equal(initial[i], expected);
                continue;
            }
            var atol = tolerance * expected.Max(Math.Abs);
            Closeness.Assert(name, Closeness.ToDouble(expected), actual, atol, tolerance);
            var moved = expected.Zip(initial[i], (a, b) => Math.Abs(a - b)).Max();
            Assert.True(moved > 100 * atol, $"{name} moved only {moved:E2} (tolerance {atol:E2})");
        }
    }

    private Tensor<int> Indices(int step, int batch)
    {
        var t = backend.Allocate<int>(batch);
        t.CopyFrom(Enumerable.Range(0, batch).Select(i => (step * batch + 2 * i) % Rows).ToArray());
        return t;
    }

    protected Tensor<float> Upload(float[] values, int rows, int cols)
    {
        var t = backend.Allocate<float>(rows, cols);
        t.CopyFrom(values);
        return t;
    }
}

/// <summary>The persistent SampleSgd kernels exist on ILGPU backends only (on the host, batch 1 is the generic step).</summary>
[Collection(CpuAcceleratorCollection.Name)]
public sealed class CpuAcceleratorFastPathEquivalenceTests(CpuAcceleratorFixture fixture) : FastPathEquivalenceTests(fixture.Backend)
{
    [Fact]
    public void SampleSgdEndsAtTheGenericWeights()
    {
        var sampleSgd = Backend.SampleSgd!;
        using var data = Upload(Synthetic.Pixels(Rows, Visible, seed: 33), Rows, Visible);
        using var fast = TiedAutoencoder.Create(Backend, Visible, Hidden, seed: 10);
        using var generic = Networks.TiedDae(Visible, Hidden, Corruption, LossKind.SquaredError).Build(Backend, 1);
        CopyInto(generic, fast.Parameters);
        var initial = fast.Parameters.Select(p => p.Tensor.ToArray()).ToArray();
        var order = new[] { 4, 0, 8, 3, 3, 7, 1 };
        using var indices = Backend.Allocate<int>(order.Length);
        indices.CopyFrom(order);
        using var losses = Backend.Allocate<float>(order.Length);
        sampleSgd.TiedDae(new TiedDaeParameters(fast.Weights, fast.HiddenBias, fast.VisibleBias), data, indices, new NoiseKey(5, RngStream.Mask, 3),
            Corruption, LossKind.SquaredError, LearningRate, losses);
        for (var s = 0; s < order.Length; s++)
        {
            using var one = Backend.Allocate<int>(1);
            one.CopyFrom([order[s]]);
            GenericStep(generic, data, one, 3, null, 0f, null);
        }
        AssertSame(initial, fast.Parameters, generic);
    }
}

[Collection(HostCollection.Name)]
public sealed class HostFastPathEquivalenceTests(HostFixture fixture) : FastPathEquivalenceTests(fixture.Backend);
