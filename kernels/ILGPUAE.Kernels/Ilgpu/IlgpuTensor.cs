namespace ILGPUAE.Ilgpu;

using ILGPU;
using ILGPU.Runtime;
using ILGPUAE.Backend;

/// <summary>A tensor in an ILGPU accelerator's memory: a dense 1-D view, owned or borrowed.</summary>
public sealed class IlgpuTensor<T> : Tensor<T> where T : unmanaged
{
    private readonly MemoryBuffer1D<T, Stride1D.Dense>? owner;
    private readonly IlgpuBackend backend;

    internal IlgpuTensor(IlgpuBackend backend, MemoryBuffer1D<T, Stride1D.Dense>? owner, ArrayView1D<T, Stride1D.Dense> view, TensorShape shape)
        : base(shape)
    {
        this.backend = backend;
        this.owner = owner;
        Storage = view;
    }

    public ArrayView1D<T, Stride1D.Dense> Storage { get; }

    internal IlgpuBackend Backend => backend;

    protected override Tensor<T> CreateView(int elementOffset, TensorShape shape) =>
        new IlgpuTensor<T>(backend, null, Storage.SubView(elementOffset, shape.Length), shape);

    // ILGPU's CopyFromCPU / CopyToCPU take the raw address of "the pinned CPU buffer": the span is pinned
    // for the copy, or a compacting GC could move a managed array mid-copy (an unwritten result, or a
    // write into freed heap memory).
    protected override unsafe void CopyFromCore(ReadOnlySpan<T> source)
    {
        if (source.Length == 0)
            return;
        fixed (T* pinned = source)
            Storage.CopyFromCPU(ref *pinned, source.Length);
    }

    protected override unsafe void CopyToCore(Span<T> destination)
    {
        if (destination.Length == 0)
            return;
        fixed (T* pinned = destination)
            Storage.CopyToCPU(ref *pinned, destination.Length);
    }

    public override void Dispose()
    {
        if (owner is { IsDisposed: false })
        {
            backend.Release(owner.LengthInBytes);
            owner.Dispose();
        }
    }
}
