namespace ILGPUAE.Tests.Host;

using ILGPUAE.Backend;
using ILGPUAE.Host;
using ILGPUAE.Host.Corruption;
using ILGPUAE.Random;
using ILGPUAE.Tests.Kernels;

/// <summary>A seed masks the same pixels on the host provider as on ILGPU (here its CPU accelerator), bit for bit.</summary>
[Collection(CpuAcceleratorCollection.Name)]
public sealed class HostMaskTests(CpuAcceleratorFixture fixture)
{
    [Theory]
    [InlineData(1, 784, 0.25f)]
    [InlineData(33, 784, 0.25f)]
    [InlineData(31, 127, 0.5f)]
    public void HostAndIlgpuDrawIdenticalMasks(int m, int n, float probability)
    {
        using var host = new HostBackend();
        var x = Enumerable.Range(0, m * n).Select(i => 1f + i).ToArray();
        var indices = Enumerable.Range(0, m).Select(i => 60_000 - 17 * i).ToArray();
        var key = new NoiseKey(0xC0FFEE, RngStream.Mask, 7);

        var onHost = Mask(host, x, indices, key, probability, m, n);
        var onIlgpu = Mask(fixture.Backend, x, indices, key, probability, m, n);

        Assert.Equal(onIlgpu.Select(BitConverter.SingleToInt32Bits), onHost.Select(BitConverter.SingleToInt32Bits));
        // A mask that hid nothing (or everything) would match trivially.
        var hidden = onHost.Count(v => v == 0f) / (double)onHost.Length;
        Assert.InRange(hidden, probability / 2, Math.Min(1, probability * 1.5));
        var otherEpoch = Mask(host, x, indices, key with { Epoch = 8 }, probability, m, n);
        Assert.NotEqual(onHost, otherEpoch);
    }

    /// <summary>
    /// The host's 16-lane keep bits (the last SplitMix round of each element in 64-bit vector lanes, from the row's prefix) equal the
    /// scalar <see cref="CounterRng.Hash32"/> comparison lane for lane, at thresholds from "keep all" to "drop all" and at element
    /// offsets up to int.MaxValue − 15.
    /// </summary>
    [Theory]
    [InlineData(0UL)]
    [InlineData(1UL)]
    [InlineData(1UL << 31)]
    [InlineData(3_000_000_000UL)]
    [InlineData((1UL << 32) - 1)]
    [InlineData(1UL << 32)]
    public void SixteenLaneKeepBitsAreTheScalarOnes(ulong threshold)
    {
        var lanes = new int[16];
        var kept = 0;
        foreach (var (seed, example) in new[] { (0UL, 0u), (0xC0FFEEUL, 59_999u), (ulong.MaxValue, uint.MaxValue) })
            foreach (var j in new[] { 0, 16, 784, 123_456, int.MaxValue - 15 })
            {
                var prefix = CounterRng.Prefix(seed, (uint)RngStream.Dropout, 3, example);
                System.Runtime.Intrinsics.Vector512.CopyTo(HostCorruption.KeepBits16(prefix, j, threshold), lanes);
                for (var k = 0; k < 16; k++)
                {
                    var scalar = HostCorruption.KeepBits(CounterRng.Hash32(seed, (uint)RngStream.Dropout, 3, example, (uint)(j + k)), threshold);
                    Assert.True(scalar == lanes[k], $"seed {seed}, example {example}, j {j}, lane {k}: {lanes[k]} vs {scalar}");
                    kept += scalar == -1 ? 1 : 0;
                }
            }
        // Both outcomes occur where they should (the comparison above would pass trivially on a constant).
        if (threshold == 0)
            Assert.Equal(240, kept);
        else if (threshold == 1UL << 32)
            Assert.Equal(0, kept);
        else if (threshold is 1UL << 31 or 3_000_000_000UL)
            Assert.InRange(kept, 24, 216);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(1f)]
    public void ExtremeProbabilitiesKeepOrHideEverything(float probability)
    {
        using var host = new HostBackend();
        const int m = 3, n = 50;
        var x = Enumerable.Range(0, m * n).Select(i => i % 5 == 0 ? -0f : 0.5f + i).ToArray();
        int[] indices = [4, 1, 9];
        var key = new NoiseKey(5, RngStream.Mask, 0);
        var onHost = Mask(host, x, indices, key, probability, m, n);
        Assert.Equal(Mask(fixture.Backend, x, indices, key, probability, m, n).Select(BitConverter.SingleToInt32Bits), onHost.Select(BitConverter.SingleToInt32Bits));
        var expected = probability == 0f ? x : new float[m * n];
        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), onHost.Select(BitConverter.SingleToInt32Bits));
    }

    private static float[] Mask(IBackend backend, float[] x, int[] indices, NoiseKey key, float probability, int m, int n)
    {
        using var tx = backend.Allocate<float>(m, n);
        using var ti = backend.Allocate<int>(m);
        using var destination = backend.Allocate<float>(m, n);
        tx.CopyFrom(x);
        ti.CopyFrom(indices);
        backend.Corruption.Mask(tx, ti, key, probability, destination);
        backend.Synchronize();
        return destination.ToArray();
    }
}
