namespace ILGPUAE.Delta;

using ILGPU;
using ILGPU.Runtime;
using ILGPUAE.Backend;
using ILGPUAE.Ilgpu;

public sealed class DeltaLauncher : IDelta
{
    private readonly IlgpuBackend backend;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, GridStride> squaredError;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, GridStride> crossEntropy;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, GridStride> rowLoss;

    public DeltaLauncher(IlgpuBackend backend)
    {
        this.backend = backend;
        var acc = backend.Accelerator;
        squaredError = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, GridStride>(DeltaKernels.SquaredErrorSigmoid);
        crossEntropy = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, GridStride>(DeltaKernels.CrossEntropySigmoid);
        rowLoss = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, GridStride>(DeltaKernels.RowLoss);
    }

    public void SigmoidOutputDelta(LossKind loss, Tensor<float> z, Tensor<float> x, float scale, Tensor<float> delta, Tensor<float> losses)
    {
        Shapes.OutputDelta(z, x, delta, losses);
        if (z.Length == 0)
            return;
        var zv = backend.ViewOf(z, nameof(z)).AsContiguous();
        var xv = backend.ViewOf(x, nameof(x)).AsContiguous();
        var dv = backend.ViewOf(delta, nameof(delta)).AsContiguous();
        var kernel = loss switch
        {
            LossKind.SquaredError => squaredError,
            LossKind.CrossEntropy => crossEntropy,
            _ => throw new ArgumentOutOfRangeException(nameof(loss), loss, null),
        };
        var elements = backend.Stride(z.Length);
        kernel(elements.Stride, zv, xv, dv, scale, elements);
        var rows = backend.Stride(z.Shape[0]);
        rowLoss(rows.Stride, zv, xv, backend.ViewOf(losses, nameof(losses)).AsContiguous(), z.RowLength, (int)loss, rows);
    }
}
