namespace ILGPUAE.Tests.Models;

using ILGPUAE.Backend;
using ILGPUAE.Random;
using ILGPUAE.Tests.Host;
using ILGPUAE.Tests.Kernels;

/// <summary>
/// Tensors of rank up to 4, views at any offset and reshapes, and the row-wise families (gather, mask, output delta) on
/// [N, C, H, W] batches: they must treat an image as the row it flattens to, bit for bit.
/// </summary>
public abstract class TensorViewTests(IBackend backend)
{
    private static float[] Ramp(int n) => Enumerable.Range(0, n).Select(i => i * 0.25f - 3f).ToArray();

    [Fact]
    public void AViewSeesTheElementsAtItsOffsetWithItsShape()
    {
        var values = Ramp(2 * 3 * 4 * 5);
        using var t = backend.Allocate<float>(2, 3, 4, 5);
        t.CopyFrom(values);
        using var view = t.View(17, 2, 2, 3);
        Assert.Equal(new TensorShape(2, 2, 3), view.Shape);
        Assert.Equal(values.AsSpan(17, 12).ToArray(), view.ToArray());

        // Writes through the view land in the owner's storage.
        view.CopyFrom(Enumerable.Repeat(9f, 12).ToArray());
        var after = t.ToArray();
        Assert.Equal(values[16], after[16]);
        Assert.All(after.AsSpan(17, 12).ToArray(), v => Assert.Equal(9f, v));
        Assert.Equal(values[29], after[29]);
    }

    [Fact]
    public void AReshapeKeepsTheOrderOfTheElements()
    {
        var values = Ramp(3 * 1 * 4 * 5);
        using var images = backend.Allocate<float>(3, 1, 4, 5);
        images.CopyFrom(values);
        using var rows = images.Reshape(3, 20);
        Assert.Equal(20, images.RowLength);
        Assert.Equal(values, rows.ToArray());
        Assert.Equal(values.AsSpan(20, 20).ToArray(), images.Slice(1, 1).ToArray());
    }

    [Fact]
    public void ShapeErrorsNameBothShapes()
    {
        using var t = backend.Allocate<float>(2, 3, 4);
        var reshape = Assert.Throws<ArgumentException>(() => t.Reshape(5, 5));
        Assert.Contains("[2, 3, 4]", reshape.Message);
        Assert.Contains("[5, 5]", reshape.Message);
        var view = Assert.Throws<ArgumentOutOfRangeException>(() => t.View(20, 2, 3));
        Assert.Contains("[2, 3, 4]", view.Message);
        Assert.Contains("[2, 3]", view.Message);
        Assert.Throws<ArgumentException>(() => new TensorShape(1, 2, 3, 4, 5));
        Assert.Equal(12, new TensorShape(0, 3, 4).RowLength);
    }

    [Fact]
    public void RowFamiliesTreatAnImageAsItsFlattenedRow()
    {
        const int n = 3, c = 2, h = 5, w = 7, rowLength = c * h * w;
        var data = Enumerable.Range(0, 6 * rowLength).Select(i => (float)CounterRng.Uniform(7, 9, 0, 0, (uint)i)).ToArray();
        var key = new NoiseKey(11, RngStream.Mask, 2);
        using var source = backend.Allocate<float>(6, c, h, w);
        source.CopyFrom(data);
        using var indices = backend.Allocate<int>(n);
        indices.CopyFrom([4, 0, 5]);

        using var images = backend.Allocate<float>(n, c, h, w);
        using var maskedImages = backend.Allocate<float>(n, c, h, w);
        backend.Corruption.GatherMask(source, indices, key, 0.3f, images, maskedImages);
        using var flatSource = source.Reshape(6, rowLength);
        using var rows = backend.Allocate<float>(n, rowLength);
        using var maskedRows = backend.Allocate<float>(n, rowLength);
        backend.Corruption.GatherMask(flatSource, indices, key, 0.3f, rows, maskedRows);
        Assert.Equal(rows.ToArray(), images.ToArray());
        Assert.Equal(maskedRows.ToArray(), maskedImages.ToArray());
        Assert.Contains(0f, maskedImages.ToArray());

        using var delta = backend.Allocate<float>(n, c, h, w);
        using var losses = backend.Allocate<float>(n);
        using var flatDelta = backend.Allocate<float>(n, rowLength);
        using var flatLosses = backend.Allocate<float>(n);
        backend.Delta.SigmoidOutputDelta(LossKind.CrossEntropy, images, maskedImages, 0.5f, delta, losses);
        backend.Delta.SigmoidOutputDelta(LossKind.CrossEntropy, rows, maskedRows, 0.5f, flatDelta, flatLosses);
        Assert.Equal(flatDelta.ToArray(), delta.ToArray());
        Assert.Equal(flatLosses.ToArray(), losses.ToArray());
        Assert.All(losses.ToArray(), l => Assert.True(l > 0));
    }
}

[Collection(HostCollection.Name)]
public sealed class HostTensorViewTests(HostFixture fixture) : TensorViewTests(fixture.Backend);

[Collection(CpuAcceleratorCollection.Name)]
public sealed class CpuAcceleratorTensorViewTests(CpuAcceleratorFixture fixture) : TensorViewTests(fixture.Backend);
