namespace ILGPUAE.MatVec;

using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Runtime;
using ILGPUAE.Backend;
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

/// <summary>
/// The sizes and scalars of <see cref="GemmKernels.ColumnSums"/>: a [Rows, Columns], a2 [Rows2, the rest of the grid's columns];
/// each sum is scaled by Alpha and added to Beta times the old one.
/// </summary>
public readonly record struct ColumnSumsLayout(int Rows, int Columns, int Rows2, float Alpha, float Beta);

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

/// <summary>
/// What a GEMM kernel does to one element of c before storing it (<see cref="GemmEpilogue"/>): value is
/// alpha·sum + beta·c_old, at its offset in c, column its column; operand is the epilogue's bias [N] or
/// activation output [M,N] (unused by <see cref="NoEpilogue"/>). Members are pure, so ILGPU inlines them
/// into each specialised kernel.
/// </summary>
public interface IGemmEpilogue
{
    float Apply(float value, ArrayView<float> operand, long at, int column);
}

/// <summary>c = value.</summary>
public readonly struct NoEpilogue : IGemmEpilogue
{
    public float Apply(float value, ArrayView<float> operand, long at, int column) => value;
}

/// <summary>c = value + bias[column].</summary>
public readonly struct BiasEpilogue : IGemmEpilogue
{
    public float Apply(float value, ArrayView<float> operand, long at, int column) => value + operand[column];
}

/// <summary>c = sigmoid(value + bias[column]).</summary>
public readonly struct BiasSigmoidEpilogue : IGemmEpilogue
{
    public float Apply(float value, ArrayView<float> operand, long at, int column) => ILGPUAE.Activation.ActivationKernels.Sigmoid(value + operand[column]);
}

/// <summary>c = value · y(1 − y) with y = operand[at]: the sigmoid's derivative written through its output.</summary>
public readonly struct SigmoidBackwardEpilogue : IGemmEpilogue
{
    public float Apply(float value, ArrayView<float> operand, long at, int column)
    {
        var y = operand[at];
        return value * y * (1f - y);
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
    public static void Tile4x4<TEpilogue>(Index1D index, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, ArrayView<float> operand,
        GemmLayout l, GridStride g)
        where TEpilogue : struct, IGemmEpilogue
    {
        var tilesN = (l.N + TileCols - 1) / TileCols;
        for (int t = index; t < g.Items; t += g.Stride)
            Tile4x4At<TEpilogue>(t, tilesN, a, b, c, operand, l);
    }

    private static void Tile4x4At<TEpilogue>(int t, int tilesN, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, ArrayView<float> operand,
        GemmLayout l)
        where TEpilogue : struct, IGemmEpilogue
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

        Store<TEpilogue>(c, operand, l, i0, j0, r0);
        if (i0 + 1 <= last) Store<TEpilogue>(c, operand, l, i0 + 1, j0, r1);
        if (i0 + 2 <= last) Store<TEpilogue>(c, operand, l, i0 + 2, j0, r2);
        if (i0 + 3 <= last) Store<TEpilogue>(c, operand, l, i0 + 3, j0, r3);
    }

    /// <summary>1×4 strips of c, grid-stride: for products with few rows (batch 1), where 4×4 blocks would idle.</summary>
    public static void Strip1x4<TEpilogue>(Index1D index, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, ArrayView<float> operand,
        GemmLayout l, GridStride g)
        where TEpilogue : struct, IGemmEpilogue
    {
        var tilesN = (l.N + TileCols - 1) / TileCols;
        for (int t = index; t < g.Items; t += g.Stride)
            Strip1x4At<TEpilogue>(t, tilesN, a, b, c, operand, l);
    }

    private static void Strip1x4At<TEpilogue>(int t, int tilesN, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, ArrayView<float> operand,
        GemmLayout l)
        where TEpilogue : struct, IGemmEpilogue
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
        Store<TEpilogue>(c, operand, l, i, j0, r);
    }

    private static void Store<TEpilogue>(ArrayView<float> c, ArrayView<float> operand, GemmLayout l, int i, int j0, Accumulator4 r)
        where TEpilogue : struct, IGemmEpilogue
    {
        long row = (long)i * l.N;
        StoreOne<TEpilogue>(c, operand, l, row + j0, j0, r.V0);
        if (j0 + 1 < l.N) StoreOne<TEpilogue>(c, operand, l, row + j0 + 1, j0 + 1, r.V1);
        if (j0 + 2 < l.N) StoreOne<TEpilogue>(c, operand, l, row + j0 + 2, j0 + 2, r.V2);
        if (j0 + 3 < l.N) StoreOne<TEpilogue>(c, operand, l, row + j0 + 3, j0 + 3, r.V3);
    }

    /// <summary>
    /// c[at] = epilogue(alpha·sum + beta·c[at]), column j. beta = 0 never reads c, so NaN or garbage there does not leak
    /// into the result. Shared by every kernel: the one place an element of c is finished.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void StoreOne<TEpilogue>(ArrayView<float> c, ArrayView<float> operand, GemmLayout l, long at, int j, float sum)
        where TEpilogue : struct, IGemmEpilogue
    {
        var old = l.Beta == 0f ? 0f : l.Beta * c[at];
        c[at] = default(TEpilogue).Apply(l.Alpha * sum + old, operand, at, j);
    }

    /// <summary>
    /// Column sums of two matrices in one launch, a column per thread (grid-stride over the N + N2 columns):
    /// sums[j] = alpha·Σ_i a[i, j] + beta·sums[j] for a [rows, N] (N = l.Columns), then
    /// sums2[j] = alpha·Σ_i a2[i, j] + beta·sums2[j] for a2 [rows2, N2] (N2 = g.Items − N; 0 for a single matrix).
    /// </summary>
    public static void ColumnSums(Index1D index, ArrayView<float> a, ArrayView<float> sums, ArrayView<float> a2, ArrayView<float> sums2,
        ColumnSumsLayout l, GridStride g)
    {
        for (int t = index; t < g.Items; t += g.Stride)
        {
            if (t < l.Columns)
                sums[t] = l.Alpha * ColumnSum(a, l.Rows, l.Columns, t) + (l.Beta == 0f ? 0f : l.Beta * sums[t]);
            else
            {
                var j = t - l.Columns;
                sums2[j] = l.Alpha * ColumnSum(a2, l.Rows2, g.Items - l.Columns, j) + (l.Beta == 0f ? 0f : l.Beta * sums2[j]);
            }
        }
    }

    /// <summary>Σ_i a[i, j] for a [rows, columns], in row order.</summary>
    private static float ColumnSum(ArrayView<float> a, int rows, int columns, int j)
    {
        var sum = 0f;
        for (var i = 0; i < rows; i++)
            sum += a[(long)i * columns + j];
        return sum;
    }
}

/// <summary>
/// The block shape of <see cref="GemmTiledKernels.Tiled{TShape}"/>: a group of <see cref="ThreadRows"/> ×
/// <see cref="ThreadCols"/> threads computes a block of c of <see cref="ThreadRows"/>·<see cref="MicroRows"/> rows by
/// <see cref="ThreadCols"/>·4 columns, staging <see cref="Depth"/> columns of op(a) and rows of op(b) in shared
/// memory per step. Members return constants, so ILGPU folds them when it specialises the kernel.
/// </summary>
public interface IGemmTileShape
{
    int ThreadRows { get; }
    int ThreadCols { get; }

    /// <summary>Rows of c per thread: 8 or 4 (each with <see cref="GemmTiledKernels.MicroCols"/> columns).</summary>
    int MicroRows { get; }

    int Depth { get; }

    /// <summary>Floats of shared memory for the op(a) tile: <see cref="Depth"/> × (block rows + 32 / <see cref="Depth"/>).</summary>
    int ASharedLength { get; }

    /// <summary>Floats of shared memory for the op(b) tile: <see cref="Depth"/> × (block columns + 32 / <see cref="Depth"/>).</summary>
    int BSharedLength { get; }
}

/// <summary>128×64 blocks, 256 threads of 8×4, 8 deep: products with at least one such block per multiprocessor (4096³).</summary>
public readonly struct GemmTile128x64 : IGemmTileShape
{
    public int ThreadRows => 16;
    public int ThreadCols => 16;
    public int MicroRows => 8;
    public int Depth => 8;
    public int ASharedLength => 8 * (128 + 4);
    public int BSharedLength => 8 * (64 + 4);
}

/// <summary>64×64 blocks, 128 threads of 8×4, 16 deep: products with too few 128×64 blocks to occupy the device.</summary>
public readonly struct GemmTile64x64 : IGemmTileShape
{
    public int ThreadRows => 8;
    public int ThreadCols => 16;
    public int MicroRows => 8;
    public int Depth => 16;
    public int ASharedLength => 16 * (64 + 2);
    public int BSharedLength => 16 * (64 + 2);
}

/// <summary>
/// 32×32 blocks, 64 threads of 4×4, 32 deep: products with too few 64×64 blocks to occupy the device (the DAE's at
/// batch 100: 100×1000 is 128 blocks, 32 of 64×64). 32 deep keeps two barriers per 32 steps and loads 128-byte runs
/// along k when an operand is stored k-fastest (x and W in the encode x·Wᵀ).
/// </summary>
public readonly struct GemmTile32x32 : IGemmTileShape
{
    public int ThreadRows => 8;
    public int ThreadCols => 8;
    public int MicroRows => 4;
    public int Depth => 32;
    public int ASharedLength => 32 * (32 + 1);
    public int BSharedLength => 32 * (32 + 1);
}

/// <summary>Eight rows of four running sums: one thread's 8×4 micro-tile of c.</summary>
internal struct Accumulator8x4
{
    public Accumulator4 R0, R1, R2, R3, R4, R5, R6, R7;
}

/// <summary>
/// Shared-memory tiled GEMM for GPUs: every group stages a Depth-deep slice of op(a) and op(b) in shared
/// memory and each thread accumulates a MicroRows×4 micro-tile of c in registers. Two group barriers per slice,
/// so it is never used on ILGPU's CPU accelerator, where a barrier costs milliseconds.
/// </summary>
public static class GemmTiledKernels
{
    public const int MicroCols = 4;

    /// <summary>
    /// c[M,N] = epilogue(alpha·op(a)·op(b) + beta·c) (<typeparamref name="TEpilogue"/>, reading operand). Launch with a 1-D grid of ⌈M/BM⌉·⌈N/BN⌉ groups of
    /// ThreadRows·ThreadCols threads (BM = ThreadRows·MicroRows, BN = ThreadCols·4); group g computes block
    /// (g / ⌈N/BN⌉, g mod ⌈N/BN⌉). Thread (ty, tx) owns rows ty + r·ThreadRows and columns tx + c·ThreadCols,
    /// so its shared reads hit distinct banks (or broadcast) and its stores to c are coalesced.
    /// </summary>
    public static void Tiled<TShape, TEpilogue>(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, ArrayView<float> operand, GemmLayout l)
        where TShape : struct, IGemmTileShape
        where TEpilogue : struct, IGemmEpilogue
    {
        var shape = default(TShape);
        var aTile = SharedMemory.Allocate<float>(shape.ASharedLength);
        var bTile = SharedMemory.Allocate<float>(shape.BSharedLength);
        TiledBlock<TShape, TEpilogue>(Grid.IdxX, 0, l.K, a, b, c, operand, l, aTile, bTile);
    }

    /// <summary>
    /// Split-K, first pass: workspace [slices, M, N], slot s = Σ over p in [s·sliceDepth, min(K, (s+1)·sliceDepth))
    /// of op(a)(i,p)·op(b)(p,j), raw (<paramref name="l"/> must have alpha = 1, beta = 0; see
    /// <see cref="GemmLayout.RawSums"/>). Launch with ⌈M/BM⌉·⌈N/BN⌉·slices groups: group g computes block
    /// g mod (⌈M/BM⌉·⌈N/BN⌉) of slice g / (⌈M/BM⌉·⌈N/BN⌉), as <see cref="Tiled{TShape}"/> does over all of K.
    /// Every slot is written by exactly one group, so no atomics: <see cref="SplitKReduce"/> sums the slots in order.
    /// With <paramref name="firstSliceInC"/> = 1 (beta = 0: c's old values are not needed) slot 0 is c itself and
    /// slot s the workspace's s − 1, so the workspace holds one slot fewer.
    /// </summary>
    public static void TiledSplitK<TShape>(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, ArrayView<float> workspace, GemmLayout l,
        int sliceDepth, int firstSliceInC)
        where TShape : struct, IGemmTileShape
    {
        var shape = default(TShape);
        var aTile = SharedMemory.Allocate<float>(shape.ASharedLength);
        var bTile = SharedMemory.Allocate<float>(shape.BSharedLength);
        var blockRows = shape.ThreadRows * shape.MicroRows;
        var blockCols = shape.ThreadCols * MicroCols;
        var blocks = (l.M + blockRows - 1) / blockRows * ((l.N + blockCols - 1) / blockCols);
        var slice = Grid.IdxX / blocks;
        var kBegin = slice * sliceDepth;
        var kEnd = Math.Min(l.K, kBegin + sliceDepth);
        long size = (long)l.M * l.N;
        var destination = slice < firstSliceInC ? c : workspace.SubView((slice - firstSliceInC) * size, size);
        // Raw sums: the epilogue runs once, in SplitKReduce, after the slices are summed.
        TiledBlock<TShape, NoEpilogue>(Grid.IdxX % blocks, kBegin, kEnd, a, b, destination, destination, l, aTile, bTile);
    }

    /// <summary>
    /// Split-K, second pass: c[i] = epilogue(alpha·Σ_s workspace[s·items + i] + beta·c[i]) for the items = M·N outputs,
    /// grid-stride, summing the slots in slot order so the result is the same bit for bit on every run. The epilogue
    /// runs here, once per element, never on a slice's partial sum. beta = 0 never reads c's old values. With
    /// firstSliceInC = 1, slot 0 is c (see <see cref="TiledSplitK{TShape}"/>; beta must be 0). l is the product's layout.
    /// </summary>
    public static void SplitKReduce<TEpilogue>(Index1D index, ArrayView<float> workspace, ArrayView<float> c, ArrayView<float> operand, GemmLayout l,
        int slices, int firstSliceInC, GridStride g)
        where TEpilogue : struct, IGemmEpilogue
    {
        for (int i = index; i < g.Items; i += g.Stride)
        {
            var sum = firstSliceInC == 1 ? c[i] : 0f;
            for (var s = firstSliceInC; s < slices; s++)
                sum += workspace[(long)(s - firstSliceInC) * g.Items + i];
            GemmKernels.StoreOne<TEpilogue>(c, operand, l, i, i % l.N, sum);
        }
    }

    /// <summary>
    /// Group <paramref name="block"/>'s block of c over the K range [<paramref name="kBegin"/>, <paramref name="kEnd"/>),
    /// stored as epilogue(alpha·sum + beta·c). aTile and bTile are the group's shared tiles (allocated by the kernel entry, where
    /// their sizes fold to constants).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TiledBlock<TShape, TEpilogue>(int block, int kBegin, int kEnd, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c,
        ArrayView<float> operand, GemmLayout l, ArrayView<float> aTile, ArrayView<float> bTile)
        where TShape : struct, IGemmTileShape
        where TEpilogue : struct, IGemmEpilogue
    {
        var shape = default(TShape);
        var threadRows = shape.ThreadRows;
        var threadCols = shape.ThreadCols;
        var depth = shape.Depth;
        // 8 or 4: a constant once specialised, so the tests on it below fold away with the unused sums.
        var microRows = shape.MicroRows;
        var blockRows = threadRows * microRows;
        var blockCols = threadCols * MicroCols;
        var threads = threadRows * threadCols;
        // Shared tiles are k-major: aTile[p·lda + i] = op(a)(i0 + i, k0 + p), bTile[p·ldb + j] = op(b)(k0 + p, j0 + j).
        // The pad of 32/depth floats makes the depth-fast stores below hit 32 distinct banks.
        var lda = shape.ASharedLength / depth;
        var ldb = shape.BSharedLength / depth;

        var blocksN = (l.N + blockCols - 1) / blockCols;
        var i0 = block / blocksN * blockRows;
        var j0 = block % blocksN * blockCols;
        var tid = Group.IdxX;
        var ty = tid / threadCols;
        var tx = tid % threadCols;
        // Consecutive threads load consecutive addresses whichever operand is transposed: along k when
        // k is the operand's unit stride (a as stored [M,K], b stored [N,K]), along i or j otherwise.
        var aAlongK = l.ACol == 1;
        var bAlongK = l.BRow == 1;

        Accumulator8x4 acc = default;
        for (var k0 = kBegin; k0 < kEnd; k0 += depth)
        {
            for (var e = tid; e < blockRows * depth; e += threads)
            {
                int i, p;
                if (aAlongK) { p = e % depth; i = e / depth; }
                else { i = e % blockRows; p = e / blockRows; }
                var gi = i0 + i;
                var gp = k0 + p;
                // Outside op(a) or the slice the tile holds zeros: they add nothing to the sums, whatever lies beyond.
                aTile[p * lda + i] = gi < l.M && gp < kEnd ? a[(long)gi * l.ARow + (long)gp * l.ACol] : 0f;
            }
            for (var e = tid; e < depth * blockCols; e += threads)
            {
                int j, p;
                if (bAlongK) { p = e % depth; j = e / depth; }
                else { j = e % blockCols; p = e / blockCols; }
                var gj = j0 + j;
                var gp = k0 + p;
                bTile[p * ldb + j] = gj < l.N && gp < kEnd ? b[(long)gp * l.BRow + (long)gj * l.BCol] : 0f;
            }
            Group.Barrier();

            for (var p = 0; p < depth; p++)
            {
                var bRow = p * ldb + tx;
                var b0 = bTile[bRow];
                var b1 = bTile[bRow + threadCols];
                var b2 = bTile[bRow + 2 * threadCols];
                var b3 = bTile[bRow + 3 * threadCols];
                var aRow = p * lda + ty;
                acc.R0.Add(aTile[aRow], b0, b1, b2, b3);
                acc.R1.Add(aTile[aRow + threadRows], b0, b1, b2, b3);
                acc.R2.Add(aTile[aRow + 2 * threadRows], b0, b1, b2, b3);
                acc.R3.Add(aTile[aRow + 3 * threadRows], b0, b1, b2, b3);
                if (microRows == 8)
                {
                    acc.R4.Add(aTile[aRow + 4 * threadRows], b0, b1, b2, b3);
                    acc.R5.Add(aTile[aRow + 5 * threadRows], b0, b1, b2, b3);
                    acc.R6.Add(aTile[aRow + 6 * threadRows], b0, b1, b2, b3);
                    acc.R7.Add(aTile[aRow + 7 * threadRows], b0, b1, b2, b3);
                }
            }
            // Nobody overwrites a tile that another thread may still be reading.
            Group.Barrier();
        }

        var row = i0 + ty;
        var col = j0 + tx;
        StoreRow<TEpilogue>(c, operand, l, row, col, threadCols, acc.R0);
        StoreRow<TEpilogue>(c, operand, l, row + threadRows, col, threadCols, acc.R1);
        StoreRow<TEpilogue>(c, operand, l, row + 2 * threadRows, col, threadCols, acc.R2);
        StoreRow<TEpilogue>(c, operand, l, row + 3 * threadRows, col, threadCols, acc.R3);
        if (microRows == 8)
        {
            StoreRow<TEpilogue>(c, operand, l, row + 4 * threadRows, col, threadCols, acc.R4);
            StoreRow<TEpilogue>(c, operand, l, row + 5 * threadRows, col, threadCols, acc.R5);
            StoreRow<TEpilogue>(c, operand, l, row + 6 * threadRows, col, threadCols, acc.R6);
            StoreRow<TEpilogue>(c, operand, l, row + 7 * threadRows, col, threadCols, acc.R7);
        }
    }

    /// <summary>Row i of the micro-tile: columns j, j + stride, j + 2·stride, j + 3·stride, those inside c.</summary>
    private static void StoreRow<TEpilogue>(ArrayView<float> c, ArrayView<float> operand, GemmLayout l, int i, int j, int stride, Accumulator4 r)
        where TEpilogue : struct, IGemmEpilogue
    {
        if (i >= l.M)
            return;
        long rowStart = (long)i * l.N;
        if (j < l.N) GemmKernels.StoreOne<TEpilogue>(c, operand, l, rowStart + j, j, r.V0);
        if (j + stride < l.N) GemmKernels.StoreOne<TEpilogue>(c, operand, l, rowStart + j + stride, j + stride, r.V1);
        if (j + 2 * stride < l.N) GemmKernels.StoreOne<TEpilogue>(c, operand, l, rowStart + j + 2 * stride, j + 2 * stride, r.V2);
        if (j + 3 * stride < l.N) GemmKernels.StoreOne<TEpilogue>(c, operand, l, rowStart + j + 3 * stride, j + 3 * stride, r.V3);
    }
}
