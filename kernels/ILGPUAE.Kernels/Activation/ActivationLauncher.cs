namespace ILGPUAE.Activation;

using ILGPU;
using ILGPU.Runtime;
using ILGPUAE.Backend;
using ILGPUAE.Ilgpu;

public sealed class ActivationLauncher : IActivation
{
    private readonly IlgpuBackend backend;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, GridStride> biasSigmoid;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, GridStride> biasIdentity;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, GridStride> sigmoidBackward;

    public ActivationLauncher(IlgpuBackend backend)
    {
        this.backend = backend;
        var acc = backend.Accelerator;
        biasSigmoid = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, GridStride>(ActivationKernels.BiasSigmoid);
        biasIdentity = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, GridStride>(ActivationKernels.BiasIdentity);
        sigmoidBackward = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, GridStride>(ActivationKernels.SigmoidBackward);
    }

    public void BiasActivate(Tensor<float> x, Tensor<float> bias, Backend.Activation activation)
    {
        Shapes.BiasActivate(x, bias);
        if (x.Length == 0)
            return;
        var kernel = activation switch
        {
            Backend.Activation.Sigmoid => biasSigmoid,
            Backend.Activation.Identity => biasIdentity,
            _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, null),
        };
        var g = backend.Stride(x.Length);
        kernel(g.Stride, backend.ViewOf(x, nameof(x)).AsContiguous(), backend.ViewOf(bias, nameof(bias)).AsContiguous(), g);
    }

    public void Backward(Tensor<float> grad, Tensor<float> y, Backend.Activation activation)
    {
        Shapes.RequireSame(grad, nameof(grad), y, nameof(y));
        if (activation == Backend.Activation.Identity || grad.Length == 0)
            return;
        if (activation != Backend.Activation.Sigmoid)
            throw new ArgumentOutOfRangeException(nameof(activation), activation, null);
        var g = backend.Stride(grad.Length);
        sigmoidBackward(g.Stride, backend.ViewOf(grad, nameof(grad)).AsContiguous(), backend.ViewOf(y, nameof(y)).AsContiguous(), g);
    }
}
