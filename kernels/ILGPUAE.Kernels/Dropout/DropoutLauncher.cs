namespace ILGPUAE.Dropout;

using ILGPU;
using ILGPU.Runtime;
using ILGPUAE.Activation;
using ILGPUAE.Backend;
using ILGPUAE.Corruption;
using ILGPUAE.Ilgpu;
using ILGPUAE.Random;

// The backward for one activation struct: (threads, delta, input, indices, destination, mask, scale, stride).
using DropoutBackwardKernel = System.Action<ILGPU.Index1D, ILGPU.ArrayView<float>, ILGPU.ArrayView<float>, ILGPU.ArrayView<int>,
    ILGPU.ArrayView<float>, ILGPUAE.Corruption.MaskParameters, float, ILGPUAE.Ilgpu.GridStride>;

/// <summary><see cref="IDropout"/> on an ILGPU accelerator: the forward kernel loaded once, the backward per activation on first use.</summary>
public sealed class DropoutLauncher : IDropout
{
    private readonly IlgpuBackend backend;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, MaskParameters, float, GridStride> forward;

    // Indexed by Backend.Activation.
    private readonly DropoutBackwardKernel?[] backward = new DropoutBackwardKernel?[Activations.All.Count];

    public DropoutLauncher(IlgpuBackend backend)
    {
        this.backend = backend;
        forward = backend.Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, MaskParameters, float,
            GridStride>(DropoutKernels.Forward);
    }

    public void Forward(Tensor<float> x, Tensor<int> indices, NoiseKey key, float probability, Tensor<float> destination)
    {
        Shapes.Dropout(x, indices, probability, destination);
        if (x.Length == 0)
            return;
        var g = backend.Stride(x.Length);
        forward(g.Stride, backend.ViewOf(x, nameof(x)).AsContiguous(), backend.ViewOf(indices, nameof(indices)).AsContiguous(),
            backend.ViewOf(destination, nameof(destination)).AsContiguous(), Mask(key, probability, x.RowLength), DropoutMath.Scale(probability), g);
    }

    public void Backward(Tensor<float> delta, Tensor<float> input, Activation inputActivation, Tensor<int> indices, NoiseKey key, float probability,
        Tensor<float> destination)
    {
        Shapes.DropoutBackward(delta, input, inputActivation, indices, probability, destination);
        if (delta.Length == 0)
            return;
        var kernel = backward[(int)inputActivation] ??= Activations.Visit(inputActivation, new BackwardLoader(backend.Accelerator));
        var g = backend.Stride(delta.Length);
        kernel(g.Stride, backend.ViewOf(delta, nameof(delta)).AsContiguous(), backend.ViewOf(input, nameof(input)).AsContiguous(),
            backend.ViewOf(indices, nameof(indices)).AsContiguous(), backend.ViewOf(destination, nameof(destination)).AsContiguous(),
            Mask(key, probability, delta.RowLength), DropoutMath.Scale(probability), g);
    }

    private static MaskParameters Mask(NoiseKey key, float probability, int columns) =>
        new(key.Seed, (uint)key.Stream, key.Epoch, CounterRng.BernoulliThreshold(probability), columns);

    private sealed class BackwardLoader(Accelerator accelerator) : IActivationVisitor<DropoutBackwardKernel>
    {
        public DropoutBackwardKernel Visit<TAct>() where TAct : struct, IActivation =>
            accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, MaskParameters, float,
                GridStride>(DropoutKernels.Backward<TAct>);
    }
}
