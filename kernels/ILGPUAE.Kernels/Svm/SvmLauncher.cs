namespace ILGPUAE.Svm;

using ILGPU;
using ILGPU.Runtime;
using ILGPUAE.Backend;
using ILGPUAE.Ilgpu;

public sealed class SvmLauncher : ISvm
{
    private readonly IlgpuBackend backend;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int, int,
        GridStride> squaredHinge;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, GridStride> activeSet;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, GridStride> rowDots;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, GridStride> rowAxpby;

    public SvmLauncher(IlgpuBackend backend)
    {
        this.backend = backend;
        var acc = backend.Accelerator;
        squaredHinge = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>,
            ArrayView<float>, int, int, GridStride>(SvmKernels.SquaredHinge);
        activeSet = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, GridStride>(SvmKernels.ActiveSet);
        rowDots = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, GridStride>(SvmKernels.RowDots);
        rowAxpby = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, GridStride>(
            SvmKernels.RowAxpby);
    }

    public void SquaredHinge(Tensor<float> scores, Tensor<float>? direction, Tensor<float>? steps, Tensor<int> labels, Tensor<float> residual,
        Tensor<float> losses)
    {
        Shapes.SvmSquaredHinge(scores, direction, steps, labels, residual, losses);
        if (scores.Length == 0)
            return;
        var g = backend.Stride(scores.Length);
        var scoresView = backend.ViewOf(scores, nameof(scores)).AsContiguous();
        // Without a direction the kernel reads neither it nor the steps: the scores stand in for both views.
        squaredHinge(g.Stride, scoresView, direction is null ? scoresView : backend.ViewOf(direction, nameof(direction)).AsContiguous(),
            steps is null ? scoresView : backend.ViewOf(steps, nameof(steps)).AsContiguous(), backend.ViewOf(labels, nameof(labels)).AsContiguous(),
            backend.ViewOf(residual, nameof(residual)).AsContiguous(), backend.ViewOf(losses, nameof(losses)).AsContiguous(), scores.Shape[1],
            direction is null ? 0 : 1, g);
    }

    public void ActiveSet(Tensor<float> residual, Tensor<float> x, Tensor<float> destination)
    {
        Shapes.SvmActiveSet(residual, x, destination);
        if (x.Length == 0)
            return;
        var g = backend.Stride(x.Length);
        activeSet(g.Stride, backend.ViewOf(residual, nameof(residual)).AsContiguous(), backend.ViewOf(x, nameof(x)).AsContiguous(),
            backend.ViewOf(destination, nameof(destination)).AsContiguous(), g);
    }

    public void RowDots(Tensor<float> a, Tensor<float> b, Tensor<float> dots)
    {
        Shapes.SvmRowDots(a, b, dots);
        if (a.Shape[0] == 0)
            return;
        var g = backend.Stride(a.Shape[0]);
        rowDots(g.Stride, backend.ViewOf(a, nameof(a)).AsContiguous(), backend.ViewOf(b, nameof(b)).AsContiguous(),
            backend.ViewOf(dots, nameof(dots)).AsContiguous(), a.Shape[1], g);
    }

    public void RowAxpby(Tensor<float> alpha, Tensor<float> x, Tensor<float> beta, Tensor<float> y)
    {
        Shapes.SvmRowAxpby(alpha, x, beta, y);
        if (x.Length == 0)
            return;
        var g = backend.Stride(x.Length);
        rowAxpby(g.Stride, backend.ViewOf(alpha, nameof(alpha)).AsContiguous(), backend.ViewOf(x, nameof(x)).AsContiguous(),
            backend.ViewOf(beta, nameof(beta)).AsContiguous(), backend.ViewOf(y, nameof(y)).AsContiguous(), x.Shape[1], g);
    }
}
