namespace ILGPUAE.Tests.Kernels;

using ILGPUAE.Backend;
using ILGPUAE.Checks;
using ILGPUAE.Corruption;
using ILGPUAE.Host;
using ILGPUAE.Random;
using ILGPUAE.Tests.Host;
using ILGPUAE.Training;

/// <summary>
/// The Corruption family's general noises (<see cref="ICorruption.Corrupt"/>, <see cref="ICorruption.GatherCorrupt"/>,
/// <see cref="ICorruption.CorruptBackward"/>): against the double reference at awkward sizes, independent of the batch, masking
/// identical to <see cref="ICorruption.Mask"/>, and the statistics each kind promises. One body, run on each backend.
/// </summary>
public abstract class CorruptionNoiseTests(IBackend backend)
{
    public static TheoryData<int> Sizes => new(KernelChecks.AwkwardSizes);

    public static TheoryData<CorruptionKind> Kinds => new(Enum.GetValues<CorruptionKind>());

    private static CorruptionNoise Noise(CorruptionKind kind) => KernelChecks.CheckedCorruptions.Single(c => c.Kind == kind);

    [Theory]
    [MemberData(nameof(Sizes))]
    public void EveryCorruptionMatchesItsReference(int size)
    {
        var results = new KernelChecks(backend).Corruptions([size]).ToList();
        // Three kinds × (two forward shapes, the fused gather, two backward shapes, the backward after each of the four activations).
        Assert.Equal(27, results.Count);
        var failures = results.Where(r => !r.Passed).ToList();
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Theory]
    [InlineData(1, 784, 0.25f)]
    [InlineData(33, 127, 0.5f)]
    [InlineData(7, 31, 0.9f)]
    public void TheMaskingKindIsMaskBitForBit(int m, int n, float probability)
    {
        var x = Values(m * n, tag: 1);
        var data = Values(40 * n, tag: 2);
        var indices = Enumerable.Range(0, m).Select(i => (i * 13 + 5) % 40).ToArray();
        var key = new NoiseKey(0xC0FFEE, RngStream.Mask, 7);
        using var tx = Upload(x, m, n);
        using var td = Upload(data, 40, n);
        using var ti = UploadInts(indices);
        using var byMask = backend.Allocate<float>(m, n);
        using var byCorrupt = backend.Allocate<float>(m, n);
        using var bySaltAndPepper = backend.Allocate<float>(m, n);
        using var clean = backend.Allocate<float>(m, n);
        using var masked = backend.Allocate<float>(m, n);
        using var clean2 = backend.Allocate<float>(m, n);
        using var corrupted = backend.Allocate<float>(m, n);

        backend.Corruption.Mask(tx, ti, key, probability, byMask);
        backend.Corruption.Corrupt(tx, ti, key, CorruptionNoise.Masking(probability), byCorrupt);
        backend.Corruption.Corrupt(tx, ti, key, CorruptionNoise.SaltAndPepper(probability), bySaltAndPepper);
        backend.Corruption.GatherMask(td, ti, key, probability, clean, masked);
        backend.Corruption.GatherCorrupt(td, ti, key, CorruptionNoise.Masking(probability), clean2, corrupted);

        Assert.Equal(Bits(byMask), Bits(byCorrupt));
        Assert.Equal(Bits(clean), Bits(clean2));
        Assert.Equal(Bits(masked), Bits(corrupted));
        // Salt-and-pepper replaces exactly the elements the mask hides (x is never 0 or 1, so a replaced element shows as 0 or 1).
        var hidden = Download(byMask).Select(v => v == 0f).ToArray();
        Assert.Equal(hidden, Download(bySaltAndPepper).Select(v => v is 0f or 1f).ToArray());
        Assert.Contains(true, hidden);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void AnExampleIsCorruptedAloneAsInABatch(CorruptionKind kind)
    {
        const int examples = 50, visible = 97;
        const ulong seed = 3;
        var corruption = Noise(kind);
        var pixels = Values(examples * visible, tag: 3);
        var key = new NoiseKey(seed, RngStream.Noise, 1);
        var order = EpochOrder.Shuffle(seed, 1, examples);
        Assert.NotEqual(Enumerable.Range(0, examples), order);

        // One at a time through Gather then Corrupt; seven at a time (the last batch one) through the fused GatherCorrupt.
        var alone = CorruptEpoch(pixels, visible, order, key, corruption, batch: 1);
        var inBatches = CorruptEpoch(pixels, visible, order, key, corruption, batch: 7);

        Assert.Equal(alone.Select(BitConverter.SingleToInt32Bits), inBatches.Select(BitConverter.SingleToInt32Bits));
        // And it is the reference's corruption of each example, keyed by its dataset index.
        var expected = new double[examples * visible];
        CorruptionReference.Corrupt(examples, visible, Array.ConvertAll(pixels, v => (double)v), Enumerable.Range(0, examples).ToArray(), key,
            corruption, expected);
        var (atol, rtol) = KernelChecks.CorruptionTolerance(corruption);
        for (var i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(alone[i] - expected[i]) <= atol + rtol * Math.Abs(expected[i]), $"element {i}: {alone[i]} against {expected[i]}");
        // Another epoch draws other noise.
        Assert.NotEqual(alone, CorruptEpoch(pixels, visible, order, key with { Epoch = 2 }, corruption, batch: 7));
    }

    [Fact]
    public void GaussianNoiseHasMeanZeroAndStandardDeviationSigma()
    {
        // 128 × 784 = 100 352 draws of x̃ − x = σ·n, n ~ N(0, 1); every bound is 4 standard errors.
        const int m = 128, n = 784;
        const float sigma = 0.5f;
        var x = Values(m * n, tag: 4);
        var noise = Subtract(Corrupt(x, m, n, CorruptionNoise.Gaussian(sigma), Indices(m)), x);
        var count = (double)noise.Length;

        var mean = noise.Average();
        Assert.InRange(mean, -4 * sigma / Math.Sqrt(count), 4 * sigma / Math.Sqrt(count));
        var std = Math.Sqrt(noise.Sum(v => (v - mean) * (v - mean)) / (count - 1));
        // The sample standard deviation of a normal has standard error σ/√(2N).
        var stdError = sigma / Math.Sqrt(2 * count);
        Assert.InRange(std, sigma - 4 * stdError, sigma + 4 * stdError);
        // Normal, not merely of that variance: P(|n| < 1) = 0.682689 (a uniform of the same σ would give 0.577).
        const double within = 0.682689492;
        var inside = noise.Count(v => Math.Abs(v) < sigma) / count;
        var fractionError = Math.Sqrt(within * (1 - within) / count);
        Assert.InRange(inside, within - 4 * fractionError, within + 4 * fractionError);
        // Independent across elements of a row and across examples: correlations within 4/√N of 0.
        var bound = 4 / Math.Sqrt(count);
        Assert.InRange(Correlation(noise, m, n, dm: 0, dj: 1) / (sigma * sigma), -bound * 1.01, bound * 1.01);
        Assert.InRange(Correlation(noise, m, n, dm: 1, dj: 0) / (sigma * sigma), -bound * 1.01, bound * 1.01);
    }

    [Fact]
    public void SaltAndPepperReplacesAFractionPWithAFairCoin()
    {
        // The GSN setting: each pixel replaced by a fair coin with probability 0.4; 100 352 draws, bounds of 4 standard errors.
        const int m = 128, n = 784;
        const float probability = 0.4f;
        var x = Values(m * n, tag: 5);
        var corrupted = Corrupt(x, m, n, CorruptionNoise.SaltAndPepper(probability), Indices(m));

        var replaced = 0;
        var ones = 0;
        for (var i = 0; i < x.Length; i++)
        {
            if (corrupted[i] == x[i])
                continue;
            // x is never 0 or 1, so any change is a replacement, and a replacement is 0 or 1.
            Assert.True(corrupted[i] is 0f or 1f, $"element {i}: {x[i]} became {corrupted[i]}");
            replaced++;
            if (corrupted[i] == 1f)
                ones++;
        }
        var count = (double)x.Length;
        var rateError = Math.Sqrt(probability * (1 - probability) / count);
        Assert.InRange(replaced / count, probability - 4 * rateError, probability + 4 * rateError);
        var coinError = Math.Sqrt(0.25 / replaced);
        Assert.InRange(ones / (double)replaced, 0.5 - 4 * coinError, 0.5 + 4 * coinError);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void BackwardZeroesExactlyTheReplacedElements(CorruptionKind kind)
    {
        const int m = 33, n = 127;
        var corruption = Noise(kind);
        var x = Values(m * n, tag: 6);
        var indices = Indices(m);
        var key = new NoiseKey(9, RngStream.Noise, 4);
        var forward = Corrupt(x, m, n, corruption, indices, key);
        // Which elements the forward replaced, seen from its output alone: x is never 0 or 1.
        var replaced = forward.Select((v, i) => corruption.Replaces && v != x[i]).ToArray();
        Assert.Equal(kind != CorruptionKind.Gaussian, replaced.Contains(true));
        if (kind == CorruptionKind.Gaussian)
            Assert.All(forward.Select((v, i) => v - x[i]), d => Assert.NotEqual(0f, d));

        var delta = Enumerable.Range(0, m * n).Select(i => (i % 2 == 0 ? -1f : 1f) * (0.5f + i)).ToArray();
        using var td = Upload(delta, m, n);
        using var ti = UploadInts(indices);
        using var tgrad = backend.Allocate<float>(m, n);
        backend.Corruption.CorruptBackward(td, ti, key, corruption, tgrad);
        var expected = delta.Select((d, i) => replaced[i] ? 0f : d).ToArray();
        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), Bits(tgrad));

        // In place (destination = delta), as a module's backward may run it.
        backend.Corruption.CorruptBackward(td, ti, key, corruption, td);
        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), Bits(td));
    }

    /// <summary>
    /// After a sigmoid layer (a deep stack's corrupted code): 0 exactly where the forward replaced the element, else δ·h·(1 − h) in
    /// the sigmoid's own float order (bit for bit on every backend); in place on δ too. Identity below is the plain backward, bit for bit.
    /// </summary>
    [Theory]
    [MemberData(nameof(Kinds))]
    public void BackwardAfterASigmoidZeroesTheReplacedAndTakesTheDerivative(CorruptionKind kind)
    {
        const int m = 33, n = 127;
        var corruption = Noise(kind);
        var h = Values(m * n, tag: 8);
        var indices = Indices(m);
        var key = new NoiseKey(9, RngStream.Noise, 6);
        var forward = Corrupt(h, m, n, corruption, indices, key);
        var replaced = forward.Select((v, i) => corruption.Replaces && v != h[i]).ToArray();
        var delta = Enumerable.Range(0, m * n).Select(i => (i % 2 == 0 ? -1f : 1f) * (0.5f + i)).ToArray();
        using var td = Upload(delta, m, n);
        using var th = Upload(h, m, n);
        using var ti = UploadInts(indices);
        using var tgrad = backend.Allocate<float>(m, n);
        using var plain = backend.Allocate<float>(m, n);
        using var identity = backend.Allocate<float>(m, n);

        backend.Corruption.CorruptBackward(td, th, Activation.Sigmoid, ti, key, corruption, tgrad);
        backend.Corruption.CorruptBackward(td, ti, key, corruption, plain);
        backend.Corruption.CorruptBackward(td, th, Activation.Identity, ti, key, corruption, identity);

        var expected = delta.Select((d, i) => replaced[i] ? 0f : new ILGPUAE.Activation.Sigmoid().Backward(d, h[i])).ToArray();
        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), Bits(tgrad));
        Assert.Equal(Bits(plain), Bits(identity));
        backend.Corruption.CorruptBackward(td, th, Activation.Sigmoid, ti, key, corruption, td);
        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), Bits(td));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void CorruptionInPlaceEqualsOutOfPlace(CorruptionKind kind)
    {
        const int m = 5, n = 3 * 4 * 5;
        var corruption = Noise(kind);
        var x = Values(m * n, tag: 7);
        var indices = Indices(m);
        var key = new NoiseKey(9, RngStream.Noise, 5);
        var outOfPlace = Corrupt(x, m, n, corruption, indices, key);
        // Rank 4 in place: rows are [3, 4, 5] images.
        using var tx = Upload(x, m, 3, 4, 5);
        using var ti = UploadInts(indices);
        backend.Corruption.Corrupt(tx, ti, key, corruption, tx);
        Assert.Equal(outOfPlace.Select(BitConverter.SingleToInt32Bits), Bits(tx));
    }

    [Fact]
    public void WrongShapesAndAmountsAreRefused()
    {
        using var x = backend.Allocate<float>(4, 6);
        using var wrong = backend.Allocate<float>(4, 5);
        using var indices = backend.Allocate<int>(4);
        using var shortIndices = backend.Allocate<int>(3);
        var key = new NoiseKey(1, RngStream.Noise, 0);
        var gaussian = CorruptionNoise.Gaussian(0.1f);

        var e = Assert.Throws<ArgumentException>(() => backend.Corruption.Corrupt(x, indices, key, gaussian, wrong));
        Assert.Contains("x [4, 6] and destination [4, 5]", e.Message);
        e = Assert.Throws<ArgumentException>(() => backend.Corruption.CorruptBackward(x, shortIndices, key, CorruptionNoise.SaltAndPepper(0.4f), x));
        Assert.Contains("indices has shape [3], expected 4 elements (one per row of delta [4, 6])", e.Message);
        e = Assert.Throws<ArgumentException>(() => backend.Corruption.GatherCorrupt(x, indices, key, gaussian, x, wrong));
        Assert.Contains("clean [4, 6] and corrupted [4, 5]", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => backend.Corruption.Corrupt(x, indices, key, CorruptionNoise.Gaussian(-0.1f), x));
        Assert.Throws<ArgumentOutOfRangeException>(() => backend.Corruption.Corrupt(x, indices, key, CorruptionNoise.SaltAndPepper(1.5f), x));
        Assert.Throws<ArgumentOutOfRangeException>(() => backend.Corruption.CorruptBackward(x, indices, key, CorruptionNoise.Masking(float.NaN), x));
        Assert.Throws<ArgumentOutOfRangeException>(() => backend.Corruption.Corrupt(x, indices, key, new CorruptionNoise((CorruptionKind)7, 0.1f), x));
    }

    /// <summary>
    /// Corrupts every example of a dataset [examples, visible] in <paramref name="order"/>, <paramref name="batch"/> rows at a time, and
    /// returns the corrupted rows put back in dataset order. Batches of one go through Gather then Corrupt, larger ones through GatherCorrupt.
    /// </summary>
    private float[] CorruptEpoch(float[] pixels, int visible, int[] order, NoiseKey key, CorruptionNoise corruption, int batch)
    {
        var examples = order.Length;
        using var data = Upload(pixels, examples, visible);
        using var indices = backend.Allocate<int>(batch);
        using var clean = backend.Allocate<float>(batch, visible);
        using var corrupted = backend.Allocate<float>(batch, visible);
        var result = new float[examples * visible];
        for (var start = 0; start < examples; start += batch)
        {
            var b = Math.Min(batch, examples - start);
            var rows = order[start..(start + b)];
            var index = indices.Slice(0, b);
            var x = clean.Slice(0, b);
            var xt = corrupted.Slice(0, b);
            index.CopyFrom(rows);
            if (batch == 1)
            {
                backend.Corruption.Gather(data, index, x);
                backend.Corruption.Corrupt(x, index, key, corruption, xt);
            }
            else
            {
                backend.Corruption.GatherCorrupt(data, index, key, corruption, x, xt);
            }
            var host = Download(xt);
            for (var r = 0; r < b; r++)
                host.AsSpan(r * visible, visible).CopyTo(result.AsSpan(rows[r] * visible, visible));
        }
        return result;
    }

    private float[] Corrupt(float[] x, int m, int n, CorruptionNoise corruption, int[] indices, NoiseKey? key = null)
    {
        using var tx = Upload(x, m, n);
        using var ti = UploadInts(indices);
        using var destination = backend.Allocate<float>(m, n);
        backend.Corruption.Corrupt(tx, ti, key ?? new NoiseKey(17, RngStream.Noise, 3), corruption, destination);
        return Download(destination);
    }

    /// <summary>Values in [0.01, 0.99]: never 0 or 1, so a salt-and-pepper replacement always shows.</summary>
    private static float[] Values(int count, uint tag) =>
        Enumerable.Range(0, count).Select(i => 0.01f + 0.98f * (float)CounterRng.Uniform(11, (uint)RngStream.Data, tag, (uint)i, 0)).ToArray();

    /// <summary>m dataset indices, far apart and out of order.</summary>
    private static int[] Indices(int m) => Enumerable.Range(0, m).Select(i => 60_000 - 17 * i).ToArray();

    private static double[] Subtract(float[] a, float[] b) => a.Select((v, i) => (double)v - b[i]).ToArray();

    /// <summary>The mean product of v[m, j] and v[m + dm, j + dj] over the pairs inside the [rows, cols] array (v has mean ≈ 0).</summary>
    private static double Correlation(double[] v, int rows, int cols, int dm, int dj)
    {
        double sum = 0;
        var pairs = 0;
        for (var m = 0; m + dm < rows; m++)
            for (var j = 0; j + dj < cols; j++)
            {
                sum += v[m * cols + j] * v[(m + dm) * cols + j + dj];
                pairs++;
            }
        return sum / pairs;
    }

    private Tensor<float> Upload(float[] values, params int[] shape)
    {
        var t = backend.Allocate<float>(shape);
        t.CopyFrom(values);
        return t;
    }

    private Tensor<int> UploadInts(int[] values)
    {
        var t = backend.Allocate<int>(values.Length);
        t.CopyFrom(values);
        return t;
    }

    private float[] Download(Tensor<float> t)
    {
        backend.Synchronize();
        return t.ToArray();
    }

    private IEnumerable<int> Bits(Tensor<float> t) => Download(t).Select(BitConverter.SingleToInt32Bits);
}

[Collection(HostCollection.Name)]
public sealed class HostCorruptionNoiseTests(HostFixture fixture) : CorruptionNoiseTests(fixture.Backend);

[Collection(CpuAcceleratorCollection.Name)]
public sealed class CpuAcceleratorCorruptionNoiseTests(CpuAcceleratorFixture fixture) : CorruptionNoiseTests(fixture.Backend);

/// <summary>The general corruption calls allocate no managed memory on the host provider, like every launch a training step makes.</summary>
public sealed class HostCorruptionAllocationTests
{
    [Fact]
    public void CorruptCallsAllocateNothingOnTheCallingThread()
    {
        using var backend = new HostBackend(threads: 2);
        using var data = backend.Allocate<float>(9, 31);
        using var indices = backend.Allocate<int>(5);
        using var clean = backend.Allocate<float>(5, 31);
        using var corrupted = backend.Allocate<float>(5, 31);
        indices.CopyFrom([8, 0, 3, 3, 6]);
        var key = new NoiseKey(3, RngStream.Noise, 0);
        CorruptionNoise[] kinds = [CorruptionNoise.Masking(0.25f), CorruptionNoise.Gaussian(0.3f), CorruptionNoise.SaltAndPepper(0.4f)];
        void Calls()
        {
            foreach (var corruption in kinds)
            {
                backend.Corruption.GatherCorrupt(data, indices, key, corruption, clean, corrupted);
                backend.Corruption.Corrupt(clean, indices, key, corruption, corrupted);
                backend.Corruption.CorruptBackward(corrupted, indices, key, corruption, clean);
                backend.Corruption.CorruptBackward(corrupted, clean, Activation.Sigmoid, indices, key, corruption, clean);
            }
        }

        Calls();
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10; i++)
            Calls();

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}

/// <summary>The float normal draw that kernels and the host evaluate against its double evaluation on the same bits.</summary>
public sealed class CorruptionNormalDrawTests
{
    [Fact]
    public void FloatNormalIsWithinAMillionthOfTheDouble()
    {
        // Radius bits k at the ends, where 2³² − k rounds in float (a logarithm there would be off by up to 2e-5), and around the switch from
        // the series to the logarithm (k = 2²⁷), each with angles at 0, ±π/2, −π and random;
        // then a million random draws.
        uint[] radii = [0, 1, 2, 1000, (1u << 12) + 77, (1u << 16) + 129, (1u << 20) + 3, (1u << 27) - 1, 1u << 27, (1u << 27) + 1, 1u << 31, uint.MaxValue - 1, uint.MaxValue];
        uint[] angles = [0, 1u << 30, 3u << 30, 1u << 31, 0x12345678];
        var draws = radii.SelectMany(k => angles.Select(l => (ulong)k << 32 | l))
            .Concat(Enumerable.Range(0, 1_000_000).Select(i => CounterRng.Hash64(5, (uint)RngStream.Noise, 0, (uint)i, 0)));
        var worst = 0.0;
        foreach (var draw in draws)
        {
            var error = Math.Abs(CounterRng.StandardNormal(draw) - CorruptionReference.StandardNormal(draw));
            Assert.True(error <= 1e-6, $"draw {draw:x16}: {CounterRng.StandardNormal(draw)} against {CorruptionReference.StandardNormal(draw)}");
            worst = Math.Max(worst, error);
        }
        // The largest radius is √(64 ln 2) ≈ 6.66, the truncation the draw documents.
        Assert.Equal(Math.Sqrt(64 * Math.Log(2)), CorruptionReference.StandardNormal((ulong)uint.MaxValue << 32), 1e-6);
        Assert.True(worst > 0);
    }
}
