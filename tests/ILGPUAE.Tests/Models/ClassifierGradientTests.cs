namespace ILGPUAE.Tests.Models;

using ILGPUAE.Backend;
using ILGPUAE.Corruption;
using ILGPUAE.Random;
using ILGPUAE.Models;
using ILGPUAE.Tests.Host;
using ILGPUAE.Tests.Kernels;

/// <summary>The reference back-propagation against central finite differences, in double.</summary>
public sealed class ClassifierReferenceGradientTests
{
    [Fact]
    public void BackPropagationMatchesCentralFiniteDifferencesForEveryParameter()
    {
        var architecture = new ClassifierArchitecture(6, [5], [4], 3);
        var reference = ClassifierReference.Random(architecture, seed: 7);
        var (x, labels) = ClassifierGradientCase.Inputs(architecture, 4, seed: 8);
        var (gw, gb) = reference.Gradients(x, labels);
        const double h = 1e-6;
        for (var l = 0; l < architecture.LayerCount; l++)
        {
            foreach (var (parameters, gradient) in new[] { (reference.Weights[l], gw[l]), (reference.Biases[l], gb[l]) })
            {
                for (var i = 0; i < parameters.Length; i++)
                {
                    var saved = parameters[i];
                    parameters[i] = saved + h;
                    var plus = reference.MeanLoss(x, labels);
                    parameters[i] = saved - h;
                    var minus = reference.MeanLoss(x, labels);
                    parameters[i] = saved;
                    var numeric = (plus - minus) / (2 * h);
                    Assert.True(Math.Abs(numeric - gradient[i]) <= 1e-8 + 1e-6 * Math.Abs(numeric),
                        $"layer {l} parameter {i}: back-propagated {gradient[i]}, finite differences {numeric}");
                }
            }
        }
    }
}

internal static class ClassifierGradientCase
{
    public static (double[] X, int[] Labels) Inputs(ClassifierArchitecture architecture, int batch, int seed)
    {
        var random = new System.Random(seed);
        var x = Enumerable.Range(0, batch * architecture.Inputs).Select(_ => random.NextDouble()).ToArray();
        var labels = Enumerable.Range(0, batch).Select(i => i % architecture.Classes).ToArray();
        return (x, labels);
    }
}

/// <summary>The kernel pass (GEMM, activation and softmax launchers of one backend) against the double reference.</summary>
public abstract class ClassifierPassTests(IBackend backend)
{
    // Awkward widths around the SIMD width; three sigmoid layers below the softmax.
    private static readonly ClassifierArchitecture Architecture = new(37, [33, 17], [15], 10);
    private const int Batch = 5;

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public void KernelGradientsMatchTheReference(int firstTrained)
    {
        var reference = ClassifierReference.Random(Architecture, seed: 11);
        var (x, labels) = ClassifierGradientCase.Inputs(Architecture, Batch, seed: 12);
        var (gw, gb) = reference.Gradients(x, labels);

        using var model = Upload(reference);
        using var pass = new ClassifierPass(model, maxBatch: Batch + 2, firstTrained);
        using var batch = UploadBatch(x, Enumerable.Range(0, Batch).ToArray(), labels);
        pass.ForwardBackward(batch.Data, batch.Indices, batch.Labels, batch.Losses);
        backend.Synchronize();

        Assert.Equal(2 * (Architecture.LayerCount - firstTrained), pass.Trained.Count);
        for (var l = firstTrained; l < Architecture.LayerCount; l++)
        {
            var (_, weightGradient) = pass.Trained[2 * (l - firstTrained)];
            var (_, biasGradient) = pass.Trained[2 * (l - firstTrained) + 1];
            AssertClose(gw[l], weightGradient.ToArray(), $"layer {l} W");
            AssertClose(gb[l], biasGradient.ToArray(), $"layer {l} b");
        }
        var z = reference.Forward(x, Batch)[^1];
        var expectedLosses = Enumerable.Range(0, Batch).Select(i => ILGPUAE.Softmax.SoftmaxReference.Loss(z.AsSpan(i * 10, 10), labels[i])).ToArray();
        AssertClose(expectedLosses, batch.Losses.ToArray(), "losses");
    }

    [Fact]
    public void MaskedInputsGiveTheReferenceGradientsOfTheReferenceMaskedRows()
    {
        var reference = ClassifierReference.Random(Architecture, seed: 15);
        var (x, labels) = ClassifierGradientCase.Inputs(Architecture, Batch, seed: 16);
        // Dataset rows 3, 0, 4, 1, 2: the mask is keyed by the dataset index, not the position in the batch.
        int[] rows = [3, 0, 4, 1, 2];
        var noise = new NoiseKey(5, RngStream.FinetuneMask, Epoch: 2);
        const float corruption = 0.3f;
        var gathered = new double[x.Length];
        CorruptionReference.Gather(Architecture.Inputs, x, rows, gathered);
        var masked = new double[x.Length];
        CorruptionReference.Mask(Batch, Architecture.Inputs, gathered, rows, noise, corruption, masked);
        Assert.InRange(masked.Count(v => v == 0), Batch * Architecture.Inputs / 10, Batch * Architecture.Inputs / 2);
        var labelRows = Array.ConvertAll(rows, r => labels[r]);
        var (gw, gb) = reference.Gradients(masked, labelRows);

        using var model = Upload(reference);
        using var pass = new ClassifierPass(model, maxBatch: Batch);
        using var batch = UploadBatch(x, rows, labelRows);
        pass.ForwardBackward(batch.Data, batch.Indices, batch.Labels, batch.Losses, noise, corruption);
        backend.Synchronize();

        for (var l = 0; l < Architecture.LayerCount; l++)
        {
            AssertClose(gw[l], pass.Trained[2 * l].Gradient.ToArray(), $"layer {l} W");
            AssertClose(gb[l], pass.Trained[2 * l + 1].Gradient.ToArray(), $"layer {l} b");
        }
    }

    [Fact]
    public void AShortBatchAfterAFullOneUsesOnlyItsRows()
    {
        var reference = ClassifierReference.Random(Architecture, seed: 13);
        var (x, labels) = ClassifierGradientCase.Inputs(Architecture, Batch, seed: 14);
        using var model = Upload(reference);
        using var pass = new ClassifierPass(model, maxBatch: Batch);
        using var batch = UploadBatch(x, Enumerable.Range(0, Batch).ToArray(), labels);
        pass.ForwardBackward(batch.Data, batch.Indices, batch.Labels, batch.Losses);
        pass.ForwardBackward(batch.Data, batch.Indices.Slice(0, 2), batch.Labels.Slice(0, 2), batch.Losses.Slice(0, 2));
        backend.Synchronize();

        var (gw, _) = reference.Gradients(x.AsSpan(0, 2 * Architecture.Inputs).ToArray(), labels[..2]);
        AssertClose(gw[0], pass.Trained[0].Gradient.ToArray(), "layer 0 W after a batch of 2");
    }

    /// <summary>The examples x [Batch, inputs] on the backend, the rows to gather, their labels, and room for the losses.</summary>
    private BatchTensors UploadBatch(double[] x, int[] rows, int[] labels)
    {
        var data = backend.Allocate<float>(Batch, Architecture.Inputs);
        data.CopyFrom(Array.ConvertAll(x, v => (float)v));
        var indices = backend.Allocate<int>(rows.Length);
        indices.CopyFrom(rows);
        var labelTensor = backend.Allocate<int>(labels.Length);
        labelTensor.CopyFrom(labels);
        return new BatchTensors(data, indices, labelTensor, backend.Allocate<float>(rows.Length));
    }

    private sealed record BatchTensors(Tensor<float> Data, Tensor<int> Indices, Tensor<int> Labels, Tensor<float> Losses) : IDisposable
    {
        public void Dispose()
        {
            Data.Dispose();
            Indices.Dispose();
            Labels.Dispose();
            Losses.Dispose();
        }
    }

    private FeedForwardClassifier Upload(ClassifierReference reference)
    {
        var model = FeedForwardClassifier.Create(backend, Architecture, seed: 1);
        for (var l = 0; l < Architecture.LayerCount; l++)
        {
            model.Layers[l].Weights.CopyFrom(Array.ConvertAll(reference.Weights[l], v => (float)v));
            model.Layers[l].Bias.CopyFrom(Array.ConvertAll(reference.Biases[l], v => (float)v));
        }
        return model;
    }

    private static void AssertClose(double[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-5 + 1e-4 * Math.Abs(expected[i]),
                $"{what}[{i}]: kernel {actual[i]}, reference {expected[i]}");
    }
}

[Collection(CpuAcceleratorCollection.Name)]
public sealed class CpuAcceleratorClassifierPassTests(CpuAcceleratorFixture fixture) : ClassifierPassTests(fixture.Backend);

[Collection(HostCollection.Name)]
public sealed class HostClassifierPassTests(HostFixture fixture) : ClassifierPassTests(fixture.Backend);

[Collection(HostCollection.Name)]
public sealed class HostPortableClassifierPassTests(HostFixture fixture) : ClassifierPassTests(fixture.Portable);
