namespace ILGPUAE.Tests.Host;

using ILGPUAE.Backend;
using ILGPUAE.Host;
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
