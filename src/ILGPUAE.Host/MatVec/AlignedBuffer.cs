namespace ILGPUAE.Host.MatVec;

using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

/// <summary>Scratch floats on the pinned heap whose first element sits on a 64-byte (cache line, zmm) boundary.</summary>
internal sealed unsafe class AlignedBuffer
{
    private const int Alignment = 64;
    private readonly float[] storage;

    public AlignedBuffer(int length)
    {
        storage = GC.AllocateArray<float>(length + Alignment / sizeof(float), pinned: true);
        var address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(storage));
        Pointer = (float*)((address + Alignment - 1) & ~(nint)(Alignment - 1));
    }

    public float* Pointer { get; }
}
