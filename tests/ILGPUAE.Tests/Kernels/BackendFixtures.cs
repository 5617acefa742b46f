namespace ILGPUAE.Tests.Kernels;

using ILGPUAE.Backend;
using ILGPUAE.Backends;

/// <summary>One ILGPU CPU accelerator for the whole test run: it is slow to start and runs one kernel at a time.</summary>
public sealed class CpuAcceleratorFixture : IDisposable
{
    public IBackend Backend { get; } = AcceleratorCatalog.Open(AcceleratorKind.Cpu);

    public void Dispose() => Backend.Dispose();
}

[CollectionDefinition(Name)]
public sealed class CpuAcceleratorCollection : ICollectionFixture<CpuAcceleratorFixture>
{
    public const string Name = "ILGPU CPU accelerator";
}
