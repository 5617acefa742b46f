namespace ILGPUAE.MatVec;

using ILGPU;
using ILGPU.Runtime;
using ILGPUAE.Ilgpu;

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

    public int M { get; }
    public int N { get; }
    public int K { get; }
    public int ARow { get; }
    public int ACol { get; }
    public int BRow { get; }
    public int BCol { get; }
    public float Alpha { get; }
    public float Beta { get; }
}

/// <summary>Four running sums of one output row; the kernels' register block.</summary>
internal struct Accumulator4
{
    public float V0, V1, V2, V3;

    public void Add(float a, float b0, float b1, float b2, float b3)
    {
        V0 += a * b0;
        V1 += a * b1;
        V2 += a * b2;
        V3 += a * b3;
    }
}

/// <summary>Barrier-free GEMM kernels: fast on ILGPU's CPU accelerator (no group barriers) and correct everywhere.</summary>
public static class GemmKernels
{
    public const int TileRows = 4;
    public const int TileCols = 4;

    /// <summary>
    /// 4×4 blocks of c, grid-stride: thread t computes blocks t, t + stride, … (one block per thread on a
    /// GPU, a few fat threads on the CPU accelerator). Edge blocks load clamped indices and store only what is inside.
    /// </summary>
    public static void Tile4x4(Index1D index, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, GemmLayout l, GridStride g)
    {
        var tilesN = (l.N + TileCols - 1) / TileCols;
        for (int t = index; t < g.Items; t += g.Stride)
            Tile4x4At(t, tilesN, a, b, c, l);
    }

    private static void Tile4x4At(int t, int tilesN, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, GemmLayout l)
    {
        var i0 = t / tilesN * TileRows;
        var j0 = t % tilesN * TileCols;
        var last = l.M - 1;
        var lastCol = l.N - 1;
        long ra0 = (long)i0 * l.ARow;
        long ra1 = (long)Math.Min(i0 + 1, last) * l.ARow;
        long ra2 = (long)Math.Min(i0 + 2, last) * l.ARow;
        long ra3 = (long)Math.Min(i0 + 3, last) * l.ARow;
        long cb0 = (long)j0 * l.BCol;
        long cb1 = (long)Math.Min(j0 + 1, lastCol) * l.BCol;
        long cb2 = (long)Math.Min(j0 + 2, lastCol) * l.BCol;
        long cb3 = (long)Math.Min(j0 + 3, lastCol) * l.BCol;

        Accumulator4 r0 = default, r1 = default, r2 = default, r3 = default;
        for (var p = 0; p < l.K; p++)
        {
            long pa = (long)p * l.ACol;
            long pb = (long)p * l.BRow;
            var b0 = b[pb + cb0];
            var b1 = b[pb + cb1];
            var b2 = b[pb + cb2];
            var b3 = b[pb + cb3];
            r0.Add(a[ra0 + pa], b0, b1, b2, b3);
            r1.Add(a[ra1 + pa], b0, b1, b2, b3);
            r2.Add(a[ra2 + pa], b0, b1, b2, b3);
            r3.Add(a[ra3 + pa], b0, b1, b2, b3);
        }

        Store(c, l, i0, j0, r0);
        if (i0 + 1 <= last) Store(c, l, i0 + 1, j0, r1);
        if (i0 + 2 <= last) Store(c, l, i0 + 2, j0, r2);
        if (i0 + 3 <= last) Store(c, l, i0 + 3, j0, r3);
    }

    /// <summary>1×4 strips of c, grid-stride: for products with few rows (batch 1), where 4×4 blocks would idle.</summary>
    public static void Strip1x4(Index1D index, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, GemmLayout l, GridStride g)
    {
        var tilesN = (l.N + TileCols - 1) / TileCols;
        for (int t = index; t < g.Items; t += g.Stride)
            Strip1x4At(t, tilesN, a, b, c, l);
    }

    private static void Strip1x4At(int t, int tilesN, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, GemmLayout l)
    {
        var i = t / tilesN;
        var j0 = t % tilesN * TileCols;
        var lastCol = l.N - 1;
        long ra = (long)i * l.ARow;
        long cb0 = (long)j0 * l.BCol;
        long cb1 = (long)Math.Min(j0 + 1, lastCol) * l.BCol;
        long cb2 = (long)Math.Min(j0 + 2, lastCol) * l.BCol;
        long cb3 = (long)Math.Min(j0 + 3, lastCol) * l.BCol;

        Accumulator4 r = default;
        for (var p = 0; p < l.K; p++)
        {
            long pb = (long)p * l.BRow;
            r.Add(a[ra + (long)p * l.ACol], b[pb + cb0], b[pb + cb1], b[pb + cb2], b[pb + cb3]);
        }
        Store(c, l, i, j0, r);
    }

    private static void Store(ArrayView<float> c, GemmLayout l, int i, int j0, Accumulator4 r)
    {
        long row = (long)i * l.N;
        StoreOne(c, l, row, j0, r.V0);
        if (j0 + 1 < l.N) StoreOne(c, l, row, j0 + 1, r.V1);
        if (j0 + 2 < l.N) StoreOne(c, l, row, j0 + 2, r.V2);
        if (j0 + 3 < l.N) StoreOne(c, l, row, j0 + 3, r.V3);
    }

    private static void StoreOne(ArrayView<float> c, GemmLayout l, long row, int j, float sum)
    {
        var old = l.Beta == 0f ? 0f : l.Beta * c[row + j];
        c[row + j] = l.Alpha * sum + old;
    }

    /// <summary>sums[j] = beta·sums[j] + Σ_i a[i, j]; a column per thread (grid-stride), a is [rows, sums.Length].</summary>
    public static void ColumnSums(Index1D index, ArrayView<float> a, ArrayView<float> sums, int rows, float beta, GridStride g)
    {
        for (int j = index; j < g.Items; j += g.Stride)
        {
            var sum = 0f;
            for (var i = 0; i < rows; i++)
                sum += a[(long)i * g.Items + j];
            sums[j] = sum + (beta == 0f ? 0f : beta * sums[j]);
        }
    }
}
