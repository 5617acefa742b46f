namespace ILGPUAE.Tests.Models;

using ILGPUAE.Backend;
using ILGPUAE.Models;
using ILGPUAE.Random;
using ILGPUAE.Tests.Kernels;
using ILGPUAE.Tests.Training;

/// <summary>
/// One <see cref="TiedAutoencoderPass.ForwardBackward"/> on the ILGPU CPU accelerator against the
/// double-precision reference (itself checked against finite differences): same rows, same masks.
/// </summary>
[Collection(CpuAcceleratorCollection.Name)]
public sealed class TiedAutoencoderPassTests(CpuAcceleratorFixture fixture)
{
    // Float sums of up to 784 products of O(1) terms: relative errors of ~1e-6; 1e-4 leaves room, and the
    // absolute part (relative to the largest gradient element) covers elements that nearly cancel.
    private const double RelativeTolerance = 1e-4, AbsoluteFraction = 1e-5;

    public static TheoryData<LossKind, int, int, int, bool> Cases => new()
    {
        // loss, visible, hidden, batch, MNIST rows (else synthetic)
        { LossKind.SquaredError, 37, 11, 5, false },
        { LossKind.CrossEntropy, 37, 11, 5, false },
        { LossKind.SquaredError, 784, 23, 10, true },
        { LossKind.CrossEntropy, 784, 23, 10, true },
        { LossKind.CrossEntropy, 784, 23, 1, true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void GradientsAndLossesMatchTheReference(LossKind loss, int visible, int hidden, int batch, bool mnist)
    {
        const ulong seed = 5;
        const int rows = 40;
        var pixels = mnist ? MnistSample.Train(rows) : Synthetic.Pixels(rows, visible, seed);
        var p = DaeParameters.FromFloats(visible, hidden, TiedAutoencoder.InitialWeights(visible, hidden, seed),
            Synthetic.Uniform(hidden, 0.3, seed, 1), Synthetic.Uniform(visible, 0.3, seed, 2));
        // Scattered, unsorted rows; a larger maxBatch than used, so the pass works on row views.
        var indices = Enumerable.Range(0, batch).Select(i => (i * 17 + 3) % rows).ToArray();
        var noise = new NoiseKey(seed, RngStream.Mask, 3);
        const float corruption = 0.25f;

        var (kernelLosses, kernelGradients) = RunPass(fixture.Backend, p, pixels, indices, noise, corruption, loss, maxBatch: batch + 3);

        var (clean, corrupted) = ReferenceDae.Batch(Closeness.ToDouble(pixels), visible, indices, noise, corruption);
        var (refLosses, refGradient) = ReferenceDae.Backward(loss, p, batch, clean, corrupted);

        Closeness.Assert($"{loss} per-example losses", refLosses, kernelLosses, 0, RelativeTolerance);
        string[] names = ["W", "b_hidden", "b_visible"];
        for (var i = 0; i < names.Length; i++)
        {
            var scale = refGradient.All[i].Max(Math.Abs);
            Assert.True(scale > 1e-6, $"∂L/∂{names[i]} is all but zero: the comparison would be vacuous");
            Closeness.Assert($"{loss} ∂L/∂{names[i]}", refGradient.All[i], kernelGradients[i], AbsoluteFraction * scale, RelativeTolerance);
        }

        // The comparison sees the mask: the reference under another epoch's mask is out of tolerance.
        var (_, otherCorrupted) = ReferenceDae.Batch(Closeness.ToDouble(pixels), visible, indices, noise with { Epoch = 4 }, corruption);
        var (_, otherGradient) = ReferenceDae.Backward(loss, p, batch, clean, otherCorrupted);
        Assert.False(Closeness.Of(otherGradient.Weight, kernelGradients[0], AbsoluteFraction * refGradient.Weight.Max(Math.Abs), RelativeTolerance).Passed);
    }

    /// <summary>Uploads parameters and data, runs one forward/backward and returns the losses [b] and the three gradients.</summary>
    internal static (float[] Losses, float[][] Gradients) RunPass(IBackend backend, DaeParameters p, float[] pixels, int[] indices,
        NoiseKey noise, float corruption, LossKind loss, int maxBatch)
    {
        using var model = TiedAutoencoder.FromValues(backend, p.Visible, p.Hidden,
            p.Weights.Select(v => (float)v).ToArray(), p.HiddenBias.Select(v => (float)v).ToArray(), p.VisibleBias.Select(v => (float)v).ToArray());
        using var pass = new TiedAutoencoderPass(model, maxBatch);
        using var data = backend.Allocate<float>(pixels.Length / p.Visible, p.Visible);
        using var index = backend.Allocate<int>(indices.Length);
        using var losses = backend.Allocate<float>(indices.Length);
        data.CopyFrom(pixels);
        index.CopyFrom(indices);
        pass.ForwardBackward(data, index, noise, corruption, loss, losses);
        backend.Synchronize();
        return (losses.ToArray(), pass.Gradients.Select(g => g.ToArray()).ToArray());
    }
}
