namespace ILGPUAE.Convolution;

using ILGPU;
using ILGPU.Runtime;
using ILGPUAE.Activation;
using ILGPUAE.Backend;
using ILGPUAE.Ilgpu;
// A direct kernel for one activation struct: (threads, in, weights, bias or input, out, sizes, stride).
using Conv2dKernel = System.Action<ILGPU.Index1D, ILGPU.ArrayView<float>, ILGPU.ArrayView<float>, ILGPU.ArrayView<float>, ILGPU.ArrayView<float>,
    ILGPUAE.Convolution.Conv2dParameters, ILGPUAE.Ilgpu.GridStride>;

/// <summary>
/// <see cref="IConv2d"/> on an ILGPU accelerator: kernels loaded on first use (a model without convolutions compiles none), shapes
/// checked before each launch. The parameter gradients' partial sums live in one buffer kept here, grown only when a larger
/// convolution first needs more, so a step allocates nothing.
/// </summary>
public sealed class Conv2dLauncher : IConv2d, IDisposable
{
    /// <summary>Threads (and so partial sums) the parameter-gradient pass aims at on a GPU; the CPU accelerator uses its thread count.</summary>
    private const int GpuPartialTarget = 1 << 15;

    private readonly IlgpuBackend backend;

    // Indexed by Backend.Activation.
    private readonly Conv2dKernel?[] forward = new Conv2dKernel?[Activations.All.Count];
    private readonly Conv2dKernel?[] inputGradient = new Conv2dKernel?[Activations.All.Count];
    private readonly Lazy<Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, Conv2dParameters, int, GridStride>> partials;
    private readonly Lazy<Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, float, float, GridStride>> reduce;
    private MemoryBuffer1D<float, Stride1D.Dense>? partialSums;

    public Conv2dLauncher(IlgpuBackend backend)
    {
        this.backend = backend;
        var acc = backend.Accelerator;
        partials = new(() => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, Conv2dParameters, int, GridStride>(
            Conv2dKernels.ParameterPartials));
        reduce = new(() => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, float, float, GridStride>(
            Conv2dKernels.ParameterReduce));
    }

    public void Forward(Conv2dGeometry geometry, Tensor<float> x, Tensor<float> weights, Tensor<float> bias, Backend.Activation activation, Tensor<float> y)
    {
        Shapes.Conv2dForward(geometry, x, weights, bias, activation, y);
        if (y.Length == 0)
            return;
        var kernel = forward[(int)activation] ??= Activations.Visit(activation, new Loader(backend.Accelerator, forward: true));
        var g = backend.Stride(y.Length);
        kernel(g.Stride, backend.ViewOf(x, nameof(x)).AsContiguous(), backend.ViewOf(weights, nameof(weights)).AsContiguous(),
            backend.ViewOf(bias, nameof(bias)).AsContiguous(), backend.ViewOf(y, nameof(y)).AsContiguous(), new Conv2dParameters(geometry, x.Rows), g);
    }

    public void InputGradient(Conv2dGeometry geometry, Tensor<float> dy, Tensor<float> weights, Tensor<float> input, Backend.Activation inputActivation,
        Tensor<float> dx)
    {
        Shapes.Conv2dInputGradient(geometry, dy, weights, input, inputActivation, dx);
        if (dx.Length == 0)
            return;
        var kernel = inputGradient[(int)inputActivation] ??= Activations.Visit(inputActivation, new Loader(backend.Accelerator, forward: false));
        var g = backend.Stride(dx.Length);
        kernel(g.Stride, backend.ViewOf(dy, nameof(dy)).AsContiguous(), backend.ViewOf(weights, nameof(weights)).AsContiguous(),
            backend.ViewOf(input, nameof(input)).AsContiguous(), backend.ViewOf(dx, nameof(dx)).AsContiguous(), new Conv2dParameters(geometry, dy.Rows), g);
    }

    /// <summary>
    /// Two launches: partial sums over slices of the b·H image rows (enough slices for every thread the device runs at once), then one
    /// thread per parameter adds its slices in order and applies the beta. An empty batch still writes beta·old (the sums are 0).
    /// </summary>
    public void ParameterGradients(Conv2dGeometry geometry, Tensor<float> dy, Tensor<float> x, Tensor<float> weightsGrad, float weightsBeta,
        Tensor<float> biasGrad, float biasBeta)
    {
        Shapes.Conv2dParameterGradients(geometry, dy, x, weightsGrad, biasGrad);
        var parameters = geometry.WeightLength + geometry.OutChannels;
        var rows = dy.Rows * geometry.Height;
        var target = backend.IsCpuAccelerator ? backend.Accelerator.MaxNumThreads : GpuPartialTarget;
        var slices = Math.Clamp(target / parameters, 1, Math.Max(1, rows));
        var need = (long)slices * parameters;
        if (partialSums is null || partialSums.Length < need)
        {
            partialSums?.Dispose();
            partialSums = backend.Accelerator.Allocate1D<float>(need);
        }
        var sums = partialSums.View.AsContiguous().SubView(0, need);
        var items = backend.Stride((int)need);
        partials.Value(items.Stride, backend.ViewOf(dy, nameof(dy)).AsContiguous(), backend.ViewOf(x, nameof(x)).AsContiguous(), sums,
            new Conv2dParameters(geometry, dy.Rows), slices, items);
        var g = backend.Stride(parameters);
        reduce.Value(g.Stride, sums, backend.ViewOf(weightsGrad, nameof(weightsGrad)).AsContiguous(), backend.ViewOf(biasGrad, nameof(biasGrad)).AsContiguous(),
            geometry.WeightLength, slices, weightsBeta, biasBeta, g);
    }

    public void Dispose() => partialSums?.Dispose();

    /// <summary>Loads <see cref="Conv2dKernels.Forward{TAct}"/> or <see cref="Conv2dKernels.InputGradient{TAct}"/> for the struct <see cref="Activations.Visit{TResult}"/> picks.</summary>
    private sealed class Loader(Accelerator accelerator, bool forward) : IActivationVisitor<Conv2dKernel>
    {
        public Conv2dKernel Visit<TAct>() where TAct : struct, IActivation => forward
            ? accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, Conv2dParameters, GridStride>(
                Conv2dKernels.Forward<TAct>)
            : accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, Conv2dParameters, GridStride>(
                Conv2dKernels.InputGradient<TAct>);
    }
}
