namespace ILGPUAE.Optimizer;

using ILGPU;
using ILGPU.Runtime;
using ILGPUAE.Backend;
using ILGPUAE.Ilgpu;

public sealed class OptimizerLauncher : IOptimizer
{
    private readonly IlgpuBackend backend;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, float, GridStride> sgd;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float, GridStride> sgdMomentum;

    public OptimizerLauncher(IlgpuBackend backend)
    {
        this.backend = backend;
        var acc = backend.Accelerator;
        sgd = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, float, GridStride>(OptimizerKernels.Sgd);
        sgdMomentum = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float, GridStride>(OptimizerKernels.SgdMomentum);
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
}
