namespace ILGPUAE.Tests.Host;

using System.Runtime.Intrinsics;
using ILGPUAE.Backend;
using ILGPUAE.Host;
using ILGPUAE.Random;

/// <summary>Allocation accounting, naming and launch-time checks of <see cref="HostBackend"/>.</summary>
[Collection(HostCollection.Name)]
public sealed class HostBackendTests(HostFixture fixture)
{
    [Fact]
    public void AllocatedBytesCountOwnersOnceAndNotViews()
    {
        using var backend = new HostBackend(threads: 1);
        var t = backend.Allocate<float>(10, 3);
        Assert.Equal(120, backend.AllocatedBytes);
        using (var ints = backend.Allocate<int>(5))
            Assert.Equal(140, backend.AllocatedBytes);
        t.Slice(1, 2).Dispose();
        Assert.Equal(120, backend.AllocatedBytes);
        t.Dispose();
        t.Dispose();
        Assert.Equal(0, backend.AllocatedBytes);
    }

    [Fact]
    public void NameSaysCoresAndTile()
    {
        var expected = Vector512.IsHardwareAccelerated ? "AVX-512 (Vector512<float>)" : "portable";
        Assert.StartsWith($"host: {Environment.ProcessorCount} core", fixture.Backend.Name);
        Assert.Contains(expected, fixture.Backend.Name);
        Assert.Equal("host: 3 cores, portable (Vector<float> of " + System.Numerics.Vector<float>.Count + ")", fixture.Portable.Name);
    }

    [Fact]
    public void TensorsOfAnotherBackendAreRejected()
    {
        using var other = new HostBackend(threads: 1);
        using var foreign = other.Allocate<float>(4, 4);
        using var mine = fixture.Backend.Allocate<float>(4, 4);
        var e = Assert.Throws<ArgumentException>(() => fixture.Backend.Gemm.Gemm(Transpose.None, Transpose.None, 1f, mine, foreign, 0f, mine));
        Assert.Equal("b", e.ParamName);
    }

    [Fact]
    public void MismatchedShapesAreRejectedWithTheShapes()
    {
        using var a = fixture.Backend.Allocate<float>(3, 4);
        using var c = fixture.Backend.Allocate<float>(3, 5);
        var e = Assert.Throws<ArgumentException>(() => fixture.Backend.Gemm.Gemm(Transpose.None, Transpose.None, 1f, a, a, 0f, c));
        Assert.Contains("[3, 4]", e.Message);
        Assert.Contains("[3, 5]", e.Message);
    }

    [Fact]
    public void GatherRejectsIndicesOutsideTheData()
    {
        using var data = fixture.Backend.Allocate<float>(4, 3);
        using var indices = fixture.Backend.Allocate<int>(2);
        using var destination = fixture.Backend.Allocate<float>(2, 3);
        indices.CopyFrom([1, 4]);
        Assert.Throws<ArgumentOutOfRangeException>(() => fixture.Backend.Corruption.Gather(data, indices, destination));
        indices.CopyFrom([1, -1]);
        Assert.Throws<ArgumentOutOfRangeException>(() => fixture.Backend.Corruption.Gather(data, indices, destination));
    }

    [Fact]
    public void MomentumWithoutVelocityIsRejected()
    {
        using var p = fixture.Backend.Allocate<float>(8);
        Assert.Throws<ArgumentException>(() => fixture.Backend.Optimizer.Sgd(p, p, null, 0.1f, 0.9f));
    }

    [Fact]
    public void SingleThreadedBackendMatchesTheReference()
    {
        using var backend = new HostBackend(threads: 1);
        var failures = new ILGPUAE.Checks.KernelChecks(backend).All([33]).Where(r => !r.Passed).ToList();
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}
