namespace ILGPUAE.MatVec;

using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Runtime;
using ILGPUAE.Activation;
using ILGPUAE.Backend;
using ILGPUAE.Ilgpu;

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

    public void Add(float a, Float4 b) => Add(a, b.X, b.Y, b.Z, b.W);
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

/// <summary>
/// c = act(value + bias[column]) (<see cref="GemmEpilogueKind.BiasActivate"/>); with <see cref="Identity"/> a plain bias,
/// with <see cref="Sigmoid"/> the sigmoid of <see cref="ActivationKernels.Sigmoid"/>.
/// </summary>
public readonly struct BiasActivateEpilogue<TAct> : IGemmEpilogue
    where TAct : struct, IActivation
{
    public float Apply(float value, ArrayView<float> operand, long at, int column) => default(TAct).Apply(value + operand[column]);
}

/// <summary>
/// c = value · act′ written through y = operand[at], in the activation's own order (<see cref="IActivation.Backward(float, float)"/>;
/// the sigmoid's value·y·(1 − y)): <see cref="GemmEpilogueKind.ActivationBackward"/>.
/// </summary>
public readonly struct ActivationBackwardEpilogue<TAct> : IGemmEpilogue
    where TAct : struct, IActivation
{
    public float Apply(float value, ArrayView<float> operand, long at, int column) => default(TAct).Backward(value, operand[at]);
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

    /// <summary>
    /// <see cref="Tile4x4{TEpilogue}"/> over batch.Count products (<see cref="IGemm.GemmBatched"/>): grid-stride over
    /// count · ⌈M/4⌉·⌈N/4⌉ blocks, block t of item t / (blocks per item), each item's operands the views
    /// <paramref name="batch"/> places (the operand's stride also for <see cref="NoEpilogue"/>, which never reads it).
    /// </summary>
    public static void Tile4x4Batched<TEpilogue>(Index1D index, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c,
        ArrayView<float> operand, GemmLayout l, GemmBatch batch, GridStride g)
        where TEpilogue : struct, IGemmEpilogue
    {
        var tilesN = (l.N + TileCols - 1) / TileCols;
        var tilesPerItem = (l.M + TileRows - 1) / TileRows * tilesN;
        for (int t = index; t < g.Items; t += g.Stride)
        {
            var item = t / tilesPerItem;
            Tile4x4At<TEpilogue>(t - item * tilesPerItem, tilesN, Item(a, item * batch.StrideA), Item(b, item * batch.StrideB),
                Item(c, item * batch.StrideC), Item(operand, item * batch.StrideOperand), l);
        }
    }

    /// <summary>
    /// The view from <paramref name="offset"/> to the end: one item of a batched operand. An empty item (K = 0) may start at or past
    /// the end, where ILGPU allows no subview; it is never read, and gets the whole view.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ArrayView<float> Item(ArrayView<float> view, long offset) =>
        offset < view.Length ? view.SubView(offset, view.Length - offset) : view;

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
/// The block shape of <see cref="GemmTiledKernels.Tiled{TShape, TEpilogue}"/>: a group of <see cref="ThreadRows"/> ×
/// <see cref="ThreadCols"/> threads computes a block of c of <see cref="ThreadRows"/>·<see cref="MicroRows"/> rows by
/// <see cref="ThreadCols"/>·<see cref="MicroCols"/> columns, staging <see cref="GemmTiledKernels.Depth"/> columns of op(a) and rows of op(b) in
/// shared memory per step. The kernel assumes every operand's tile is at most 4 elements per thread
/// (block rows · depth ≤ 4 · threads, the same for columns) and that a group has at least as many threads as the block has
/// rows or columns. Members return constants, so ILGPU folds them when it specialises the kernel.
/// </summary>
public interface IGemmTileShape
{
    int ThreadRows { get; }
    int ThreadCols { get; }

    /// <summary>Rows of c per thread: 8 (two runs of 4) or 4.</summary>
    int MicroRows { get; }

    /// <summary>Columns of c per thread: 8 (two runs of 4) or 4.</summary>
    int MicroCols { get; }

    /// <summary>
    /// Groups a multiprocessor must hold at once (CUDA's .minnctapersm launch bound), so ptxas caps registers to fit;
    /// 0 leaves them to ptxas. Only a shape whose registers would otherwise fit fewer groups than it needs sets one.
    /// </summary>
    int MinGroupsPerMultiprocessor { get; }
}

/// <summary>
/// 128×128 blocks, 256 threads of 8×8: the largest products (4096³), where each p's four 16-byte shared reads feed 64
/// fused multiply-adds.
/// </summary>
public readonly struct GemmTile128x128 : IGemmTileShape
{
    public int ThreadRows => 16;
    public int ThreadCols => 16;
    public int MicroRows => 8;
    public int MicroCols => 8;

    /// <summary>Two: unbounded, ptxas takes 129 registers, and 256 threads of that fit once in 64 K; two fit in 128, without spills.</summary>
    public int MinGroupsPerMultiprocessor => 2;
}

/// <summary>128×64 blocks, 256 threads of 8×4: products with too few 128×128 blocks to occupy the device.</summary>
public readonly struct GemmTile128x64 : IGemmTileShape
{
    public int ThreadRows => 16;
    public int ThreadCols => 16;
    public int MicroRows => 8;
    public int MicroCols => 4;
    public int MinGroupsPerMultiprocessor => 0;
}

/// <summary>64×64 blocks, 128 threads of 8×4: products with too few 128×64 blocks to occupy the device.</summary>
public readonly struct GemmTile64x64 : IGemmTileShape
{
    public int ThreadRows => 8;
    public int ThreadCols => 16;
    public int MicroRows => 8;
    public int MicroCols => 4;
    public int MinGroupsPerMultiprocessor => 0;
}

/// <summary>
/// 32×32 blocks, 64 threads of 4×4: products with too few 64×64 blocks to occupy the device (the DAE's at batch 100:
/// 100×1000 is 128 blocks, 32 of 64×64).
/// </summary>
public readonly struct GemmTile32x32 : IGemmTileShape
{
    public int ThreadRows => 8;
    public int ThreadCols => 8;
    public int MicroRows => 4;
    public int MicroCols => 4;
    public int MinGroupsPerMultiprocessor => 0;
}

/// <summary>Four floats moved as one 16-byte shared-memory access (PTX ld.shared.v4.f32) where the address is 16-byte aligned.</summary>
internal struct Float4
{
    public float X, Y, Z, W;
}

/// <summary>Eight rows of four running sums: one thread's 8×4 micro-tile of c.</summary>
internal struct Accumulator8x4
{
    public Accumulator4 R0, R1, R2, R3, R4, R5, R6, R7;
}

/// <summary>
/// One thread's micro-tile of c, up to 8×8: columns 4tx..4tx+3 of the block in Low, the same 4·ThreadCols further
/// on in High. Shapes with 4 micro-columns never touch High, and ILGPU drops its registers.
/// </summary>
internal struct MicroTile
{
    public Accumulator8x4 Low, High;
}

/// <summary>
/// Where one thread's share of an operand tile comes from and goes to, worked out once per block so that a step spends
/// on each element a compare, an address and its load. The tile of op(x) is rows r of the block (rows of op(a), or
/// columns of op(b)) by the Depth-deep slice p; the thread stages its elements q = 0..count−1 (up to 4) at
/// (r, p) = (r0 + q·rStep, p0 + q·pStep): consecutive threads take consecutive addresses of x whichever way it is stored.
/// At step k0 element q is x[Offset_q + k0·KStride], loaded only if k0 &lt; KLimit_q (its p is inside the slice and its row
/// inside op(x); else the tile holds 0), and goes to float Shared_q of a tile buffer.
/// </summary>
internal struct TileLoads
{
    public int Offset0, Offset1, Offset2, Offset3;
    public int KLimit0, KLimit1, KLimit2, KLimit3;
    public int Shared0, Shared1, Shared2, Shared3;
    public int KStride;
}

/// <summary>
/// Shared-memory tiled GEMM for GPUs. Each group computes one block of c. Per 8-deep step it reads an op(a) and an op(b)
/// tile from shared memory, 16 bytes at a time, while the next step's tiles load from global memory into registers
/// (double buffering: two tiles of each operand, one barrier per step). Each thread accumulates a MicroRows×MicroCols micro-tile
/// of c in registers; the step is written out, not looped, so shared addresses are immediate offsets. In sm_90 SASS
/// a 128×64 step is 359 instructions, 256 of them FFMA (bench/SASS.md, from `./run-bench.sh --sass`); the looped,
/// single-buffered kernel before this one issued about 900 for the same 256. Group barriers cost milliseconds on
/// ILGPU's CPU accelerator, so it is never chosen there.
/// </summary>
public static class GemmTiledKernels
{
    /// <summary>Depth of op(a) columns and op(b) rows staged per step.</summary>
    public const int Depth = 8;

    /// <summary>
    /// Floats of padding after each k-row of a shared tile. Four keeps rows 16-byte aligned for the vector reads; the
    /// depth-fast stores of an operand stored k-fastest then hit banks 4p + r, distinct for 8 × 4 of them.
    /// </summary>
    private const int Pad = 4;

    /// <summary>
    /// c[M,N] = epilogue(alpha·op(a)·op(b) + beta·c) (<typeparamref name="TEpilogue"/>, reading operand). Launch with a 1-D
    /// grid of ⌈M/BM⌉·⌈N/BN⌉ groups of ThreadRows·ThreadCols threads (BM = ThreadRows·MicroRows, BN = ThreadCols·MicroCols);
    /// group g computes block (g / ⌈N/BN⌉, g mod ⌈N/BN⌉). Thread (ty, tx) owns rows 4ty..4ty+3 (and 4·ThreadRows
    /// further on, with 8 micro-rows) and columns 4tx..4tx+3 (and 4·ThreadCols further on, with 8 micro-columns) of the
    /// block: a warp reads its b values as consecutive 16-byte runs and its a values as two broadcasts.
    /// </summary>
    public static void Tiled<TShape, TEpilogue>(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, ArrayView<float> operand, GemmLayout l)
        where TShape : struct, IGemmTileShape
        where TEpilogue : struct, IGemmEpilogue
    {
        var shape = default(TShape);
        var aTile = SharedMemory.Allocate<Float4>(2 * Depth * (shape.ThreadRows * shape.MicroRows + Pad) / 4);
        var bTile = SharedMemory.Allocate<Float4>(2 * Depth * (shape.ThreadCols * shape.MicroCols + Pad) / 4);
        TiledBlock<TShape, TEpilogue>(Grid.IdxX, 0, l.K, a, b, c, operand, l, aTile, bTile);
    }

    /// <summary>
    /// <see cref="Tiled{TShape, TEpilogue}"/> over batch.Count products (<see cref="IGemm.GemmBatched"/>): launch with
    /// count · ⌈M/BM⌉·⌈N/BN⌉ groups; group g computes block g mod (blocks per item) of item g / (blocks per item).
    /// </summary>
    public static void TiledBatched<TShape, TEpilogue>(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, ArrayView<float> operand,
        GemmLayout l, GemmBatch batch)
        where TShape : struct, IGemmTileShape
        where TEpilogue : struct, IGemmEpilogue
    {
        var shape = default(TShape);
        var aTile = SharedMemory.Allocate<Float4>(2 * Depth * (shape.ThreadRows * shape.MicroRows + Pad) / 4);
        var bTile = SharedMemory.Allocate<Float4>(2 * Depth * (shape.ThreadCols * shape.MicroCols + Pad) / 4);
        var blocks = (l.M + shape.ThreadRows * shape.MicroRows - 1) / (shape.ThreadRows * shape.MicroRows)
            * ((l.N + shape.ThreadCols * shape.MicroCols - 1) / (shape.ThreadCols * shape.MicroCols));
        long item = Grid.IdxX / blocks;
        TiledBlock<TShape, TEpilogue>(Grid.IdxX % blocks, 0, l.K, GemmKernels.Item(a, item * batch.StrideA), GemmKernels.Item(b, item * batch.StrideB),
            GemmKernels.Item(c, item * batch.StrideC), GemmKernels.Item(operand, item * batch.StrideOperand), l, aTile, bTile);
    }

    /// <summary>
    /// Split-K, first pass: workspace [slices, M, N], slot s = Σ over p in [s·sliceDepth, min(K, (s+1)·sliceDepth))
    /// of op(a)(i,p)·op(b)(p,j), raw (<paramref name="l"/> must have alpha = 1, beta = 0; see
    /// <see cref="GemmLayout.RawSums"/>). Launch with ⌈M/BM⌉·⌈N/BN⌉·slices groups: group g computes block
    /// g mod (⌈M/BM⌉·⌈N/BN⌉) of slice g / (⌈M/BM⌉·⌈N/BN⌉), as <see cref="Tiled{TShape, TEpilogue}"/> does over all of K.
    /// Every slot is written by exactly one group, so no atomics: <see cref="SplitKReduce"/> sums the slots in order.
    /// With <paramref name="firstSliceInC"/> = 1 (beta = 0: c's old values are not needed) slot 0 is c itself and
    /// slot s the workspace's s − 1, so the workspace holds one slot fewer.
    /// </summary>
    public static void TiledSplitK<TShape>(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, ArrayView<float> workspace, GemmLayout l,
        int sliceDepth, int firstSliceInC)
        where TShape : struct, IGemmTileShape
    {
        var shape = default(TShape);
        var aTile = SharedMemory.Allocate<Float4>(2 * Depth * (shape.ThreadRows * shape.MicroRows + Pad) / 4);
        var bTile = SharedMemory.Allocate<Float4>(2 * Depth * (shape.ThreadCols * shape.MicroCols + Pad) / 4);
        var blockRows = shape.ThreadRows * shape.MicroRows;
        var blockCols = shape.ThreadCols * shape.MicroCols;
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
            GemmKernels.StoreOne<TEpilogue>(c, operand, l, i, i % l.N, SlotSum(workspace, c, i, g.Items, slices, firstSliceInC));
    }

    /// <summary>
    /// Split-K in one launch: each group sums its slice of its block as <see cref="TiledSplitK{TShape}"/> does, and the
    /// last of a block's groups to finish then stores that block as <see cref="SplitKReduce{TEpilogue}"/> would,
    /// epilogue(alpha·(slot sums in slot order) + beta·c): the same sums in the same order as the two launches, without the
    /// second (bit for bit on the CPU accelerator and in ptxas 11.8's sm_90 code, where both finish with the same FMUL
    /// and FFMA; a compiler may fuse the epilogue's multiply-add differently in two kernels). A group
    /// publishes its slot with a device-wide fence by every thread and one atomic increment of arrivals[block]; the group
    /// that counts slices − 1 arrivals before its own is the last, fences again before it reads the other slots, and sets
    /// arrivals[block] back to 0 for the next launch. arrivals holds a zero per block of c before the launch. Launch with
    /// ⌈M/BM⌉·⌈N/BN⌉·slices groups, as <see cref="TiledSplitK{TShape}"/>.
    /// </summary>
    public static void TiledSplitKOnePass<TShape, TEpilogue>(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, ArrayView<float> operand,
        ArrayView<float> workspace, ArrayView<int> arrivals, GemmLayout l, int sliceDepth, int firstSliceInC)
        where TShape : struct, IGemmTileShape
        where TEpilogue : struct, IGemmEpilogue
    {
        var shape = default(TShape);
        var aTile = SharedMemory.Allocate<Float4>(2 * Depth * (shape.ThreadRows * shape.MicroRows + Pad) / 4);
        var bTile = SharedMemory.Allocate<Float4>(2 * Depth * (shape.ThreadCols * shape.MicroCols + Pad) / 4);
        var arrivedBefore = SharedMemory.Allocate<int>(1);
        var blockRows = shape.ThreadRows * shape.MicroRows;
        var blockCols = shape.ThreadCols * shape.MicroCols;
        var blocksN = (l.N + blockCols - 1) / blockCols;
        var blocks = (l.M + blockRows - 1) / blockRows * blocksN;
        var block = Grid.IdxX % blocks;
        var slice = Grid.IdxX / blocks;
        var slices = Grid.DimX / blocks;
        var kBegin = slice * sliceDepth;
        long size = (long)l.M * l.N;
        var destination = slice < firstSliceInC ? c : workspace.SubView((slice - firstSliceInC) * size, size);
        TiledBlock<TShape, NoEpilogue>(block, kBegin, Math.Min(l.K, kBegin + sliceDepth), a, b, destination, destination, l.RawSums(), aTile, bTile);

        // Every thread fences its own stores (PTX membar.gl, a fence.sc.gpu) before the count goes up. Not thread 0 alone
        // after the barrier, as CUDA C code might: ILGPU writes a device-level fence in OpenCL C as a work-group barrier,
        // which the whole group must reach.
        MemoryFence.DeviceLevel();
        Group.Barrier();
        if (Group.IsFirstThread)
            arrivedBefore[0] = Atomic.Add(ref arrivals[block], 1);
        Group.Barrier();
        if (arrivedBefore[0] != slices - 1)
            return;
        // The whole group again (see above), before it reads the slots the other groups published.
        MemoryFence.DeviceLevel();
        var i0 = block / blocksN * blockRows;
        var j0 = block % blocksN * blockCols;
        // Consecutive threads take consecutive columns of a row, so each slot's reads coalesce.
        for (var e = Group.IdxX; e < blockRows * blockCols; e += Group.DimX)
        {
            var i = i0 + e / blockCols;
            var j = j0 + e % blockCols;
            if (i < l.M && j < l.N)
            {
                var at = (long)i * l.N + j;
                GemmKernels.StoreOne<TEpilogue>(c, operand, l, at, j, SlotSum(workspace, c, at, size, slices, firstSliceInC));
            }
        }
        if (Group.IsFirstThread)
            arrivals[block] = 0;
    }

    /// <summary>
    /// Σ over slots 0..slices−1 of element at, in slot order: slot s is workspace[(s − firstSliceInC)·items + at], and with
    /// firstSliceInC = 1 slot 0 is c[at]. Both split-K endings sum through here, so they agree bit for bit.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float SlotSum(ArrayView<float> workspace, ArrayView<float> c, long at, long items, int slices, int firstSliceInC)
    {
        var sum = firstSliceInC == 1 ? c[at] : 0f;
        for (var s = firstSliceInC; s < slices; s++)
            sum += workspace[(s - firstSliceInC) * items + at];
        return sum;
    }

    /// <summary>
    /// Group <paramref name="block"/>'s block of c over the K range [<paramref name="kBegin"/>, <paramref name="kEnd"/>),
    /// stored as epilogue(alpha·sum + beta·c). aTile and bTile are the group's shared tiles, two k-major buffers each
    /// (allocated by the kernel entry, where their sizes fold to constants): buffer β holds op(a)(i0 + i, k0 + p) at
    /// float β·Depth·lda + p·lda + i, and op(b)(k0 + p, j0 + j) at β·Depth·ldb + p·ldb + j. Each output's sum runs over
    /// p in order, one fused multiply-add at a time, like every other variant's.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TiledBlock<TShape, TEpilogue>(int block, int kBegin, int kEnd, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c,
        ArrayView<float> operand, GemmLayout l, ArrayView<Float4> aTile, ArrayView<Float4> bTile)
        where TShape : struct, IGemmTileShape
        where TEpilogue : struct, IGemmEpilogue
    {
        var shape = default(TShape);
        var blockRows = shape.ThreadRows * shape.MicroRows;
        var blockCols = shape.ThreadCols * shape.MicroCols;
        var threads = shape.ThreadRows * shape.ThreadCols;
        var aCount = blockRows * Depth / threads;
        var bCount = blockCols * Depth / threads;
        // Row lengths in float4s, and one buffer's length.
        var lda4 = (blockRows + Pad) / 4;
        var ldb4 = (blockCols + Pad) / 4;
        var aBuffer4 = Depth * lda4;
        var bBuffer4 = Depth * ldb4;
        var aFloats = aTile.Cast<float>();
        var bFloats = bTile.Cast<float>();

        var blocksN = (l.N + blockCols - 1) / blockCols;
        var i0 = block / blocksN * blockRows;
        var j0 = block % blocksN * blockCols;
        var tid = Group.IdxX;
        var ty = tid / shape.ThreadCols;
        var tx = tid % shape.ThreadCols;
        // op(a)'s rows are a's rows (stride ARow, k stride ACol); op(b)'s columns are b's (stride BCol, k stride BRow).
        var aLoads = PlanLoads(tid, threads, blockRows, lda4 * 4, i0, l.M, l.ARow, l.ACol, kEnd);
        var bLoads = PlanLoads(tid, threads, blockCols, ldb4 * 4, j0, l.N, l.BCol, l.BRow, kEnd);

        Stage(aFloats, aLoads, aCount, Fetch(a, aLoads, aCount, kBegin));
        Stage(bFloats, bLoads, bCount, Fetch(b, bLoads, bCount, kBegin));
        Group.Barrier();

        MicroTile acc = default;
        var buffer = 0;
        for (var k0 = kBegin; k0 < kEnd; k0 += Depth)
        {
            // The next step's elements, loaded before this step's sums so they are in flight while those run. Past kEnd
            // they are zeros, never read.
            var nextA = Fetch(a, aLoads, aCount, k0 + Depth);
            var nextB = Fetch(b, bLoads, bCount, k0 + Depth);
            var aRun = aTile.SubView(buffer * aBuffer4 + ty);
            var bRun = bTile.SubView(buffer * bBuffer4 + tx);
            MultiplyAdd<TShape>(ref acc, aRun, bRun, 0, 0);
            MultiplyAdd<TShape>(ref acc, aRun, bRun, lda4, ldb4);
            MultiplyAdd<TShape>(ref acc, aRun, bRun, 2 * lda4, 2 * ldb4);
            MultiplyAdd<TShape>(ref acc, aRun, bRun, 3 * lda4, 3 * ldb4);
            MultiplyAdd<TShape>(ref acc, aRun, bRun, 4 * lda4, 4 * ldb4);
            MultiplyAdd<TShape>(ref acc, aRun, bRun, 5 * lda4, 5 * ldb4);
            MultiplyAdd<TShape>(ref acc, aRun, bRun, 6 * lda4, 6 * ldb4);
            MultiplyAdd<TShape>(ref acc, aRun, bRun, 7 * lda4, 7 * ldb4);
            // The other buffer was last read in the step before this one, which every thread finished before the barrier
            // that ended it; the barrier below makes the new tiles visible before the next step reads them.
            buffer = 1 - buffer;
            Stage(aFloats.SubView(buffer * aBuffer4 * 4), aLoads, aCount, nextA);
            Stage(bFloats.SubView(buffer * bBuffer4 * 4), bLoads, bCount, nextB);
            Group.Barrier();
        }

        var col = j0 + 4 * tx;
        StoreColumns<TShape, TEpilogue>(c, operand, l, i0 + 4 * ty, col, acc.Low);
        if (shape.MicroCols == 8)
            StoreColumns<TShape, TEpilogue>(c, operand, l, i0 + 4 * ty, col + 4 * shape.ThreadCols, acc.High);
    }

    /// <summary>Four columns from j of the thread's rows (4 from i, and 4 more 4·ThreadRows further on with 8 micro-rows).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreColumns<TShape, TEpilogue>(ArrayView<float> c, ArrayView<float> operand, GemmLayout l, int i, int j, Accumulator8x4 acc)
        where TShape : struct, IGemmTileShape
        where TEpilogue : struct, IGemmEpilogue
    {
        var shape = default(TShape);
        StoreRow<TEpilogue>(c, operand, l, i, j, acc.R0);
        StoreRow<TEpilogue>(c, operand, l, i + 1, j, acc.R1);
        StoreRow<TEpilogue>(c, operand, l, i + 2, j, acc.R2);
        StoreRow<TEpilogue>(c, operand, l, i + 3, j, acc.R3);
        if (shape.MicroRows == 8)
        {
            var high = i + 4 * shape.ThreadRows;
            StoreRow<TEpilogue>(c, operand, l, high, j, acc.R4);
            StoreRow<TEpilogue>(c, operand, l, high + 1, j, acc.R5);
            StoreRow<TEpilogue>(c, operand, l, high + 2, j, acc.R6);
            StoreRow<TEpilogue>(c, operand, l, high + 3, j, acc.R7);
        }
    }

    /// <summary>
    /// The thread's share of a tile of blockRows × Depth over the slice ending at kEnd (see <see cref="TileLoads"/>). Stored
    /// k-fastest (kStride 1), consecutive threads take consecutive p of one row, and a thread's elements are rows
    /// threads/Depth apart; otherwise consecutive threads take consecutive rows of one p, and a thread's elements are
    /// threads/blockRows p apart.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TileLoads PlanLoads(int tid, int threads, int blockRows, int ld, int firstRow, int rows, int rowStride, int kStride, int kEnd)
    {
        int r0, rStep = 0, p0, pStep = 0;
        if (kStride == 1)
        {
            p0 = tid % Depth;
            r0 = tid / Depth;
            rStep = threads / Depth;
        }
        else
        {
            r0 = tid % blockRows;
            p0 = tid / blockRows;
            pStep = threads / blockRows;
        }
        var rowsLeft = rows - firstRow;
        var offset = (firstRow + r0) * rowStride + p0 * kStride;
        var offsetStep = rStep * rowStride + pStep * kStride;
        var shared = p0 * ld + r0;
        var sharedStep = pStep * ld + rStep;
        TileLoads t = default;
        t.KStride = kStride;
        t.Offset0 = offset;
        t.Offset1 = offset + offsetStep;
        t.Offset2 = offset + 2 * offsetStep;
        t.Offset3 = offset + 3 * offsetStep;
        t.KLimit0 = KLimit(r0, p0, rowsLeft, kEnd);
        t.KLimit1 = KLimit(r0 + rStep, p0 + pStep, rowsLeft, kEnd);
        t.KLimit2 = KLimit(r0 + 2 * rStep, p0 + 2 * pStep, rowsLeft, kEnd);
        t.KLimit3 = KLimit(r0 + 3 * rStep, p0 + 3 * pStep, rowsLeft, kEnd);
        t.Shared0 = shared;
        t.Shared1 = shared + sharedStep;
        t.Shared2 = shared + 2 * sharedStep;
        t.Shared3 = shared + 3 * sharedStep;
        return t;
    }

    /// <summary>
    /// The first step start k0 at which an element at (r, p) of the tile is no longer loaded: kEnd − p, past which its k0 + p
    /// is outside the slice; int.MinValue (never loaded, k0 ≥ 0) if row r is outside op(x).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int KLimit(int r, int p, int rowsLeft, int kEnd) => r < rowsLeft ? kEnd - p : int.MinValue;

    /// <summary>The thread's elements of the step at k0 (count of them, up to 4); zero outside op(x) or past the slice.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Float4 Fetch(ArrayView<float> x, in TileLoads t, int count, int k0)
    {
        // Outside op(x) or the slice the tile holds zeros: they add nothing to the sums, whatever lies beyond.
        var at = k0 * t.KStride;
        Float4 v = default;
        v.X = k0 < t.KLimit0 ? x[t.Offset0 + at] : 0f;
        if (count > 1) v.Y = k0 < t.KLimit1 ? x[t.Offset1 + at] : 0f;
        if (count > 2) v.Z = k0 < t.KLimit2 ? x[t.Offset2 + at] : 0f;
        if (count > 3) v.W = k0 < t.KLimit3 ? x[t.Offset3 + at] : 0f;
        return v;
    }

    /// <summary>Writes the thread's elements (count of them) into one buffer of a shared tile.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Stage(ArrayView<float> tile, in TileLoads t, int count, Float4 v)
    {
        tile[t.Shared0] = v.X;
        if (count > 1) tile[t.Shared1] = v.Y;
        if (count > 2) tile[t.Shared2] = v.Z;
        if (count > 3) tile[t.Shared3] = v.W;
    }

    /// <summary>
    /// One p of the step: the thread's 4 (or 8) values of op(a) and 4 (or 8) of op(b), read as float4s at aAt and bAt
    /// (constants, so immediate offsets), into the micro-tile.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MultiplyAdd<TShape>(ref MicroTile acc, ArrayView<Float4> aRun, ArrayView<Float4> bRun, int aAt, int bAt)
        where TShape : struct, IGemmTileShape
    {
        var shape = default(TShape);
        var a4 = aRun[aAt];
        // MicroRows and MicroCols are constants once specialised, so these tests fold away with the unused sums.
        var a8 = shape.MicroRows == 8 ? aRun[aAt + shape.ThreadRows] : default;
        MultiplyAdd<TShape>(ref acc.Low, a4, a8, bRun[bAt]);
        if (shape.MicroCols == 8)
            MultiplyAdd<TShape>(ref acc.High, a4, a8, bRun[bAt + shape.ThreadCols]);
    }

    /// <summary>Rows 0..3 (a4) and 4..7 (a8, with 8 micro-rows) of the thread's op(a) values times four op(b) values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MultiplyAdd<TShape>(ref Accumulator8x4 acc, Float4 a4, Float4 a8, Float4 b4)
        where TShape : struct, IGemmTileShape
    {
        acc.R0.Add(a4.X, b4);
        acc.R1.Add(a4.Y, b4);
        acc.R2.Add(a4.Z, b4);
        acc.R3.Add(a4.W, b4);
        if (default(TShape).MicroRows == 8)
        {
            acc.R4.Add(a8.X, b4);
            acc.R5.Add(a8.Y, b4);
            acc.R6.Add(a8.Z, b4);
            acc.R7.Add(a8.W, b4);
        }
    }

    /// <summary>Row i of the micro-tile: columns j..j+3, those inside c.</summary>
    private static void StoreRow<TEpilogue>(ArrayView<float> c, ArrayView<float> operand, GemmLayout l, int i, int j, Accumulator4 r)
        where TEpilogue : struct, IGemmEpilogue
    {
        if (i >= l.M)
            return;
        long rowStart = (long)i * l.N;
        if (j < l.N) GemmKernels.StoreOne<TEpilogue>(c, operand, l, rowStart + j, j, r.V0);
        if (j + 1 < l.N) GemmKernels.StoreOne<TEpilogue>(c, operand, l, rowStart + j + 1, j + 1, r.V1);
        if (j + 2 < l.N) GemmKernels.StoreOne<TEpilogue>(c, operand, l, rowStart + j + 2, j + 2, r.V2);
        if (j + 3 < l.N) GemmKernels.StoreOne<TEpilogue>(c, operand, l, rowStart + j + 3, j + 3, r.V3);
    }
}
