namespace ILGPUAE.Tests.Host;

using ILGPUAE.Backends;
using ILGPUAE.Host;
using ILGPUAE.Ilgpu;

/// <summary>The host provider in the accelerator choice: listed once, opened by name, auto's pick without a GPU.</summary>
public sealed class HostCatalogTests
{
    [Fact]
    public void HostIsOpenedByKind()
    {
        using var backend = AcceleratorCatalog.Open(AcceleratorKind.Host);
        Assert.IsType<HostBackend>(backend);
        Assert.Throws<AcceleratorUnavailableException>(() => AcceleratorCatalog.Open(AcceleratorKind.Host, index: 1));
    }

    [Fact]
    public void AutoNeverPicksIlgpusCpuAccelerator()
    {
        using var backend = AcceleratorCatalog.Open(AcceleratorKind.Auto);
        Assert.False(backend is IlgpuBackend { IsCpuAccelerator: true }, $"auto picked {backend.Name}");
    }

    [Fact]
    public void DevicesListOneUsableHostEntry()
    {
        var host = Assert.Single(AcceleratorCatalog.List(), d => d.Kind == AcceleratorKind.Host);
        Assert.True(host.Usable);
        Assert.Equal(0, host.Index);
        Assert.Equal(Environment.ProcessorCount, host.MaxGroupSize);
        Assert.Equal(HostBackend.VectorWidth, host.WarpSize);
        Assert.True(host.MemoryBytes > 0);
        Assert.StartsWith("managed SIMD, ", host.Name);
    }
}
