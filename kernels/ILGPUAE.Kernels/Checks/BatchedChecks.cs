namespace ILGPUAE.Checks;

using ILGPUAE.Backend;
using ILGPUAE.Delta;
using ILGPUAE.Ilgpu;
using ILGPUAE.MatVec;

/// <summary>The checks of what scores a whole population at once: the batched GEMM and the per-row losses of many models on one minibatch.</summary>
public sealed partial class KernelChecks
{
    /// <summary>
    /// Per size s: the batched GEMM on the four transposes at 3 items of (s, 17, 33), its own operands apart; 7 items of (17, s, 33)
    /// sharing a (stride 0) with bias+sigmoid per item, a population's encode; 3 items of (33, 17, s) with ⊙sigmoid′ per item; one item
    /// of (s, 1, 17). Then the losses of 3 models' outputs [3·s, 33] scored on x [s, 33], for each loss.
    /// </summary>
    public IEnumerable<CheckResult> Batched(IReadOnlyList<int> sizes)
    {
        foreach (var s in sizes)
        {
            foreach (var ta in new[] { Transpose.None, Transpose.Transposed })
                foreach (var tb in new[] { Transpose.None, Transpose.Transposed })
                    yield return GemmBatched(ta, tb, s, 17, 33, count: 3, sharedA: false, GemmEpilogueKind.None, Backend.Activation.Identity);
            yield return GemmBatched(Transpose.None, Transpose.Transposed, 17, s, 33, count: 7, sharedA: true, GemmEpilogueKind.BiasActivate,
                Backend.Activation.Sigmoid);
            yield return GemmBatched(Transpose.Transposed, Transpose.None, 33, 17, s, count: 3, sharedA: false, GemmEpilogueKind.ActivationBackward,
                Backend.Activation.Sigmoid);
            yield return GemmBatched(Transpose.None, Transpose.None, s, 1, 17, count: 1, sharedA: false, GemmEpilogueKind.None, Backend.Activation.Identity);
            yield return OutputLosses(LossKind.SquaredError, models: 3, s, 33);
            yield return OutputLosses(LossKind.CrossEntropy, models: 3, s, 33);
        }
    }

    /// <summary>
    /// <see cref="IGemm.GemmBatched"/> on this backend's GEMM against <see cref="GemmReference.GemmBatched"/>: count items, each operand's
    /// items 5 elements apart (a stride that is not the item's size), or a stride of 0 for a when <paramref name="sharedA"/>;
    /// alpha 1.5, beta 0.5 onto c in [−1, 1]; a bias [N] in [−2, 2] or y [M,N] per item for an epilogue.
    /// </summary>
    public CheckResult GemmBatched(Transpose transA, Transpose transB, int m, int n, int k, int count, bool sharedA, GemmEpilogueKind epilogue,
        Backend.Activation activation) =>
        GemmBatched(backend, backend.Gemm, transA, transB, m, n, k, count, sharedA, epilogue, activation);

    /// <summary>The same check on a given GEMM of a given backend (an ILGPU launcher forced to one kernel, <see cref="GemmVariants"/>).</summary>
    public CheckResult GemmBatched(IBackend on, IGemm gemm, Transpose transA, Transpose transB, int m, int n, int k, int count, bool sharedA,
        GemmEpilogueKind epilogue, Backend.Activation activation)
    {
        const int gap = 5;
        var operandLength = epilogue switch
        {
            GemmEpilogueKind.BiasActivate => n,
            GemmEpilogueKind.ActivationBackward => m * n,
            _ => 0,
        };
        var batch = new GemmBatch(count, sharedA ? 0 : m * k + gap, k * n + gap, m * n + gap, operandLength + gap);
        int Extent(long stride, int item) => (int)(Math.Max(0, count - 1) * stride + item);
        var a = Uniform(Math.Max(1, Extent(batch.StrideA, m * k)), -1, 1);
        var b = Uniform(Math.Max(1, Extent(batch.StrideB, k * n)), -1, 1);
        var c = Uniform(Math.Max(1, Extent(batch.StrideC, m * n)), -1, 1);
        var operand = epilogue switch
        {
            GemmEpilogueKind.BiasActivate => Uniform(Extent(batch.StrideOperand, n), -2, 2),
            GemmEpilogueKind.ActivationBackward => ActivationOutputs(activation, Extent(batch.StrideOperand, m * n)),
            _ => [],
        };
        const float alpha = 1.5f, beta = 0.5f;
        using var ta = Upload(on, a, a.Length);
        using var tb = Upload(on, b, b.Length);
        using var tc = Upload(on, c, c.Length);
        using var to = epilogue == GemmEpilogueKind.None ? null : Upload(on, operand, operand.Length);
        gemm.GemmBatched(transA, transB, m, n, k, alpha, ta, tb, beta, tc, new GemmEpilogue(epilogue, activation, to), batch);
        var expected = ToDouble(c);
        GemmReference.GemmBatched(transA, transB, m, n, k, alpha, ToDouble(a), ToDouble(b), beta, expected, epilogue, activation, ToDouble(operand), batch);
        var kernel = gemm is GemmLauncher launcher ? $" {launcher.BatchedVariantFor(m, n, k, count).ToString().ToLowerInvariant()}" : "";
        var fused = epilogue switch
        {
            GemmEpilogueKind.BiasActivate => $" +bias+{activation.ToString().ToLowerInvariant()}",
            GemmEpilogueKind.ActivationBackward => $" ⊙{activation.ToString().ToLowerInvariant()}′",
            _ => "",
        };
        // As one product's check; the gaps between c's items must come back as they were.
        return Compare($"gemm batched {Code(transA)}{Code(transB)}{fused}{kernel}", $"count={count}{(sharedA ? " a shared" : "")} M={m} N={n} K={k}",
            Download(on, tc), expected, 4e-7 * (k + 8));
    }

    /// <summary>
    /// <see cref="IDelta.SigmoidOutputLosses"/>: <paramref name="models"/> models' outputs z [models·b, n] in (0, 1) against targets
    /// x [b, n] in [0, 1] with exact 0s and 1s, at <see cref="OutputDelta"/>'s tolerance.
    /// </summary>
    public CheckResult OutputLosses(LossKind loss, int models, int b, int n)
    {
        var x = Uniform(b * n, -0.3f, 1.3f).Select(v => Math.Clamp(v, 0f, 1f)).ToArray();
        var z = Uniform(models * b * n, 0.001f, 0.999f);
        using var tz = Upload(z, models * b, n);
        using var tx = Upload(x, b, n);
        using var tl = backend.Allocate<float>(models * b);
        backend.Delta.SigmoidOutputLosses(loss, tz, tx, tl);
        var expected = new double[models * b];
        DeltaReference.SigmoidOutputLosses(loss, models * b, b, n, ToDouble(z), ToDouble(x), expected);
        var name = loss == LossKind.SquaredError ? "output losses mse" : "output losses xent";
        return Compare(name, $"models={models} B={b} N={n}", Download(tl), expected, 1e-5 * (n + 8));
    }
}
