namespace ILGPUAE.Bench.Workloads;

using ILGPUAE.Backend;
using ILGPUAE.Backends;
using ILGPUAE.Host;

/// <summary>Opens the backends the rows are about, through the engine's catalog.</summary>
public static class Backends
{
    /// <summary>The row label: host, cpu, cuda, opencl.</summary>
    public static string Label(AcceleratorKind kind) => AcceleratorCatalog.Name(kind);

    /// <summary>The backend for <paramref name="kind"/>; <paramref name="hostThreads"/> sets the host provider's threads (W3).</summary>
    public static IBackend Open(AcceleratorKind kind, int? hostThreads = null) =>
        kind == AcceleratorKind.Host && hostThreads is { } t ? new HostBackend(t) : AcceleratorCatalog.Open(kind);
}
