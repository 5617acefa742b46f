namespace ILGPUAE.Tests.Training;

using ILGPUAE.Backend;
using ILGPUAE.Random;
using ILGPUAE.Tests.Kernels;
using ILGPUAE.Training;

/// <summary>
/// The mask of dataset example i in epoch e depends on (seed, e, i, pixel) only: the kernels draw the
/// same mask whether the epoch is cut into batches of 1 or of 7, and it is the counter's mask.
/// </summary>
[Collection(CpuAcceleratorCollection.Name)]
public sealed class MaskReproducibilityTests(CpuAcceleratorFixture fixture)
{
    private const int Examples = 50, Visible = 784;
    private const ulong Seed = 3;
    private const float Probability = 0.25f;

    [Fact]
    public void MaskOfAnExampleDoesNotDependOnTheBatching()
    {
        var pixels = Synthetic.NonZeroPixels(Examples, Visible, Seed);
        const int epoch = 1;

        var byOne = CorruptEpoch(pixels, epoch, batch: 1);
        var bySeven = CorruptEpoch(pixels, epoch, batch: 7); // 7 batches of 7, then one of 1

        // Bitwise the same corrupted pixels for every example.
        Assert.Equal(byOne, bySeven);

        // And the mask the counter defines: zero exactly where Hash32(seed, Mask, epoch, i, j) < threshold.
        var threshold = CounterRng.BernoulliThreshold(Probability);
        long masked = 0;
        for (var i = 0; i < Examples; i++)
            for (var j = 0; j < Visible; j++)
            {
                var isMasked = CounterRng.Hash32(Seed, (uint)RngStream.Mask, epoch, (uint)i, (uint)j) < threshold;
                Assert.Equal(isMasked ? 0f : pixels[i * Visible + j], byOne[i * Visible + j]);
                if (isMasked)
                    masked++;
            }

        // The observed rate is p within 5 standard deviations (σ = √(p(1−p)/n) ≈ 0.0022 for n = 39200).
        var n = (double)Examples * Visible;
        var rate = masked / n;
        var sigma = Math.Sqrt(Probability * (1 - Probability) / n);
        Assert.InRange(rate, Probability - 5 * sigma, Probability + 5 * sigma);
    }

    [Fact]
    public void AnotherEpochDrawsAnotherMask()
    {
        var pixels = Synthetic.NonZeroPixels(Examples, Visible, Seed);
        var first = CorruptEpoch(pixels, 1, batch: 7);
        var second = CorruptEpoch(pixels, 2, batch: 7);

        // Independent masks agree on a pixel with probability p² + (1 − p)² = 0.625.
        var agree = first.Zip(second, (a, b) => (a == 0) == (b == 0)).Count(x => x) / (double)first.Length;
        Assert.InRange(agree, 0.6, 0.65);
    }

    /// <summary>
    /// Gathers and masks one epoch in <see cref="EpochOrder.Shuffle"/> order, <paramref name="batch"/> rows at a time,
    /// and returns the corrupted rows put back in dataset order, [Examples, Visible].
    /// </summary>
    private float[] CorruptEpoch(float[] pixels, int epoch, int batch)
    {
        var backend = fixture.Backend;
        using var data = backend.Allocate<float>(Examples, Visible);
        using var indices = backend.Allocate<int>(batch);
        using var clean = backend.Allocate<float>(batch, Visible);
        using var corrupted = backend.Allocate<float>(batch, Visible);
        data.CopyFrom(pixels);
        var order = EpochOrder.Shuffle(Seed, epoch, Examples);
        Assert.NotEqual(Enumerable.Range(0, Examples), order);
        var key = new NoiseKey(Seed, RngStream.Mask, (uint)epoch);

        var result = new float[Examples * Visible];
        for (var start = 0; start < Examples; start += batch)
        {
            var b = Math.Min(batch, Examples - start);
            var rows = order[start..(start + b)];
            var index = indices.Slice(0, b);
            var x = clean.Slice(0, b);
            var xt = corrupted.Slice(0, b);
            index.CopyFrom(rows);
            backend.Corruption.Gather(data, index, x);
            backend.Corruption.Mask(x, index, key, Probability, xt);
            var host = xt.ToArray();
            for (var r = 0; r < b; r++)
                host.AsSpan(r * Visible, Visible).CopyTo(result.AsSpan(rows[r] * Visible, Visible));
        }
        return result;
    }
}
