namespace ILGPUAE.Tests.Models;

using ILGPUAE.Backend;
using ILGPUAE.Models;
using ILGPUAE.Random;
using ILGPUAE.Tests.Host;
using ILGPUAE.Tests.Kernels;

/// <summary>
/// The fused plain-SGD step (the update as the last products' alpha = −lr, beta = 1 into the parameters) against the
/// two-stage step it replaces: gradients, then <see cref="IOptimizer.Sgd"/> with momentum 0. Two models from the same
/// seed take the same three steps; they must agree to float rounding (the fused store rounds once where the other
/// rounds the gradient, then the update).
/// </summary>
public abstract class FusedSgdTests(IBackend backend)
{
    private const int Rows = 9, Steps = 3;
    private const float LearningRate = 0.5f;

    // A few float roundings per step, over three steps: 1e-6 of the tensor's largest |value| and 1e-6 relative.
    private const double AbsoluteFraction = 1e-6, Relative = 1e-6;

    [Theory]
    [InlineData(37, 11, 1)]
    [InlineData(37, 11, 5)]
    [InlineData(33, 127, 1)]
    [InlineData(33, 127, 5)]
    public void TheFusedDaeStepEqualsGradientsThenSgd(int visible, int hidden, int batch)
    {
        using var data = Upload(Synthetic.Pixels(Rows, visible, seed: 21), Rows, visible);
        using var twoStage = TiedAutoencoder.Create(backend, visible, hidden, seed: 4);
        using var fused = TiedAutoencoder.Create(backend, visible, hidden, seed: 4);
        var initial = twoStage.Parameters.Select(p => p.Tensor.ToArray()).ToArray();
        using var twoStagePass = new TiedAutoencoderPass(twoStage, batch);
        using var fusedPass = new TiedAutoencoderPass(fused, batch);
        using var twoStageLosses = backend.Allocate<float>(batch);
        using var fusedLosses = backend.Allocate<float>(batch);
        for (var s = 0; s < Steps; s++)
        {
            using var indices = Indices(s, batch);
            var noise = new NoiseKey(5, RngStream.Mask, (uint)s);
            twoStagePass.ForwardBackward(data, indices, noise, 0.25f, LossKind.CrossEntropy, twoStageLosses);
            for (var i = 0; i < twoStagePass.Gradients.Count; i++)
                backend.Optimizer.Sgd(twoStage.Parameters[i].Tensor, twoStagePass.Gradients[i], null, LearningRate, 0f);
            fusedPass.ForwardBackwardSgd(data, indices, noise, 0.25f, LossKind.CrossEntropy, fusedLosses, LearningRate);
            AssertClose($"step {s} losses", twoStageLosses.ToArray(), fusedLosses.ToArray());
        }
        for (var i = 0; i < initial.Length; i++)
            AssertCloseAndMoved(twoStage.Parameters[i].Name, initial[i], twoStage.Parameters[i].Tensor.ToArray(), fused.Parameters[i].Tensor.ToArray());
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(0, 5)]
    [InlineData(2, 1)]
    [InlineData(2, 5)]
    public void TheFusedClassifierStepEqualsGradientsThenSgd(int firstTrained, int batch)
    {
        // Awkward widths around the SIMD width; three sigmoid layers below the softmax.
        var architecture = new ClassifierArchitecture(37, [33, 17], [15], 10);
        using var data = Upload(Synthetic.Pixels(Rows, architecture.Inputs, seed: 22), Rows, architecture.Inputs);
        using var labels = backend.Allocate<int>(Rows);
        labels.CopyFrom(Enumerable.Range(0, Rows).Select(i => (7 * i + 3) % architecture.Classes).ToArray());
        using var twoStage = FeedForwardClassifier.Create(backend, architecture, seed: 6);
        using var fused = FeedForwardClassifier.Create(backend, architecture, seed: 6);
        var initial = twoStage.Parameters.Select(p => p.Tensor.ToArray()).ToArray();
        using var twoStagePass = new ClassifierPass(twoStage, batch, firstTrained);
        using var fusedPass = new ClassifierPass(fused, batch, firstTrained);
        using var twoStageLosses = backend.Allocate<float>(batch);
        using var fusedLosses = backend.Allocate<float>(batch);
        var hostLabels = labels.ToArray();
        for (var s = 0; s < Steps; s++)
        {
            using var indices = Indices(s, batch);
            using var batchLabels = backend.Allocate<int>(batch);
            batchLabels.CopyFrom(Array.ConvertAll(indices.ToArray(), r => hostLabels[r]));
            var noise = new NoiseKey(5, RngStream.FinetuneMask, (uint)s);
            twoStagePass.ForwardBackward(data, indices, batchLabels, twoStageLosses, noise, 0.2f);
            foreach (var (parameter, gradient) in twoStagePass.Trained)
                backend.Optimizer.Sgd(parameter, gradient, null, LearningRate, 0f);
            fusedPass.ForwardBackwardSgd(data, indices, batchLabels, fusedLosses, LearningRate, noise, 0.2f);
            AssertClose($"step {s} losses", twoStageLosses.ToArray(), fusedLosses.ToArray());
        }
        var parameters = twoStage.Parameters.Zip(fused.Parameters).ToArray();
        for (var i = 0; i < parameters.Length; i++)
        {
            var ((name, expected), (_, actual)) = parameters[i];
            if (i < 2 * firstTrained)
                // Frozen: neither step touches it.
                Assert.Equal(initial[i], actual.ToArray());
            else
                AssertCloseAndMoved(name, initial[i], expected.ToArray(), actual.ToArray());
        }
    }

    /// <summary>Step s's rows of the 9-row data set: b distinct rows, shifting from step to step.</summary>
    private Tensor<int> Indices(int step, int batch)
    {
        var t = backend.Allocate<int>(batch);
        t.CopyFrom(Enumerable.Range(0, batch).Select(i => (step * batch + 2 * i) % Rows).ToArray());
        return t;
    }

    private Tensor<float> Upload(float[] values, int rows, int cols)
    {
        var t = backend.Allocate<float>(rows, cols);
        t.CopyFrom(values);
        return t;
    }

    private static void AssertClose(string what, float[] expected, float[] actual) =>
        Closeness.Assert(what, Closeness.ToDouble(expected), actual, AbsoluteFraction * expected.Max(Math.Abs), Relative);

    /// <summary>Close to the two-stage result, and not vacuously: the steps moved the tensor by far more than the tolerance.</summary>
    private static void AssertCloseAndMoved(string name, float[] initial, float[] expected, float[] actual)
    {
        var atol = AbsoluteFraction * expected.Max(Math.Abs);
        Closeness.Assert(name, Closeness.ToDouble(expected), actual, atol, Relative);
        var moved = expected.Zip(initial, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(moved > 100 * atol, $"{name} moved only {moved:E2} from its initial value (tolerance {atol:E2})");
    }
}

[Collection(CpuAcceleratorCollection.Name)]
public sealed class CpuAcceleratorFusedSgdTests(CpuAcceleratorFixture fixture) : FusedSgdTests(fixture.Backend);

[Collection(HostCollection.Name)]
public sealed class HostFusedSgdTests(HostFixture fixture) : FusedSgdTests(fixture.Backend);

[Collection(HostCollection.Name)]
public sealed class HostPortableFusedSgdTests(HostFixture fixture) : FusedSgdTests(fixture.Portable);
