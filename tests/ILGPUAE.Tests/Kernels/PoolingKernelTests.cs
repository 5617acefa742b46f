namespace ILGPUAE.Tests.Kernels;

using ILGPUAE.Backend;
using ILGPUAE.Checks;
using ILGPUAE.Random;
using ILGPUAE.Tests.Host;

/// <summary>
/// The Pooling and Dropout families against their double references (<see cref="KernelChecks.Pooling"/>, <see cref="KernelChecks.Dropouts"/>)
/// at the awkward sizes and the fixed image geometries, on each backend; the tie, floor-mode and NaN rules on a hand-made image;
/// and the checks shown able to fail on a real kernel output.
/// </summary>
public abstract class PoolingKernelTests(IBackend backend)
{
    public static TheoryData<int> Sizes => [.. KernelChecks.AwkwardSizes];

    [Theory]
    [MemberData(nameof(Sizes))]
    public void TheKernelsMatchTheReference(int s)
    {
        var results = new KernelChecks(backend).Pooling([s]).Concat(new KernelChecks(backend).Dropouts([s])).ToList();
        var failures = results.Where(r => !r.Passed).ToList();

        Assert.True(failures.Count == 0, string.Join("; ", failures.Select(r => $"{r.Kernel} {r.Size}: worst ratio {r.WorstToleranceRatio}")));
        // Every geometry of the brief is among them: 1×1, 2×2, 5×7, 28×28 with channels 1, 3 and 8, batches of 1 and 3.
        Assert.Equal(4 * (2 + KernelChecks.PoolingGeometries.Length) + 2 + ILGPUAE.Activation.Activations.All.Count, results.Count);
        foreach (var size in new[] { "b=1 C=1 H=1 W=1", "b=3 C=3 H=1 W=1", "b=3 C=1 H=2 W=2", "b=1 C=3 H=2 W=2", "b=1 C=3 H=28 W=28", "b=3 C=8 H=28 W=28", "b=1 C=8 H=5 W=7", "b=3 C=3 H=5 W=7" })
            Assert.Contains(results, r => r.Size == size);
    }

    /// <summary>
    /// One 3 × 5 plane (floor mode: windows at columns 0–1 and 2–3, row 2 and column 4 dropped) whose first window ties at 4
    /// ((0,1) and (1,0): the first in row-major order, (0,1), wins) and whose second holds a NaN after a larger number (the NaN wins,
    /// as PyTorch propagates it); the dropped row and column hold the plane's largest values, which must not show.
    /// </summary>
    [Fact]
    public void TiesGoToTheFirstMaximumNaNWinsAndOddEdgesAreDropped()
    {
        float[] plane =
        [
            1, 4, 9, float.NaN, 99,
            4, 2, 0, 3, 99,
            99, 99, 99, 99, 99,
        ];
        using var x = backend.Allocate<float>(1, 15);
        x.CopyFrom(plane);
        using var y = backend.Allocate<float>(1, 2);
        using var argmax = backend.Allocate<int>(1, 2);

        backend.Pooling.MaxPool2d(x, 1, 3, 5, y, argmax);
        backend.Synchronize();

        Assert.Equal([4f, float.NaN], y.ToArray());
        // Indices within the plane, h·W + w: (0,1) → 1 and (0,3) → 3.
        Assert.Equal([1, 3], argmax.ToArray());
    }

    /// <summary>
    /// Dropout drops exactly the elements the corruption family's mask hides at the same key and probability (one generator, one
    /// rule), and scales the rest by the float nearest 1/(1 − p).
    /// </summary>
    [Fact]
    public void DropoutDropsWhatTheMaskHides()
    {
        const int m = 4, n = 333;
        const float p = 0.35f;
        var values = Enumerable.Range(0, m * n).Select(i => 1f + i % 7).ToArray();
        var key = new NoiseKey(9, RngStream.Dropout, 3);
        using var x = backend.Allocate<float>(m, n);
        x.CopyFrom(values);
        using var indices = backend.Allocate<int>(m);
        indices.CopyFrom([5, 1000, 2, 77]);
        using var dropped = backend.Allocate<float>(m, n);
        using var masked = backend.Allocate<float>(m, n);

        backend.Dropout.Forward(x, indices, key, p, dropped);
        backend.Corruption.Mask(x, indices, key, p, masked);
        backend.Synchronize();

        var (d, k) = (dropped.ToArray(), masked.ToArray());
        var scale = (float)(1.0 / (1.0 - p));
        for (var i = 0; i < d.Length; i++)
            Assert.Equal(k[i] * scale, d[i]);
        Assert.Contains(0f, d);
    }

    /// <summary>
    /// The checks compare real kernel outputs and can fail: one ulp on a max-pool's maximum or a flipped argmax, and a dropout element
    /// whose keep decision (the exact integer part) or whose kept value is off beyond 2.5e-7 relative.
    /// </summary>
    [Fact]
    public void APerturbedOutputFailsItsCheck()
    {
        KernelChecks Perturbing(Action<float[]> change) => new(backend) { BeforeCompare = change };

        Assert.True(new KernelChecks(backend).MaxPool2d(3, 3, 5, 7).Passed);
        Assert.True(new KernelChecks(backend).DropoutForward(0.3f, 3, 40).Passed);

        Assert.False(Perturbing(o => o[^1] = MathF.BitIncrement(o[^1])).MaxPool2d(3, 3, 5, 7).Passed);
        // The argmax is the second output compared: moving one index by one pixel fails it.
        var compared = 0;
        Assert.False(Perturbing(o => { if (compared++ == 1) o[0] += 1; }).MaxPool2d(3, 3, 5, 7).Passed);
        // The keep indicators come first: marking a dropped element kept (or the reverse) fails.
        compared = 0;
        Assert.False(Perturbing(o => { if (compared++ == 0) o[0] = 1 - o[0]; }).DropoutForward(0.3f, 3, 40).Passed);
        compared = 0;
        Assert.False(Perturbing(o => { if (compared++ == 1) { var i = Array.FindIndex(o, v => v != 0); o[i] *= 1 + 1e-6f; } })
            .DropoutForward(0.3f, 3, 40).Passed);
        Assert.False(Perturbing(o => o[^1] += 1e-3f).Upsample2dBackward(1, 3, 5, 7, ILGPUAE.Backend.Activation.Sigmoid).Passed);
    }
}

[Collection(CpuAcceleratorCollection.Name)]
public sealed class CpuAcceleratorPoolingKernelTests(CpuAcceleratorFixture fixture) : PoolingKernelTests(fixture.Backend);

[Collection(HostCollection.Name)]
public sealed class HostPoolingKernelTests(HostFixture fixture) : PoolingKernelTests(fixture.Backend);
