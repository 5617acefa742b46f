namespace ILGPUAE.Ilgpu;

using System.Runtime.InteropServices;
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
        View = view;
    }

    public ArrayView1D<T, Stride1D.Dense> View { get; }

    internal IlgpuBackend Backend => backend;

    protected override Tensor<T> CreateView(int elementOffset, TensorShape shape) =>
        new IlgpuTensor<T>(backend, null, View.SubView(elementOffset, shape.Length), shape);

    protected override void CopyFromCore(ReadOnlySpan<T> source)
    {
        if (source.Length > 0)
            View.CopyFromCPU(ref MemoryMarshal.GetReference(source), source.Length);
    }

    protected override void CopyToCore(Span<T> destination)
    {
        if (destination.Length > 0)
            View.CopyToCPU(ref MemoryMarshal.GetReference(destination), destination.Length);
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
