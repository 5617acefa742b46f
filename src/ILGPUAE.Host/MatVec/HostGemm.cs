namespace ILGPUAE.Host.MatVec;

using ILGPUAE.Backend;
using ILGPUAE.Host.Activation;
using ILGPUAE.Host.Threading;
using ILGPUAE.MatVec;

/// <summary>
/// <see cref="IGemm"/> on the host. Products go to one of three paths by shape: K = 1 (outer product),
/// M = 1 (vector × matrix), else the cache-blocked GEMM with the micro-kernel <typeparamref name="TKernel"/>.
/// An epilogue runs as a second pass of the host's activation kernels over c, which is still in cache for the DAE's
/// products (what a fused store would save on a GPU, a memory round trip, costs little here).
/// </summary>
internal sealed unsafe class HostGemm<TKernel> : IGemm where TKernel : struct, IMicroKernel
{
    private readonly HostBackend backend;
    private readonly BlockedGemm<TKernel> blocked;
    private readonly VectorMatrixJob vectorMatrix;
    private readonly OuterProductJob outerProduct;
    private readonly ColumnSumsJob columnSums;
    private readonly HostActivation activation;

    public HostGemm(HostBackend backend, WorkerPool pool, HostActivation activation)
    {
        this.backend = backend;
        this.activation = activation;
        blocked = new BlockedGemm<TKernel>(pool);
        vectorMatrix = new VectorMatrixJob(pool);
        outerProduct = new OuterProductJob(pool);
        columnSums = new ColumnSumsJob(pool);
    }

    public void Gemm(Transpose transA, Transpose transB, float alpha, Tensor<float> a, Tensor<float> b, float beta, Tensor<float> c) =>
        Gemm(transA, transB, alpha, a, b, beta, c, GemmEpilogue.None);

    public void Gemm(Transpose transA, Transpose transB, float alpha, Tensor<float> a, Tensor<float> b, float beta, Tensor<float> c,
        GemmEpilogue epilogue)
    {
        Shapes.Epilogue(epilogue, c);
        // The blocked product applies the epilogue block by block as each block of c is complete; the other paths after it.
        var fused = activation.Fused(c, epilogue);
        if (Product(transA, transB, alpha, a, b, beta, c, fused))
            return;
        switch (epilogue.Kind)
        {
            case GemmEpilogueKind.BiasActivate:
                activation.BiasActivate(c, epilogue.Operand!, epilogue.Activation);
                break;
            case GemmEpilogueKind.ActivationBackward:
                activation.Backward(c, epilogue.Operand!, epilogue.Activation);
                break;
        }
    }

    /// <summary>c = alpha·op(a)·op(b) + beta·c; true when <paramref name="fused"/> was applied with it (the blocked path), false when it is still to do.</summary>
    private bool Product(Transpose transA, Transpose transB, float alpha, Tensor<float> a, Tensor<float> b, float beta, Tensor<float> c,
        IBlockEpilogue? fused = null)
    {
        var (m, n, k) = Shapes.Gemm(transA, transB, a, b, c);
        var pa = backend.PointerOf(a, nameof(a));
        var pb = backend.PointerOf(b, nameof(b));
        var pc = backend.PointerOf(c, nameof(c));
        if (m == 0 || n == 0)
            return false;
        if (k == 0)
        {
            // An empty sum: c = beta · c, and beta = 0 clears NaNs too.
            for (var i = 0; i < c.Length; i++)
                pc[i] = beta == 0f ? 0f : beta * pc[i];
            return false;
        }
        // Element (i,p) of op(a) is a[i·ARow + p·ACol], element (p,j) of op(b) is b[p·BRow + j·BCol].
        var (aRow, aCol) = transA == Transpose.None ? (k, 1) : (1, m);
        var (bRow, bCol) = transB == Transpose.None ? (n, 1) : (1, k);
        var layout = new GemmLayout(m, n, k, aRow, aCol, bRow, bCol, alpha, beta);
        if (k == 1)
            outerProduct.Multiply(m, n, alpha, pa, pb, beta, pc);
        else if (m == 1)
            vectorMatrix.Multiply(layout, pa, pb, pc);
        else
        {
            blocked.Multiply(layout, pa, pb, pc, fused);
            return fused is not null;
        }
        return false;
    }

    /// <summary>
    /// Every item through the blocked product with its epilogue fused block by block (a product with K = 1 or M = 1 too, which the
    /// micro-kernel pads): whole items in parallel across the pool, or item after item each split across it when there are few
    /// (<see cref="BlockedGemm{TKernel}.MultiplyBatched"/>).
    /// </summary>
    public void GemmBatched(Transpose transA, Transpose transB, int m, int n, int k, float alpha, Tensor<float> a, Tensor<float> b, float beta,
        Tensor<float> c, GemmEpilogue epilogue, GemmBatch batch)
    {
        Shapes.GemmBatched(m, n, k, a, b, c, epilogue, batch);
        var pa = backend.PointerOf(a, nameof(a));
        var pb = backend.PointerOf(b, nameof(b));
        var pc = backend.PointerOf(c, nameof(c));
        if (batch.Count == 0 || m == 0 || n == 0)
            return;
        var fused = activation.Fused(c, epilogue, m, n);
        if (k == 0)
        {
            // Empty sums: c_i = epilogue(beta · c_i), and beta = 0 clears NaNs too.
            for (var i = 0; i < batch.Count; i++)
            {
                var ci = pc + i * batch.StrideC;
                for (var e = 0; e < m * n; e++)
                    ci[e] = beta == 0f ? 0f : beta * ci[e];
                fused?.Apply(i * batch.StrideC, i * batch.StrideOperand, 0, m, 0, n);
            }
            return;
        }
        var layout = GemmLayout.RowMajor(transA, transB, m, n, k, alpha, beta);
        blocked.MultiplyBatched(layout, pa, pb, pc, fused, batch);
    }

    public void ColumnSums(float alpha, Tensor<float> a, float beta, Tensor<float> sums)
    {
        Shapes.ColumnSums(a, sums);
        var pa = backend.PointerOf(a, nameof(a));
        var ps = backend.PointerOf(sums, nameof(sums));
        if (sums.Length > 0)
            columnSums.Sum(a.Shape[0], a.Shape[1], alpha, pa, beta, ps);
    }

    /// <summary>Two passes of the column-sums job: a host call costs no launch.</summary>
    public void ColumnSums(float alpha, Tensor<float> a, Tensor<float> a2, float beta, Tensor<float> sums, Tensor<float> sums2)
    {
        Shapes.ColumnSums(a, sums);
        Shapes.ColumnSums(a2, sums2);
        ColumnSums(alpha, a, beta, sums);
        ColumnSums(alpha, a2, beta, sums2);
    }
}
