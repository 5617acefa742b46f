namespace ILGPUAE.Host;

using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ILGPUAE.Backend;

/// <summary>
/// A tensor in managed memory: <see cref="Tensor{T}.Length"/> elements of a pinned array, from an offset.
/// The array lives on the pinned object heap, so kernels (and the worker threads running them) use raw
/// pointers without a <c>fixed</c> block per launch.
/// </summary>
public sealed unsafe class HostTensor<T> : Tensor<T> where T : unmanaged
{
    private readonly T[] storage;
    private readonly int offset;
    private readonly bool ownsStorage;
    private int disposed;

    internal HostTensor(HostBackend backend, T[] storage, int offset, TensorShape shape, bool ownsStorage)
        : base(shape)
    {
        Backend = backend;
        this.storage = storage;
        this.offset = offset;
        this.ownsStorage = ownsStorage;
    }

    internal HostBackend Backend { get; }

    /// <summary>The elements, in place (row-major).</summary>
    public Span<T> Span => MemoryMarshal.CreateSpan(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(storage), offset), Length);

    /// <summary>The first element; valid while the tensor's storage is alive. Never dereferenced when Length is 0.</summary>
    internal T* Pointer => (T*)Unsafe.AsPointer(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(storage), offset));

    protected override Tensor<T> CreateView(int elementOffset, TensorShape shape) =>
        new HostTensor<T>(Backend, storage, offset + elementOffset, shape, ownsStorage: false);

    protected override void CopyFromCore(ReadOnlySpan<T> source) => source.CopyTo(Span);

    protected override void CopyToCore(Span<T> destination) => Span.CopyTo(destination);

    /// <summary>Managed memory is the GC's to free; an owner gives its bytes back to the backend's count, once.</summary>
    public override void Dispose()
    {
        if (ownsStorage && Interlocked.Exchange(ref disposed, 1) == 0)
            Backend.Release((long)storage.Length * sizeof(T));
    }
}
