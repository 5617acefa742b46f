namespace ILGPUAE.Dropout;

using ILGPU;
using ILGPUAE.Activation;
using ILGPUAE.Corruption;
using ILGPUAE.Ilgpu;
using ILGPUAE.Random;

/// <summary>Inverted dropout, grid-stride over the elements of [M,N] (N = the row length); the mask is <see cref="CorruptionKernels.Mask"/>'s draw.</summary>
public static class DropoutKernels
{
    /// <summary>destination[m,j] = 0 if Hash32(seed, stream, epoch, indices[m], j) &lt; threshold, else x[m,j]·scale; destination may be x.</summary>
    public static void Forward(Index1D index, ArrayView<float> x, ArrayView<int> indices, ArrayView<float> destination, MaskParameters p, float scale,
        GridStride g)
    {
        for (int i = index; i < g.Items; i += g.Stride)
        {
            var m = i / p.Columns;
            var j = i - m * p.Columns;
            var h = CounterRng.Hash32(p.Seed, p.Stream, p.Epoch, (uint)indices[m], (uint)j);
            destination[i] = h < p.Threshold ? 0f : x[i] * scale;
        }
    }

    /// <summary>destination[m,j] = 0 where dropped, else <see cref="IActivation.Backward(float, float)"/>(delta[m,j]·scale, input[m,j]).</summary>
    public static void Backward<TAct>(Index1D index, ArrayView<float> delta, ArrayView<float> input, ArrayView<int> indices, ArrayView<float> destination,
        MaskParameters p, float scale, GridStride g)
        where TAct : struct, IActivation
    {
        for (int i = index; i < g.Items; i += g.Stride)
        {
            var m = i / p.Columns;
            var j = i - m * p.Columns;
            var dropped = p.Threshold != 0 && CounterRng.Hash32(p.Seed, p.Stream, p.Epoch, (uint)indices[m], (uint)j) < p.Threshold;
            destination[i] = dropped ? 0f : default(TAct).Backward(delta[i] * scale, input[i]);
        }
    }
}
