namespace ILGPUAE.MatVec;

using ILGPUAE.Backend;

/// <summary>
/// Layout of one product c[M,N] = alpha·op(a)·op(b) + beta·c. op(a)(i,p) = a[i·ARow + p·ACol] and
/// op(b)(p,j) = b[p·BRow + j·BCol], so one kernel serves every transpose without copying W.
/// </summary>
public readonly struct GemmLayout
{
    public GemmLayout(int m, int n, int k, int aRow, int aCol, int bRow, int bCol, float alpha, float beta)
    {
        M = m; N = n; K = k;
        ARow = aRow; ACol = aCol; BRow = bRow; BCol = bCol;
        Alpha = alpha; Beta = beta;
    }

    /// <summary>
    /// The layout of a product of row-major operands: a stored [M,K] (<see cref="Transpose.None"/>) or [K,M],
    /// b stored [K,N] or [N,K], c [M,N].
    /// </summary>
    public static GemmLayout RowMajor(Transpose transA, Transpose transB, int m, int n, int k, float alpha, float beta)
    {
        var (aRow, aCol) = transA == Transpose.None ? (k, 1) : (1, m);
        var (bRow, bCol) = transB == Transpose.None ? (n, 1) : (1, k);
        return new GemmLayout(m, n, k, aRow, aCol, bRow, bCol, alpha, beta);
    }

    public int M { get; }
    public int N { get; }
    public int K { get; }
    public int ARow { get; }
    public int ACol { get; }
    public int BRow { get; }
    public int BCol { get; }
    public float Alpha { get; }
    public float Beta { get; }

    /// <summary>The same product with alpha = 1 and beta = 0: the kernel stores its raw sums (split-K's first pass).</summary>
    public GemmLayout RawSums() => new(M, N, K, ARow, ACol, BRow, BCol, alpha: 1f, beta: 0f);
}
