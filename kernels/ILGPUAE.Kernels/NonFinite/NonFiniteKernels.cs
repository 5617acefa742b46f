namespace ILGPUAE.NonFinite;

using ILGPU;
using ILGPU.Algorithms;
using ILGPUAE.Ilgpu;

/// <summary>The non-finite scan: grid-stride over the elements, barrier-free; a thread that finds one sets the flag atomically.</summary>
public static class NonFiniteKernels
{
    /// <summary>x [items] (any tensor, flat); flag [1]: set to code by the first thread that finds NaN or ±∞, if it is still 0.</summary>
    public static void Flag(Index1D index, ArrayView<float> x, ArrayView<int> flag, int code, GridStride g)
    {
        var found = false;
        for (int i = index; i < g.Items; i += g.Stride)
            found |= !XMath.IsFinite(x[i]);
        if (found)
            Atomic.CompareExchange(ref flag[0], 0, code);
    }
}
