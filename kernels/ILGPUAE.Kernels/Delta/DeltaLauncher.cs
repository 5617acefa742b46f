namespace ILGPUAE.Delta;

using ILGPU;
using ILGPU.Runtime;
using ILGPUAE.Activation;
using ILGPUAE.Backend;
using ILGPUAE.Ilgpu;
// The activity L1 delta for one activation struct: (threads, y, delta, inputDelta, penalty, stride).
using ActivityL1DeltaKernel = System.Action<ILGPU.Index1D, ILGPU.ArrayView<float>, ILGPU.ArrayView<float>, ILGPU.ArrayView<float>, float,
    ILGPUAE.Ilgpu.GridStride>;
// The KL sparsity delta for one activation struct: (threads, y, delta, meanActivation, inputDelta, n, rho, penalty, stride).
using KlSparsityDeltaKernel = System.Action<ILGPU.Index1D, ILGPU.ArrayView<float>, ILGPU.ArrayView<float>, ILGPU.ArrayView<float>,
    ILGPU.ArrayView<float>, int, float, float, ILGPUAE.Ilgpu.GridStride>;

public sealed class DeltaLauncher : IDelta
{
    private readonly IlgpuBackend backend;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, GridStride> squaredError;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, GridStride> crossEntropy;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, GridStride> rowLoss;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, int, float, GridStride> activityL1Loss;
    private readonly Lazy<Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, float, float, GridStride>> contractiveRows;
    private readonly Lazy<Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float, GridStride>> contractiveLoss;
    private readonly Lazy<Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float, GridStride>> contractiveDelta;
    private readonly Lazy<Action<Index1D, ArrayView<float>, ArrayView<float>, float, GridStride>> smoothStepLoader;
    private readonly Lazy<Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, GridStride>> smoothStepBackwardLoader;

    // Indexed by Backend.Activation; each loaded on first use, as the GEMM's epilogue kernels are, so that a model without
    // the penalty compiles none of them.
    private readonly ActivityL1DeltaKernel?[] activityL1Delta = new ActivityL1DeltaKernel?[Activations.All.Count];

    // The KL sparsity penalty's: the row losses, and the δ per activation, each loaded on first use.
    private readonly KlSparsityDeltaKernel?[] klSparsityDelta = new KlSparsityDeltaKernel?[Activations.All.Count];
    private Action<Index1D, ArrayView<float>, ArrayView<float>, int, float, float, GridStride>? klSparsityLoss;

    public DeltaLauncher(IlgpuBackend backend)
    {
        this.backend = backend;
        var acc = backend.Accelerator;
        squaredError = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, GridStride>(DeltaKernels.SquaredErrorSigmoid);
        crossEntropy = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, GridStride>(DeltaKernels.CrossEntropySigmoid);
        rowLoss = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, GridStride>(DeltaKernels.RowLoss);
        activityL1Loss = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, float, GridStride>(DeltaKernels.ActivityL1Loss);
        // Loaded on first use, so that a model without the contractive penalty compiles none of them.
        contractiveRows = new(() => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int,
            int, float, float, GridStride>(DeltaKernels.ContractiveRows));
        contractiveLoss = new(() => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float, GridStride>(
            DeltaKernels.ContractiveLoss));
        contractiveDelta = new(() => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int,
            float, GridStride>(DeltaKernels.ContractiveDelta));
        // Loaded on first use: only ANAMO's binary encoder runs them.
        smoothStepLoader = new(() => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, float, GridStride>(DeltaKernels.SmoothStep));
        smoothStepBackwardLoader = new(() => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, GridStride>(
            DeltaKernels.SmoothStepBackward));
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
        rowLoss(rows.Stride, zv, xv, backend.ViewOf(losses, nameof(losses)).AsContiguous(), z.RowLength, z.Shape[0], (int)loss, rows);
    }

    /// <summary>One launch of <see cref="DeltaKernels.RowLoss"/>, the kernel <see cref="SigmoidOutputDelta"/> sums its losses with, x's rows repeating.</summary>
    public void SigmoidOutputLosses(LossKind loss, Tensor<float> z, Tensor<float> x, Tensor<float> losses)
    {
        Shapes.OutputLosses(z, x, losses);
        if (loss is not (LossKind.SquaredError or LossKind.CrossEntropy))
            throw new ArgumentOutOfRangeException(nameof(loss), loss, null);
        if (z.Length == 0)
            return;
        var rows = backend.Stride(z.Shape[0]);
        rowLoss(rows.Stride, backend.ViewOf(z, nameof(z)).AsContiguous(), backend.ViewOf(x, nameof(x)).AsContiguous(),
            backend.ViewOf(losses, nameof(losses)).AsContiguous(), z.RowLength, x.Shape[0], (int)loss, rows);
    }

    /// <summary>Two launches: the row losses (one thread per row, as <see cref="DeltaKernels.RowLoss"/>), then the δ element by element.</summary>
    public void SmoothStep(Tensor<float> x, float epsilon, Tensor<float> y)
    {
        Shapes.SmoothStep(x, epsilon, y, nameof(y));
        if (x.Length == 0)
            return;
        var g = backend.Stride(x.Length);
        smoothStepLoader.Value(g.Stride, backend.ViewOf(x, nameof(x)).AsContiguous(), backend.ViewOf(y, nameof(y)).AsContiguous(), 1f / epsilon, g);
    }

    public void SmoothStepBackward(Tensor<float> x, Tensor<float> delta, float epsilon, Tensor<float> inputDelta)
    {
        Shapes.SmoothStep(x, epsilon, delta, nameof(delta));
        Shapes.SmoothStep(x, epsilon, inputDelta, nameof(inputDelta));
        if (x.Length == 0)
            return;
        var g = backend.Stride(x.Length);
        smoothStepBackwardLoader.Value(g.Stride, backend.ViewOf(x, nameof(x)).AsContiguous(), backend.ViewOf(delta, nameof(delta)).AsContiguous(),
            backend.ViewOf(inputDelta, nameof(inputDelta)).AsContiguous(), 1f / epsilon, g);
    }

    public void ActivityL1(Tensor<float> y, Tensor<float> delta, Backend.Activation inputActivation, float lambda, float scale,
        Tensor<float> inputDelta, Tensor<float> losses)
    {
        Shapes.ActivityL1(y, delta, inputActivation, inputDelta, losses);
        if (y.Length == 0)
            return;
        var yv = backend.ViewOf(y, nameof(y)).AsContiguous();
        var dv = backend.ViewOf(delta, nameof(delta)).AsContiguous();
        var iv = backend.ViewOf(inputDelta, nameof(inputDelta)).AsContiguous();
        var rows = backend.Stride(y.Shape[0]);
        activityL1Loss(rows.Stride, yv, backend.ViewOf(losses, nameof(losses)).AsContiguous(), y.RowLength, lambda, rows);
        var kernel = activityL1Delta[(int)inputActivation] ??= Activations.Visit(inputActivation, new ActivityL1Loader(backend.Accelerator));
        var elements = backend.Stride(y.Length);
        kernel(elements.Stride, yv, dv, iv, scale * lambda, elements);
    }

    /// <summary>
    /// Three launches: per unit the row norms and W's direct term (<see cref="DeltaKernels.ContractiveRows"/>), then per example
    /// the losses, then the δ element by element; the last two read the norms the first wrote.
    /// </summary>
    public void ContractiveSigmoid(Tensor<float> h, Tensor<float> delta, Tensor<float> weights, float lambda, float scale, Tensor<float> preDelta,
        Tensor<float> weightsGrad, float gradientBeta, Tensor<float> rowNorms, Tensor<float> losses)
    {
        Shapes.ContractiveSigmoid(h, delta, weights, preDelta, weightsGrad, rowNorms, losses);
        var (m, n, k) = (h.Shape[0], h.Shape[1], weights.Shape[1]);
        if (n == 0)
            return;
        var hv = backend.ViewOf(h, nameof(h)).AsContiguous();
        var av = backend.ViewOf(rowNorms, nameof(rowNorms)).AsContiguous();
        var twoLambdaScale = 2f * lambda * scale;
        var units = backend.Stride(n);
        contractiveRows.Value(units.Stride, hv, backend.ViewOf(weights, nameof(weights)).AsContiguous(),
            backend.ViewOf(weightsGrad, nameof(weightsGrad)).AsContiguous(), av, m, n, k, twoLambdaScale, gradientBeta, units);
        if (m == 0)
            return;
        var rows = backend.Stride(m);
        contractiveLoss.Value(rows.Stride, hv, av, backend.ViewOf(losses, nameof(losses)).AsContiguous(), n, lambda, rows);
        var elements = backend.Stride(h.Length);
        contractiveDelta.Value(elements.Stride, hv, backend.ViewOf(delta, nameof(delta)).AsContiguous(), av,
            backend.ViewOf(preDelta, nameof(preDelta)).AsContiguous(), n, twoLambdaScale, elements);
    }

    /// <summary>Two launches: the row losses (one thread per row, each summing the N units' KL), then the δ element by element.</summary>
    public void KlSparsity(Tensor<float> y, Tensor<float> delta, Tensor<float> meanActivation, Backend.Activation inputActivation, float rho,
        float beta, float scale, Tensor<float> inputDelta, Tensor<float> losses)
    {
        Shapes.KlSparsity(y, delta, meanActivation, inputActivation, inputDelta, losses);
        if (y.Length == 0)
            return;
        var mv = backend.ViewOf(meanActivation, nameof(meanActivation)).AsContiguous();
        var n = y.Shape[1];
        var lossKernel = klSparsityLoss ??= backend.Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, float,
            float, GridStride>(DeltaKernels.KlSparsityLoss);
        var rows = backend.Stride(y.Shape[0]);
        lossKernel(rows.Stride, mv, backend.ViewOf(losses, nameof(losses)).AsContiguous(), n, rho, beta, rows);
        var kernel = klSparsityDelta[(int)inputActivation] ??= Activations.Visit(inputActivation, new KlSparsityLoader(backend.Accelerator));
        var elements = backend.Stride(y.Length);
        kernel(elements.Stride, backend.ViewOf(y, nameof(y)).AsContiguous(), backend.ViewOf(delta, nameof(delta)).AsContiguous(), mv,
            backend.ViewOf(inputDelta, nameof(inputDelta)).AsContiguous(), n, rho, scale * beta, elements);
    }

    /// <summary>Loads <see cref="DeltaKernels.KlSparsityDelta{TAct}"/> for the activation struct <see cref="Activations.Visit{TResult}"/> picks.</summary>
    private sealed class KlSparsityLoader(Accelerator accelerator) : IActivationVisitor<KlSparsityDeltaKernel>
    {
        public KlSparsityDeltaKernel Visit<TAct>() where TAct : struct, IActivation =>
            accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float, float,
                GridStride>(DeltaKernels.KlSparsityDelta<TAct>);
    }

    /// <summary>Loads <see cref="DeltaKernels.ActivityL1Delta{TAct}"/> for the activation struct <see cref="Activations.Visit{TResult}"/> picks.</summary>
    private sealed class ActivityL1Loader(Accelerator accelerator) : IActivationVisitor<ActivityL1DeltaKernel>
    {
        public ActivityL1DeltaKernel Visit<TAct>() where TAct : struct, IActivation =>
            accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, GridStride>(
                DeltaKernels.ActivityL1Delta<TAct>);
    }
}
