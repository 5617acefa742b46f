namespace ILGPUAE.MatVec;

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

    /// <summary>sums[N] = beta · sums + Σ_m a[m, n] for a [M,N].</summary>
    public static void ColumnSums(int m, int n, ReadOnlySpan<double> a, double beta, Span<double> sums)
    {
        for (var j = 0; j < n; j++)
        {
            double sum = 0;
            for (var i = 0; i < m; i++)
                sum += a[i * n + j];
            sums[j] = sum + (beta == 0 ? 0 : beta * sums[j]);
        }
    }
}
