namespace ILGPUAE.Optimizer;

using ILGPU;
using ILGPU.Runtime;
using ILGPUAE.Backend;
using ILGPUAE.Ilgpu;

/// <summary>
/// The Optimizer family on an ILGPU accelerator: every kernel loaded once; the squared-norm partials of gradient clipping
/// live in one buffer allocated here, so a step allocates nothing.
/// </summary>
public sealed class OptimizerLauncher : IOptimizer, IDisposable
{
    /// <summary>Threads (and partial sums) of the squared-norm pass on a GPU; the CPU accelerator uses its thread count.</summary>
    private const int GpuNormPartials = 4096;

    private readonly IlgpuBackend backend;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, float, GridStride> sgd;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float, GridStride> sgdMomentum;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, SgdStep, GridStride> sgdRule;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, RmsPropStep, GridStride> rmsProp;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, AdamStep, GridStride> adam;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, FistaStep, GridStride> fista;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, int> squaredNormPartials;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, float> clipCoefficient;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, GridStride> scaleByCoefficient;

    /// <summary>[P]: one squared-norm partial per thread of <see cref="OptimizerKernels.SquaredNormPartials"/>.</summary>
    private readonly MemoryBuffer1D<float, Stride1D.Dense> normPartials;

    public OptimizerLauncher(IlgpuBackend backend)
    {
        this.backend = backend;
        var acc = backend.Accelerator;
        sgd = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, float, GridStride>(OptimizerKernels.Sgd);
        sgdMomentum = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float, GridStride>(OptimizerKernels.SgdMomentum);
        sgdRule = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, SgdStep, GridStride>(OptimizerKernels.SgdRule);
        rmsProp = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, RmsPropStep, GridStride>(
            OptimizerKernels.RmsProp);
        adam = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, AdamStep, GridStride>(OptimizerKernels.Adam);
        fista = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, FistaStep, GridStride>(OptimizerKernels.Fista);
        squaredNormPartials = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int>(OptimizerKernels.SquaredNormPartials);
        clipCoefficient = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, float>(OptimizerKernels.ClipCoefficient);
        scaleByCoefficient = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, GridStride>(OptimizerKernels.ScaleByCoefficient);
        normPartials = acc.Allocate1D<float>(backend.IsCpuAccelerator ? Math.Max(1, acc.MaxNumThreads) : GpuNormPartials);
    }

    public void Sgd(Tensor<float> param, Tensor<float> grad, Tensor<float>? velocity, float learningRate, float momentum)
    {
        Shapes.Sgd(param, grad, velocity, momentum);
        if (param.Length == 0)
            return;
        var pv = backend.ViewOf(param, nameof(param)).AsContiguous();
        var gv = backend.ViewOf(grad, nameof(grad)).AsContiguous();
        if (momentum == 0f)
        {
            var g = backend.Stride(param.Length);
            sgd(g.Stride, pv, gv, learningRate, g);
            return;
        }
        var s = backend.Stride(param.Length);
        sgdMomentum(s.Stride, pv, gv, backend.ViewOf(velocity!, nameof(velocity)).AsContiguous(), learningRate, momentum, s);
    }

    public void Sgd(Tensor<float> param, Tensor<float> grad, Tensor<float>? momentumBuffer, SgdSettings settings, long step)
    {
        Shapes.SgdRule(param, grad, momentumBuffer, settings, step);
        if (param.Length == 0)
            return;
        var pv = backend.ViewOf(param, nameof(param)).AsContiguous();
        var g = backend.Stride(param.Length);
        sgdRule(g.Stride, pv, backend.ViewOf(grad, nameof(grad)).AsContiguous(), StateOrParam(momentumBuffer, pv, "momentum_buffer"),
            new SgdStep(settings, step), g);
    }

    public void RmsProp(Tensor<float> param, Tensor<float> grad, Tensor<float> squareAvg, Tensor<float>? gradAvg, Tensor<float>? momentumBuffer,
        RmsPropSettings settings)
    {
        Shapes.RmsProp(param, grad, squareAvg, gradAvg, momentumBuffer, settings);
        if (param.Length == 0)
            return;
        var pv = backend.ViewOf(param, nameof(param)).AsContiguous();
        var g = backend.Stride(param.Length);
        rmsProp(g.Stride, pv, backend.ViewOf(grad, nameof(grad)).AsContiguous(), backend.ViewOf(squareAvg, "square_avg").AsContiguous(),
            StateOrParam(settings.Centered ? gradAvg : null, pv, "grad_avg"), StateOrParam(settings.Momentum > 0f ? momentumBuffer : null, pv, "momentum_buffer"),
            new RmsPropStep(settings), g);
    }

    public void Adam(Tensor<float> param, Tensor<float> grad, Tensor<float> expAvg, Tensor<float> expAvgSq, AdamSettings settings, long step)
    {
        Shapes.Adam(param, grad, expAvg, expAvgSq, step);
        if (param.Length == 0)
            return;
        var g = backend.Stride(param.Length);
        adam(g.Stride, backend.ViewOf(param, nameof(param)).AsContiguous(), backend.ViewOf(grad, nameof(grad)).AsContiguous(),
            backend.ViewOf(expAvg, "exp_avg").AsContiguous(), backend.ViewOf(expAvgSq, "exp_avg_sq").AsContiguous(), new AdamStep(settings, step), g);
    }

    public void Fista(Tensor<float> param, Tensor<float> grad, Tensor<float> previous, FistaSettings settings, long step)
    {
        Shapes.Fista(param, grad, previous, settings, step);
        if (param.Length == 0)
            return;
        var g = backend.Stride(param.Length);
        fista(g.Stride, backend.ViewOf(param, nameof(param)).AsContiguous(), backend.ViewOf(grad, nameof(grad)).AsContiguous(),
            backend.ViewOf(previous, nameof(previous)).AsContiguous(), new FistaStep(settings, step), g);
    }

    /// <summary>
    /// Three passes, none read back: the squared-norm partials of every gradient ([P], P threads), one thread that sums them
    /// into norm [2], then every gradient scaled by norm[1].
    /// </summary>
    public void ClipGradNorm(IReadOnlyList<Tensor<float>> grads, float maxNorm, Tensor<float> norm)
    {
        Shapes.ClipGradNorm(grads, maxNorm, norm);
        var nv = backend.ViewOf(norm, nameof(norm)).AsContiguous();
        var partials = normPartials.View.AsContiguous();
        for (var k = 0; k < grads.Count; k++)
            squaredNormPartials((int)partials.Length, backend.ViewOf(grads[k], nameof(grads)).AsContiguous(), partials, k == 0 ? 0 : 1);
        clipCoefficient(1, partials, nv, maxNorm);
        for (var k = 0; k < grads.Count; k++)
        {
            if (grads[k].Length == 0)
                continue;
            var g = backend.Stride(grads[k].Length);
            scaleByCoefficient(g.Stride, backend.ViewOf(grads[k], nameof(grads)).AsContiguous(), nv, g);
        }
    }

    /// <summary>The state's view, or param's where the rule's settings never touch that state (a kernel needs some view).</summary>
    private ArrayView<float> StateOrParam(Tensor<float>? state, ArrayView<float> param, string name) =>
        state is null ? param : backend.ViewOf(state, name).AsContiguous();

    public void Dispose() => normPartials.Dispose();
}
