namespace ILGPUAE.Corruption;

using ILGPU;
using ILGPUAE.Ilgpu;
using ILGPUAE.Random;

/// <summary>Batch gather and masking noise, grid-stride over the elements of the [M,N] batch.</summary>
public static class CorruptionKernels
{
    /// <summary>destination[m,j] = data[indices[m], j].</summary>
    public static void Gather(Index1D index, ArrayView<float> data, ArrayView<int> indices, ArrayView<float> destination, int n, GridStride g)
    {
        for (int i = index; i < g.Items; i += g.Stride)
        {
            var m = i / n;
            var j = i - m * n;
            destination[i] = data[(long)indices[m] * n + j];
        }
    }

    /// <summary>destination[m,j] = 0 if Hash32(seed, stream, epoch, indices[m], j) &lt; threshold, else x[m,j].</summary>
    public static void Mask(Index1D index, ArrayView<float> x, ArrayView<int> indices, ArrayView<float> destination, MaskParameters p, GridStride g)
    {
        for (int i = index; i < g.Items; i += g.Stride)
        {
            var m = i / p.Columns;
            var j = i - m * p.Columns;
            var h = CounterRng.Hash32(p.Seed, p.Stream, p.Epoch, (uint)indices[m], (uint)j);
            destination[i] = h < p.Threshold ? 0f : x[i];
        }
    }

    /// <summary>
    /// clean[m,j] = v and masked[m,j] = (Hash32(seed, stream, epoch, indices[m], j) &lt; threshold ? 0 : v), v = data[indices[m], j]:
    /// <see cref="Gather"/> then <see cref="Mask"/> in one launch, each value read once.
    /// </summary>
    public static void GatherMask(Index1D index, ArrayView<float> data, ArrayView<int> indices, ArrayView<float> clean, ArrayView<float> masked,
        MaskParameters p, GridStride g)
    {
        for (int i = index; i < g.Items; i += g.Stride)
        {
            var m = i / p.Columns;
            var j = i - m * p.Columns;
            var example = indices[m];
            var v = data[(long)example * p.Columns + j];
            clean[i] = v;
            var h = CounterRng.Hash32(p.Seed, p.Stream, p.Epoch, (uint)example, (uint)j);
            masked[i] = h < p.Threshold ? 0f : v;
        }
    }
}

/// <summary>The scalars of one masking launch.</summary>
public readonly struct MaskParameters
{
    public MaskParameters(ulong seed, uint stream, uint epoch, ulong threshold, int columns)
    {
        Seed = seed; Stream = stream; Epoch = epoch; Threshold = threshold; Columns = columns;
    }

    public ulong Seed { get; }
    public uint Stream { get; }
    public uint Epoch { get; }
    public ulong Threshold { get; }
    public int Columns { get; }
}
