namespace ILGPUAE.Softmax;

using ILGPU;
using ILGPU.Runtime;
using ILGPUAE.Backend;
using ILGPUAE.Ilgpu;

public sealed class SoftmaxLauncher : ISoftmax
{
    private readonly IlgpuBackend backend;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, GridStride> biasSoftmax;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int, float, GridStride> crossEntropyDelta;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<int>, int, GridStride> argmax;

    public SoftmaxLauncher(IlgpuBackend backend)
    {
        this.backend = backend;
        var acc = backend.Accelerator;
        biasSoftmax = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, GridStride>(SoftmaxKernels.BiasSoftmax);
        crossEntropyDelta = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int, float, GridStride>(
            SoftmaxKernels.CrossEntropyDelta);
        argmax = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<int>, int, GridStride>(SoftmaxKernels.Argmax);
    }

    public void BiasSoftmax(Tensor<float> x, Tensor<float> bias)
    {
        Shapes.RequireClassMatrix(x, nameof(x));
        Shapes.RequireLength(bias, nameof(bias), x.Shape[1], $"one per column of x {x.Shape}");
        if (x.Shape[0] == 0)
            return;
        var g = backend.Stride(x.Shape[0]);
        biasSoftmax(g.Stride, backend.ViewOf(x, nameof(x)).AsContiguous(), backend.ViewOf(bias, nameof(bias)).AsContiguous(), g);
    }

    public void CrossEntropyDelta(Tensor<float> z, Tensor<int> labels, float scale, Tensor<float> delta, Tensor<float> losses)
    {
        Shapes.RequireClassMatrix(z, nameof(z));
        Shapes.RequireSame(z, nameof(z), delta, nameof(delta));
        Shapes.RequireLength(labels, nameof(labels), z.Shape[0], $"one per row of z {z.Shape}");
        Shapes.RequireLength(losses, nameof(losses), z.Shape[0], $"one per row of z {z.Shape}");
        if (z.Shape[0] == 0)
            return;
        var g = backend.Stride(z.Shape[0]);
        crossEntropyDelta(g.Stride, backend.ViewOf(z, nameof(z)).AsContiguous(), backend.ViewOf(labels, nameof(labels)).AsContiguous(),
            backend.ViewOf(delta, nameof(delta)).AsContiguous(), backend.ViewOf(losses, nameof(losses)).AsContiguous(), z.Shape[1], scale, g);
    }

    public void Argmax(Tensor<float> scores, Tensor<int> labels, Tensor<int> predictions, Tensor<int> correct)
    {
        Shapes.RequireClassMatrix(scores, nameof(scores));
        Shapes.RequireLength(labels, nameof(labels), scores.Shape[0], $"one per row of scores {scores.Shape}");
        Shapes.RequireLength(predictions, nameof(predictions), scores.Shape[0], $"one per row of scores {scores.Shape}");
        Shapes.RequireLength(correct, nameof(correct), scores.Shape[0], $"one per row of scores {scores.Shape}");
        if (scores.Shape[0] == 0)
            return;
        var g = backend.Stride(scores.Shape[0]);
        argmax(g.Stride, backend.ViewOf(scores, nameof(scores)).AsContiguous(), backend.ViewOf(labels, nameof(labels)).AsContiguous(),
            backend.ViewOf(predictions, nameof(predictions)).AsContiguous(), backend.ViewOf(correct, nameof(correct)).AsContiguous(), scores.Shape[1], g);
    }
}
