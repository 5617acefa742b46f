namespace ILGPUAE.Corruption;

using ILGPU;
using ILGPUAE.Activation;
using ILGPUAE.Ilgpu;
using ILGPUAE.Random;

/// <summary>Batch gather and corruption noise, grid-stride over the elements of the [M,N] batch (N = the row length).</summary>
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

    /// <summary>destination[m,j] = noise.Apply(x[m,j], Hash64(seed, stream, epoch, indices[m], j)); destination may be x.</summary>
    public static void Corrupt<TNoise>(Index1D index, ArrayView<float> x, ArrayView<int> indices, ArrayView<float> destination, NoiseParameters p,
        TNoise noise, GridStride g)
        where TNoise : struct, IElementNoise
    {
        for (int i = index; i < g.Items; i += g.Stride)
        {
            var m = i / p.Columns;
            var j = i - m * p.Columns;
            destination[i] = noise.Apply(x[i], CounterRng.Hash64(p.Seed, p.Stream, p.Epoch, (uint)indices[m], (uint)j));
        }
    }

    /// <summary>clean[m,j] = v and corrupted[m,j] = noise.Apply(v, Hash64(seed, stream, epoch, indices[m], j)), v = data[indices[m], j].</summary>
    public static void GatherCorrupt<TNoise>(Index1D index, ArrayView<float> data, ArrayView<int> indices, ArrayView<float> clean,
        ArrayView<float> corrupted, NoiseParameters p, TNoise noise, GridStride g)
        where TNoise : struct, IElementNoise
    {
        for (int i = index; i < g.Items; i += g.Stride)
        {
            var m = i / p.Columns;
            var j = i - m * p.Columns;
            var example = indices[m];
            var v = data[(long)example * p.Columns + j];
            clean[i] = v;
            corrupted[i] = noise.Apply(v, CounterRng.Hash64(p.Seed, p.Stream, p.Epoch, (uint)example, (uint)j));
        }
    }

    /// <summary>
    /// destination[m,j] = 0 if Hash32(seed, stream, epoch, indices[m], j) &lt; threshold, else delta[m,j]·act′ through input[m,j]
    /// (<see cref="IActivation.Backward(float, float)"/> of TAct): the gradient through a corruption and the activation below it.
    /// Threshold 0 (Gaussian noise, which replaces nothing) draws no hash. destination may be delta or input.
    /// </summary>
    public static void CorruptActivationBackward<TAct>(Index1D index, ArrayView<float> delta, ArrayView<float> input, ArrayView<int> indices,
        ArrayView<float> destination, MaskParameters p, GridStride g)
        where TAct : struct, IActivation
    {
        for (int i = index; i < g.Items; i += g.Stride)
        {
            var m = i / p.Columns;
            var j = i - m * p.Columns;
            var replaced = p.Threshold != 0 && CounterRng.Hash32(p.Seed, p.Stream, p.Epoch, (uint)indices[m], (uint)j) < p.Threshold;
            destination[i] = replaced ? 0f : default(TAct).Backward(delta[i], input[i]);
        }
    }

    /// <summary>destination[i] = source[i]: the backward of Gaussian noise (a kernel, not a memcpy, so the two may be one buffer).</summary>
    public static void Copy(Index1D index, ArrayView<float> source, ArrayView<float> destination, GridStride g)
    {
        for (int i = index; i < g.Items; i += g.Stride)
            destination[i] = source[i];
    }
}

/// <summary>The counters of one corruption launch: seed, stream, epoch, and the row length that splits an element index into (m, j).</summary>
public readonly struct NoiseParameters
{
    public NoiseParameters(ulong seed, uint stream, uint epoch, int columns)
    {
        Seed = seed; Stream = stream; Epoch = epoch; Columns = columns;
    }

    public ulong Seed { get; }
    public uint Stream { get; }
    public uint Epoch { get; }
    public int Columns { get; }
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
