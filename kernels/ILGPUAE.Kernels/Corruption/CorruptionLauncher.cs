namespace ILGPUAE.Corruption;

using ILGPU;
using ILGPU.Runtime;
using ILGPUAE.Backend;
using ILGPUAE.Ilgpu;
using ILGPUAE.Random;

public sealed class CorruptionLauncher : ICorruption
{
    private readonly IlgpuBackend backend;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, int, GridStride> gather;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, MaskParameters, GridStride> mask;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, MaskParameters, GridStride> gatherMask;

    public CorruptionLauncher(IlgpuBackend backend)
    {
        this.backend = backend;
        var acc = backend.Accelerator;
        gather = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, int, GridStride>(CorruptionKernels.Gather);
        mask = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, MaskParameters, GridStride>(CorruptionKernels.Mask);
        gatherMask = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, MaskParameters, GridStride>(
            CorruptionKernels.GatherMask);
    }

    public void Gather(Tensor<float> data, Tensor<int> indices, Tensor<float> destination)
    {
        Shapes.Gather(data, indices, destination);
        if (destination.Length == 0)
            return;
        var g = backend.Stride(destination.Length);
        gather(g.Stride, backend.ViewOf(data, nameof(data)).AsContiguous(), backend.ViewOf(indices, nameof(indices)).AsContiguous(),
            backend.ViewOf(destination, nameof(destination)).AsContiguous(), destination.RowLength, g);
    }

    public void Mask(Tensor<float> x, Tensor<int> indices, NoiseKey key, float probability, Tensor<float> destination)
    {
        Shapes.Mask(x, indices, destination);
        if (x.Length == 0)
            return;
        var p = new MaskParameters(key.Seed, (uint)key.Stream, key.Epoch, CounterRng.BernoulliThreshold(probability), x.RowLength);
        var g = backend.Stride(x.Length);
        mask(g.Stride, backend.ViewOf(x, nameof(x)).AsContiguous(), backend.ViewOf(indices, nameof(indices)).AsContiguous(),
            backend.ViewOf(destination, nameof(destination)).AsContiguous(), p, g);
    }

    public void GatherMask(Tensor<float> data, Tensor<int> indices, NoiseKey key, float probability, Tensor<float> clean, Tensor<float> masked)
    {
        Shapes.GatherMask(data, indices, clean, masked);
        if (clean.Length == 0)
            return;
        var p = new MaskParameters(key.Seed, (uint)key.Stream, key.Epoch, CounterRng.BernoulliThreshold(probability), clean.RowLength);
        var g = backend.Stride(clean.Length);
        gatherMask(g.Stride, backend.ViewOf(data, nameof(data)).AsContiguous(), backend.ViewOf(indices, nameof(indices)).AsContiguous(),
            backend.ViewOf(clean, nameof(clean)).AsContiguous(), backend.ViewOf(masked, nameof(masked)).AsContiguous(), p, g);
    }
}
