namespace ILGPUAE.Pooling;

using ILGPU;
using ILGPU.Runtime;
using ILGPUAE.Activation;
using ILGPUAE.Backend;
using ILGPUAE.Ilgpu;

// A backward kernel for one activation struct: (threads, delta, argmax, input, inputDelta, geometry, stride).
using MaxPoolBackwardKernel = System.Action<ILGPU.Index1D, ILGPU.ArrayView<float>, ILGPU.ArrayView<int>, ILGPU.ArrayView<float>,
    ILGPU.ArrayView<float>, ILGPUAE.Pooling.PoolParameters, ILGPUAE.Ilgpu.GridStride>;
// (threads, delta, input, inputDelta, geometry, stride).
using UpsampleBackwardKernel = System.Action<ILGPU.Index1D, ILGPU.ArrayView<float>, ILGPU.ArrayView<float>, ILGPU.ArrayView<float>,
    ILGPUAE.Pooling.PoolParameters, ILGPUAE.Ilgpu.GridStride>;

/// <summary><see cref="IPooling"/> on an ILGPU accelerator: forward kernels loaded once, backward kernels per activation on first use.</summary>
public sealed class PoolingLauncher : IPooling
{
    private readonly IlgpuBackend backend;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, PoolParameters, GridStride> maxPool;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, PoolParameters, GridStride> upsample;

    // Indexed by Backend.Activation.
    private readonly MaxPoolBackwardKernel?[] maxPoolBackward = new MaxPoolBackwardKernel?[Activations.All.Count];
    private readonly UpsampleBackwardKernel?[] upsampleBackward = new UpsampleBackwardKernel?[Activations.All.Count];

    public PoolingLauncher(IlgpuBackend backend)
    {
        this.backend = backend;
        var acc = backend.Accelerator;
        maxPool = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, PoolParameters, GridStride>(
            PoolingKernels.MaxPool2d);
        upsample = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, PoolParameters, GridStride>(PoolingKernels.Upsample2d);
    }

    public void MaxPool2d(Tensor<float> x, int channels, int height, int width, Tensor<float> y, Tensor<int> argmax)
    {
        Shapes.MaxPool2d(x, channels, height, width, y, argmax);
        if (y.Length == 0)
            return;
        var g = backend.Stride(y.Length);
        maxPool(g.Stride, backend.ViewOf(x, nameof(x)).AsContiguous(), backend.ViewOf(y, nameof(y)).AsContiguous(),
            backend.ViewOf(argmax, nameof(argmax)).AsContiguous(), new PoolParameters(height, width), g);
    }

    public void MaxPool2dBackward(Tensor<float> delta, Tensor<int> argmax, Tensor<float> input, Activation inputActivation, int channels, int height,
        int width, Tensor<float> inputDelta)
    {
        Shapes.MaxPool2dBackward(delta, argmax, input, inputActivation, channels, height, width, inputDelta);
        if (input.Length == 0)
            return;
        var kernel = maxPoolBackward[(int)inputActivation] ??= Activations.Visit(inputActivation, new MaxPoolBackwardLoader(backend.Accelerator));
        var g = backend.Stride(input.Length);
        kernel(g.Stride, backend.ViewOf(delta, nameof(delta)).AsContiguous(), backend.ViewOf(argmax, nameof(argmax)).AsContiguous(),
            backend.ViewOf(input, nameof(input)).AsContiguous(), backend.ViewOf(inputDelta, nameof(inputDelta)).AsContiguous(),
            new PoolParameters(height, width), g);
    }

    public void Upsample2d(Tensor<float> x, int channels, int height, int width, Tensor<float> y)
    {
        Shapes.Upsample2d(x, channels, height, width, y);
        if (y.Length == 0)
            return;
        var g = backend.Stride(y.Length);
        upsample(g.Stride, backend.ViewOf(x, nameof(x)).AsContiguous(), backend.ViewOf(y, nameof(y)).AsContiguous(), new PoolParameters(height, width), g);
    }

    public void Upsample2dBackward(Tensor<float> delta, Tensor<float> input, Activation inputActivation, int channels, int height, int width,
        Tensor<float> inputDelta)
    {
        Shapes.Upsample2dBackward(delta, input, inputActivation, channels, height, width, inputDelta);
        if (input.Length == 0)
            return;
        var kernel = upsampleBackward[(int)inputActivation] ??= Activations.Visit(inputActivation, new UpsampleBackwardLoader(backend.Accelerator));
        var g = backend.Stride(input.Length);
        kernel(g.Stride, backend.ViewOf(delta, nameof(delta)).AsContiguous(), backend.ViewOf(input, nameof(input)).AsContiguous(),
            backend.ViewOf(inputDelta, nameof(inputDelta)).AsContiguous(), new PoolParameters(height, width), g);
    }

    private sealed class MaxPoolBackwardLoader(Accelerator accelerator) : IActivationVisitor<MaxPoolBackwardKernel>
    {
        public MaxPoolBackwardKernel Visit<TAct>() where TAct : struct, IActivation =>
            accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, PoolParameters, GridStride>(
                PoolingKernels.MaxPool2dBackward<TAct>);
    }

    private sealed class UpsampleBackwardLoader(Accelerator accelerator) : IActivationVisitor<UpsampleBackwardKernel>
    {
        public UpsampleBackwardKernel Visit<TAct>() where TAct : struct, IActivation =>
            accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, PoolParameters, GridStride>(
                PoolingKernels.Upsample2dBackward<TAct>);
    }
}
