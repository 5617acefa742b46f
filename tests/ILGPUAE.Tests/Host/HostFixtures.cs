namespace ILGPUAE.Tests.Host;

using ILGPUAE.Host;

/// <summary>
/// The host provider as production runs it (every core, the best GEMM tile), and the portable tile on
/// three threads, so that the fallback kernel and uneven three-way splits are covered on any machine.
/// </summary>
public sealed class HostFixture : IDisposable
{
    public HostBackend Backend { get; } = new();

    public HostBackend Portable { get; } = new(threads: 3, HostGemmKernel.Portable);

    public void Dispose()
    {
        Backend.Dispose();
        Portable.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class HostCollection : ICollectionFixture<HostFixture>
{
    public const string Name = "host provider";
}
