namespace ILGPUAE.MatVec;

using ILGPUAE.Activation;
using ILGPUAE.Backend;

/// <summary>Double-precision CPU reference for <see cref="IGemm"/>; row-major, sums in double.</summary>
public static class GemmReference
{
    /// <summary>c[M,N] = alpha · op(a)[M,K] · op(b)[K,N] + beta · c (beta = 0 ignores c).</summary>
    public static void Gemm(Transpose transA, Transpose transB, int m, int n, int k,
        double alpha, ReadOnlySpan<double> a, ReadOnlySpan<double> b, double beta, Span<double> c)
    {
        if (a.Length != m * k || b.Length != k * n || c.Length != m * n)
            throw new ArgumentException($"gemm reference: a has {a.Length}, b {b.Length}, c {c.Length} elements for M={m} N={n} K={k}");
        for (var i = 0; i < m; i++)
        {
            for (var j = 0; j < n; j++)
            {
                double sum = 0;
                for (var p = 0; p < k; p++)
                {
                    var av = transA == Transpose.None ? a[i * k + p] : a[p * m + i];
                    var bv = transB == Transpose.None ? b[p * n + j] : b[j * k + p];
                    sum += av * bv;
                }
                c[i * n + j] = alpha * sum + (beta == 0 ? 0 : beta * c[i * n + j]);
            }
        }
    }

    /// <summary>
    /// c[M,N] = epilogue(alpha · op(a) · op(b) + beta · c): the product above, then <see cref="Epilogue"/>.
    /// <paramref name="operand"/> is the bias [N] or the activation output y [M,N] (<see cref="GemmEpilogue"/>).
    /// </summary>
    public static void Gemm(Transpose transA, Transpose transB, int m, int n, int k,
        double alpha, ReadOnlySpan<double> a, ReadOnlySpan<double> b, double beta, Span<double> c,
        GemmEpilogueKind epilogue, Backend.Activation activation, ReadOnlySpan<double> operand)
    {
        Gemm(transA, transB, m, n, k, alpha, a, b, beta, c);
        Epilogue(epilogue, activation, m, n, operand, c);
    }

    /// <summary>
    /// The batched product (<see cref="IGemm.GemmBatched"/>): for each item, <see cref="Gemm(Transpose, Transpose, int, int, int, double, ReadOnlySpan{double}, ReadOnlySpan{double}, double, Span{double}, GemmEpilogueKind, Backend.Activation, ReadOnlySpan{double})"/>
    /// on the items <paramref name="batch"/> places in a, b, c and the operand.
    /// </summary>
    public static void GemmBatched(Transpose transA, Transpose transB, int m, int n, int k,
        double alpha, ReadOnlySpan<double> a, ReadOnlySpan<double> b, double beta, Span<double> c,
        GemmEpilogueKind epilogue, Backend.Activation activation, ReadOnlySpan<double> operand, GemmBatch batch)
    {
        var operandLength = epilogue == GemmEpilogueKind.BiasActivate ? n : epilogue == GemmEpilogueKind.ActivationBackward ? m * n : 0;
        for (var i = 0; i < batch.Count; i++)
            Gemm(transA, transB, m, n, k, alpha, a.Slice((int)(i * batch.StrideA), m * k), b.Slice((int)(i * batch.StrideB), k * n), beta,
                c.Slice((int)(i * batch.StrideC), m * n), epilogue, activation,
                operandLength == 0 ? default : operand.Slice((int)(i * batch.StrideOperand), operandLength));
    }

    /// <summary>c[M,N] ← act(c + bias[N]) (<see cref="GemmEpilogueKind.BiasActivate"/>) or c ⊙ act′(y) (<see cref="GemmEpilogueKind.ActivationBackward"/>).</summary>
    public static void Epilogue(GemmEpilogueKind epilogue, Backend.Activation activation, int m, int n, ReadOnlySpan<double> operand, Span<double> c)
    {
        switch (epilogue)
        {
            case GemmEpilogueKind.None:
                break;
            case GemmEpilogueKind.BiasActivate:
                ActivationReference.BiasActivate(m, n, c, operand, activation);
                break;
            case GemmEpilogueKind.ActivationBackward:
                ActivationReference.Backward(c, operand, activation);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(epilogue), epilogue, null);
        }
    }

    /// <summary>sums[N] = alpha · Σ_m a[m, n] + beta · sums for a [M,N] (beta = 0 ignores sums).</summary>
    public static void ColumnSums(int m, int n, double alpha, ReadOnlySpan<double> a, double beta, Span<double> sums)
    {
        for (var j = 0; j < n; j++)
        {
            double sum = 0;
            for (var i = 0; i < m; i++)
                sum += a[i * n + j];
            sums[j] = alpha * sum + (beta == 0 ? 0 : beta * sums[j]);
        }
    }
}
