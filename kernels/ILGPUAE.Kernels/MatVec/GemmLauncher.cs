namespace ILGPUAE.MatVec;

using ILGPU;
using ILGPU.Runtime;
using ILGPUAE.Activation;
using ILGPUAE.Backend;
using ILGPUAE.Ilgpu;
// A shared-memory GEMM kernel: (config, a, b, c, epilogue operand, layout).
using TiledKernel = System.Action<ILGPU.KernelConfig, ILGPU.ArrayView<float>, ILGPU.ArrayView<float>, ILGPU.ArrayView<float>,
    ILGPU.ArrayView<float>, ILGPUAE.MatVec.GemmLayout>;
// A batched shared-memory GEMM kernel: (config, a, b, c, epilogue operand, layout, where the items lie).
using BatchedTiledKernel = System.Action<ILGPU.KernelConfig, ILGPU.ArrayView<float>, ILGPU.ArrayView<float>, ILGPU.ArrayView<float>,
    ILGPU.ArrayView<float>, ILGPUAE.MatVec.GemmLayout, ILGPUAE.Backend.GemmBatch>;
// Split-K's second pass: (threads, workspace, c, epilogue operand, layout, slices, firstSliceInC, stride).
using SplitKReduceKernel = System.Action<ILGPU.Index1D, ILGPU.ArrayView<float>, ILGPU.ArrayView<float>, ILGPU.ArrayView<float>,
    ILGPUAE.MatVec.GemmLayout, int, int, ILGPUAE.Ilgpu.GridStride>;
// Split-K in one launch: (config, a, b, c, epilogue operand, workspace, arrivals, layout, slice depth, firstSliceInC).
using SplitKOnePassKernel = System.Action<ILGPU.KernelConfig, ILGPU.ArrayView<float>, ILGPU.ArrayView<float>, ILGPU.ArrayView<float>,
    ILGPU.ArrayView<float>, ILGPU.ArrayView<float>, ILGPU.ArrayView<int>, ILGPUAE.MatVec.GemmLayout, int, int>;

/// <summary>Which kernel computes one product.</summary>
public enum GemmVariant
{
    /// <summary><see cref="GemmKernels.Strip1x4"/>: barrier-free 1×4 strips, for products of fewer than 4 rows (matvecs).</summary>
    Strip1x4,

    /// <summary><see cref="GemmKernels.Tile4x4"/>: barrier-free 4×4 blocks; ILGPU's CPU accelerator, and GPU products too small for shared tiles.</summary>
    Tile4x4,

    /// <summary><see cref="GemmTiledKernels.Tiled{TShape, TEpilogue}"/> with <see cref="GemmTile32x32"/>: products too small for enough 64×64 blocks (the DAE's at batch 100).</summary>
    Tiled32x32,

    /// <summary>
    /// Deterministic split-K in two launches: <see cref="GemmTiledKernels.TiledSplitK{TShape}"/> with <see cref="GemmTile32x32"/>
    /// writes each K-slice's sums to its own workspace slot, <see cref="GemmTiledKernels.SplitKReduce"/> adds the slots in
    /// order. The policy's split-K until <see cref="TiledSplitKOnePass32x32"/>; kept as its baseline until a GPU run of
    /// the W4 kernel sweep compares the two.
    /// </summary>
    TiledSplitK32x32,

    /// <summary>
    /// Deterministic split-K in one launch: <see cref="GemmTiledKernels.TiledSplitKOnePass{TShape, TEpilogue}"/> with
    /// <see cref="GemmTile32x32"/>, where the last group of each block adds the slots in order, the same sums in the same
    /// order as <see cref="TiledSplitK32x32"/>. Deep products with too few 32×32 blocks to occupy the device (the DAE's
    /// encode and decode at batch 100). The policy's choice over the two-launch variant is not yet measured: it saves a
    /// launch and a pass over c, and costs every group a device-wide fence (and the SM's L1 lines) before it counts itself.
    /// </summary>
    TiledSplitKOnePass32x32,

    /// <summary><see cref="GemmTiledKernels.Tiled{TShape, TEpilogue}"/> with <see cref="GemmTile64x64"/>: products too small for enough 128×64 blocks.</summary>
    Tiled64x64,

    /// <summary><see cref="GemmTiledKernels.Tiled{TShape, TEpilogue}"/> with <see cref="GemmTile128x64"/>: products too small for enough 128×128 blocks.</summary>
    Tiled128x64,

    /// <summary><see cref="GemmTiledKernels.Tiled{TShape, TEpilogue}"/> with <see cref="GemmTile128x128"/>: large products.</summary>
    Tiled128x128,
}

/// <summary>What <see cref="GemmPolicy"/> needs to know of an accelerator.</summary>
/// <param name="IsCpuAccelerator">ILGPU's CPU accelerator, where a group barrier costs ≈2.5 ms.</param>
/// <param name="Multiprocessors">Streaming multiprocessors (compute units): how many groups run at once, roughly.</param>
/// <param name="MaxThreadsPerGroup">The largest group it launches.</param>
public readonly record struct GemmDevice(bool IsCpuAccelerator, int Multiprocessors, int MaxThreadsPerGroup)
{
    public static GemmDevice Of(IlgpuBackend backend) =>
        new(backend.IsCpuAccelerator, backend.Accelerator.NumMultiprocessors, backend.Accelerator.MaxNumThreadsPerGroup);
}

/// <summary>
/// Picks the GEMM kernel for a product. ILGPU's CPU accelerator pays ≈2.5 ms per group barrier, so it always
/// gets the barrier-free kernels; on a GPU the shared-memory kernel runs once the product fills its tiles.
/// </summary>
public static class GemmPolicy
{
    /// <summary>Below this many rows or columns, most of a 32×32 block would be padding.</summary>
    public const int MinTiledRowsAndCols = 32;

    /// <summary>Below this depth the staging and the two barriers per slice cost more than they save.</summary>
    public const int MinTiledDepth = 16;

    /// <summary>Split-K aims for this many 64-thread groups per multiprocessor.</summary>
    public const int SplitKBlocksPerMultiprocessor = 4;

    /// <summary>Shallower products do not split: each slice's staging, barriers and workspace pass would cost more than its sums.</summary>
    public const int MinSplitKDepth = 256;

    /// <summary>No K-slice is shallower than this (eight steps of <see cref="GemmTiledKernels.Depth"/>), except the last, which takes what remains.</summary>
    public const int MinSliceDepth = 64;

    /// <summary>
    /// The policy's slice depths are multiples of this (four kernel steps), though the kernel takes any multiple of
    /// <see cref="GemmTiledKernels.Depth"/>: at the DAE's shapes the coarser rounding gives fewer slices, so less workspace
    /// (W5's budget) and fewer partial waves (100×1000×784: 5 slices of 160, not 6 of 152).
    /// </summary>
    public const int SliceStep = 32;

    public static GemmVariant Choose(int m, int n, int k, GemmDevice device)
    {
        if (m < GemmKernels.TileRows)
            return GemmVariant.Strip1x4;
        if (device.IsCpuAccelerator || m < MinTiledRowsAndCols || n < MinTiledRowsAndCols || k < MinTiledDepth
            || GroupSize<GemmTile32x32>() > device.MaxThreadsPerGroup)
            return GemmVariant.Tile4x4;
        // The biggest block that still fills the device: at least one 128×128 or 128×64 block (256 threads) per multiprocessor,
        // else two 64×64 blocks (128 threads), else 32×32 blocks (64 threads), four times as many as 64×64. Both first
        // tests ask for 8 warps per multiprocessor, and ⌈M/64⌉ ≤ 2·⌈M/128⌉, so 64×64 runs only where 256-thread groups
        // do not: on a GPU that allows them a product goes from 128×64 straight to 32×32.
        if (Blocks<GemmTile128x128>(m, n) >= device.Multiprocessors && GroupSize<GemmTile128x128>() <= device.MaxThreadsPerGroup)
            return GemmVariant.Tiled128x128;
        if (Blocks<GemmTile128x64>(m, n) >= device.Multiprocessors && GroupSize<GemmTile128x64>() <= device.MaxThreadsPerGroup)
            return GemmVariant.Tiled128x64;
        if (Blocks<GemmTile64x64>(m, n) >= 2 * device.Multiprocessors && GroupSize<GemmTile64x64>() <= device.MaxThreadsPerGroup)
            return GemmVariant.Tiled64x64;
        // Too few 32×32 blocks even so (100×1000 is 128 on 132 multiprocessors): deep products split K instead.
        if (Blocks<GemmTile32x32>(m, n) < SplitKBlocksPerMultiprocessor * device.Multiprocessors && k >= MinSplitKDepth)
            return GemmVariant.TiledSplitKOnePass32x32;
        return GemmVariant.Tiled32x32;
    }

    /// <summary>
    /// The kernel for <paramref name="count"/> products of one shape (<see cref="IGemm.GemmBatched"/>): the barrier-free 4×4 blocks
    /// where <see cref="Choose"/> would take them, else the biggest shared-memory block whose blocks over all items fill the
    /// device as <see cref="Choose"/> asks of one product. The items fill the device, so no split-K.
    /// </summary>
    public static GemmVariant ChooseBatched(int m, int n, int k, int count, GemmDevice device)
    {
        if (device.IsCpuAccelerator || m < MinTiledRowsAndCols || n < MinTiledRowsAndCols || k < MinTiledDepth
            || GroupSize<GemmTile32x32>() > device.MaxThreadsPerGroup)
            return GemmVariant.Tile4x4;
        if ((long)Blocks<GemmTile128x128>(m, n) * count >= device.Multiprocessors && GroupSize<GemmTile128x128>() <= device.MaxThreadsPerGroup)
            return GemmVariant.Tiled128x128;
        if ((long)Blocks<GemmTile128x64>(m, n) * count >= device.Multiprocessors && GroupSize<GemmTile128x64>() <= device.MaxThreadsPerGroup)
            return GemmVariant.Tiled128x64;
        if ((long)Blocks<GemmTile64x64>(m, n) * count >= 2 * device.Multiprocessors && GroupSize<GemmTile64x64>() <= device.MaxThreadsPerGroup)
            return GemmVariant.Tiled64x64;
        return GemmVariant.Tiled32x32;
    }

    /// <summary>
    /// The K-slice depth of a split-K product: a multiple of <see cref="SliceStep"/>, at least <see cref="MinSliceDepth"/>,
    /// shallow enough that ⌈M/32⌉·⌈N/32⌉·slices reaches <see cref="SplitKBlocksPerMultiprocessor"/> groups per
    /// multiprocessor where <see cref="MinSliceDepth"/> allows.
    /// </summary>
    public static int SplitKSliceDepth(int m, int n, int k, GemmDevice device)
    {
        var step = SliceStep;
        var blocks = Math.Max(1, Blocks<GemmTile32x32>(m, n));
        var wanted = Math.Max(1, (SplitKBlocksPerMultiprocessor * device.Multiprocessors + blocks - 1) / blocks);
        // Rounding the depth down to whole steps gives ⌈K/depth⌉ ≥ wanted slices.
        var steps = (k + step - 1) / step / wanted;
        return Math.Max(MinSliceDepth, steps * step);
    }

    /// <summary>Whether <paramref name="variant"/> splits the K range into slices (<see cref="SplitKSliceDepth"/>).</summary>
    public static bool SplitsK(GemmVariant variant) => variant is GemmVariant.TiledSplitK32x32 or GemmVariant.TiledSplitKOnePass32x32;

    /// <summary>K-slices of <paramref name="sliceDepth"/>, the last one partial; at least one (K = 0 stores beta·c).</summary>
    public static int SplitKSlices(int k, int sliceDepth) => Math.Max(1, (k + sliceDepth - 1) / sliceDepth);

    /// <summary>
    /// The group size <paramref name="variant"/> launches with, which the device must allow; null for the barrier-free
    /// kernels, whose groups ILGPU sizes to the device.
    /// </summary>
    public static int? GroupSizeOf(GemmVariant variant) => variant switch
    {
        GemmVariant.Strip1x4 or GemmVariant.Tile4x4 => null,
        GemmVariant.Tiled32x32 or GemmVariant.TiledSplitK32x32 or GemmVariant.TiledSplitKOnePass32x32 => GroupSize<GemmTile32x32>(),
        GemmVariant.Tiled64x64 => GroupSize<GemmTile64x64>(),
        GemmVariant.Tiled128x64 => GroupSize<GemmTile128x64>(),
        GemmVariant.Tiled128x128 => GroupSize<GemmTile128x128>(),
        _ => throw new ArgumentOutOfRangeException(nameof(variant), variant, "no group size for this GEMM variant"),
    };

    /// <summary>The groups a tiled launch of shape <typeparamref name="TShape"/> needs for c [M,N].</summary>
    public static int Blocks<TShape>(int m, int n) where TShape : struct, IGemmTileShape
    {
        var shape = default(TShape);
        var rows = shape.ThreadRows * shape.MicroRows;
        var cols = shape.ThreadCols * shape.MicroCols;
        return (m + rows - 1) / rows * ((n + cols - 1) / cols);
    }

    /// <summary>
    /// CUDA's launch bounds for a tiled shape (PTX .maxntid and .minnctapersm): groups of exactly its size, and the
    /// shape's <see cref="IGemmTileShape.MinGroupsPerMultiprocessor"/> where it sets one. A bound on shapes that fit
    /// anyway would only invite ptxas to spend more registers and fit fewer groups.
    /// </summary>
    public static KernelSpecialization LaunchBounds<TShape>() where TShape : struct, IGemmTileShape =>
        new(GroupSize<TShape>(), default(TShape).MinGroupsPerMultiprocessor is > 0 and var groups ? groups : null);

    /// <summary>Threads per group of a tiled shape.</summary>
    public static int GroupSize<TShape>() where TShape : struct, IGemmTileShape =>
        default(TShape).ThreadRows * default(TShape).ThreadCols;
}

/// <summary>Loads the GEMM kernels once and launches them on tensors of one <see cref="IlgpuBackend"/>.</summary>
public sealed class GemmLauncher : IGemm, IDisposable
{
    private readonly IlgpuBackend backend;
    private readonly GemmDevice device;
    private readonly GemmVariant? forced;
    private readonly int? forcedSliceDepth;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ColumnSumsLayout, GridStride> columnSums;

    // Split-K's first pass stores raw sums, so it has no epilogue; loaded only where it can run (never on the CPU
    // accelerator unless a test forces it).
    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmLayout, int, int>? tiledSplitK32x32;

    // The kernels without an epilogue, and those specialised for each (epilogue kind, activation) pair at
    // [kind · activations + activation]; each set is loaded on the first product that uses it, so a process compiles only
    // the epilogues it runs (the CPU accelerator's tests pay ILGPU's compile time per kernel).
    private EpilogueKernels? plainKernels;
    private readonly EpilogueKernels?[] epilogueKernels = new EpilogueKernels?[Enum.GetValues<GemmEpilogueKind>().Length * Activations.All.Count];

    // The batched kernels of each epilogue, indexed as epilogueKernels; loaded on the first batched product that uses them.
    private BatchedKernels? plainBatched;
    private readonly BatchedKernels?[] epilogueBatched = new BatchedKernels?[Enum.GetValues<GemmEpilogueKind>().Length * Activations.All.Count];

    // Split-K's [slices, M, N] partial sums: allocated on the first split product, grown (never shrunk) when one needs more.
    private Tensor<float>? workspace;

    // The one-pass split-K's count of finished slices per block of c, zero between launches; grown as the workspace is.
    private Tensor<int>? arrivals;

    public GemmLauncher(IlgpuBackend backend)
        : this(backend, forced: null)
    {
    }

    /// <param name="forced">
    /// Every product runs on this variant whatever its shape (tests, <see cref="Checks.KernelChecks.GemmVariants"/>, the
    /// benchmark's kernel sweep); null = <see cref="GemmPolicy"/>.
    /// </param>
    /// <param name="sliceDepth">Split-K's K-slice depth, a multiple of <see cref="GemmTiledKernels.Depth"/>, so small products split too; null = <see cref="GemmPolicy.SplitKSliceDepth"/>.</param>
    public GemmLauncher(IlgpuBackend backend, GemmVariant? forced, int? sliceDepth = null)
    {
        var step = GemmTiledKernels.Depth;
        if (sliceDepth is { } d && (d <= 0 || d % step != 0))
            throw new ArgumentException($"split-K slice depth {d} is not a positive multiple of {step}", nameof(sliceDepth));
        this.backend = backend;
        this.forced = forced;
        forcedSliceDepth = sliceDepth;
        var acc = backend.Accelerator;
        device = GemmDevice.Of(backend);
        columnSums = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ColumnSumsLayout, GridStride>(
            GemmKernels.ColumnSums);
        if (Loads(GemmVariant.TiledSplitK32x32) && GemmPolicy.GroupSize<GemmTile32x32>() <= acc.MaxNumThreadsPerGroup)
            tiledSplitK32x32 = acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmLayout, int, int>(
                GemmTiledKernels.TiledSplitK<GemmTile32x32>, GemmPolicy.LaunchBounds<GemmTile32x32>());
    }

    /// <summary>The kernel a product of op(a) [M,K] by op(b) [K,N] runs on.</summary>
    public GemmVariant VariantFor(int m, int n, int k) =>
        forced ?? GemmPolicy.Choose(m, n, k, device);

    public void Gemm(Transpose transA, Transpose transB, float alpha, Tensor<float> a, Tensor<float> b, float beta, Tensor<float> c) =>
        Gemm(transA, transB, alpha, a, b, beta, c, GemmEpilogue.None);

    public void Gemm(Transpose transA, Transpose transB, float alpha, Tensor<float> a, Tensor<float> b, float beta, Tensor<float> c,
        GemmEpilogue epilogue)
    {
        var (m, n, k) = Shapes.Gemm(transA, transB, a, b, c);
        Shapes.Epilogue(epilogue, c);
        if (m == 0 || n == 0)
            return;
        var layout = GemmLayout.RowMajor(transA, transB, m, n, k, alpha, beta);
        var av = backend.ViewOf(a, nameof(a)).AsContiguous();
        var bv = backend.ViewOf(b, nameof(b)).AsContiguous();
        var cv = backend.ViewOf(c, nameof(c)).AsContiguous();
        // Kernels without an epilogue never read their operand: c stands in for it.
        var operand = epilogue.IsIdentity ? cv : backend.ViewOf(epilogue.Operand!, "epilogue operand").AsContiguous();
        var kernels = KernelsFor(epilogue);
        var tilesN = (n + GemmKernels.TileCols - 1) / GemmKernels.TileCols;
        switch (VariantFor(m, n, k))
        {
            case GemmVariant.Strip1x4:
                var strips = backend.Stride(m * tilesN);
                kernels.Strip1x4(strips.Stride, av, bv, cv, operand, layout, strips);
                break;
            case GemmVariant.Tile4x4:
                var tiles = backend.Stride((m + GemmKernels.TileRows - 1) / GemmKernels.TileRows * tilesN);
                kernels.Tile4x4(tiles.Stride, av, bv, cv, operand, layout, tiles);
                break;
            case GemmVariant.Tiled32x32:
                LaunchTiled<GemmTile32x32>(kernels.Tiled32x32, av, bv, cv, operand, layout);
                break;
            case GemmVariant.TiledSplitK32x32:
                LaunchSplitK(kernels.SplitKReduce, av, bv, cv, operand, layout);
                break;
            case GemmVariant.TiledSplitKOnePass32x32:
                LaunchSplitKOnePass(kernels.TiledSplitKOnePass32x32, av, bv, cv, operand, layout);
                break;
            case GemmVariant.Tiled64x64:
                LaunchTiled<GemmTile64x64>(kernels.Tiled64x64, av, bv, cv, operand, layout);
                break;
            case GemmVariant.Tiled128x64:
                LaunchTiled<GemmTile128x64>(kernels.Tiled128x64, av, bv, cv, operand, layout);
                break;
            case GemmVariant.Tiled128x128:
                LaunchTiled<GemmTile128x128>(kernels.Tiled128x128, av, bv, cv, operand, layout);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(forced), VariantFor(m, n, k), "no launch for this GEMM variant");
        }
    }

    /// <summary>
    /// The kernel <see cref="GemmBatched"/> runs for <paramref name="count"/> products of op(a) [M,K] by op(b) [K,N]: a forced
    /// shared-memory or 4×4 variant, else (a forced strip or split-K variant included) <see cref="GemmPolicy.ChooseBatched"/>.
    /// </summary>
    public GemmVariant BatchedVariantFor(int m, int n, int k, int count) => forced switch
    {
        GemmVariant.Tile4x4 or GemmVariant.Tiled32x32 or GemmVariant.Tiled64x64 or GemmVariant.Tiled128x64 or GemmVariant.Tiled128x128 => forced.Value,
        _ => GemmPolicy.ChooseBatched(m, n, k, count, device),
    };

    public void GemmBatched(Transpose transA, Transpose transB, int m, int n, int k, float alpha, Tensor<float> a, Tensor<float> b, float beta,
        Tensor<float> c, GemmEpilogue epilogue, GemmBatch batch)
    {
        Shapes.GemmBatched(m, n, k, a, b, c, epilogue, batch);
        if (batch.Count == 0 || m == 0 || n == 0)
            return;
        var layout = GemmLayout.RowMajor(transA, transB, m, n, k, alpha, beta);
        var av = backend.ViewOf(a, nameof(a)).AsContiguous();
        var bv = backend.ViewOf(b, nameof(b)).AsContiguous();
        var cv = backend.ViewOf(c, nameof(c)).AsContiguous();
        // Kernels without an epilogue never read their operand: c stands in for it, stepped as c is so each item's view is inside it.
        var identity = epilogue.IsIdentity;
        var operand = identity ? cv : backend.ViewOf(epilogue.Operand!, "epilogue operand").AsContiguous();
        var items = identity ? batch with { StrideOperand = batch.StrideC } : batch;
        var kernels = BatchedKernelsFor(epilogue);
        switch (BatchedVariantFor(m, n, k, batch.Count))
        {
            case GemmVariant.Tile4x4:
                var perItem = (m + GemmKernels.TileRows - 1) / GemmKernels.TileRows * ((n + GemmKernels.TileCols - 1) / GemmKernels.TileCols);
                var tiles = backend.Stride(checked(perItem * batch.Count));
                kernels.Tile4x4(tiles.Stride, av, bv, cv, operand, layout, items, tiles);
                break;
            case GemmVariant.Tiled32x32:
                LaunchTiledBatched<GemmTile32x32>(kernels.Tiled32x32, av, bv, cv, operand, layout, items);
                break;
            case GemmVariant.Tiled64x64:
                LaunchTiledBatched<GemmTile64x64>(kernels.Tiled64x64, av, bv, cv, operand, layout, items);
                break;
            case GemmVariant.Tiled128x64:
                LaunchTiledBatched<GemmTile128x64>(kernels.Tiled128x64, av, bv, cv, operand, layout, items);
                break;
            case GemmVariant.Tiled128x128:
                LaunchTiledBatched<GemmTile128x128>(kernels.Tiled128x128, av, bv, cv, operand, layout, items);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(forced), BatchedVariantFor(m, n, k, batch.Count), "no batched launch for this GEMM variant");
        }
    }

    public void ColumnSums(float alpha, Tensor<float> a, float beta, Tensor<float> sums)
    {
        Shapes.ColumnSums(a, sums);
        if (sums.Length == 0)
            return;
        var g = backend.Stride(sums.Length);
        var av = backend.ViewOf(a, nameof(a)).AsContiguous();
        var sv = backend.ViewOf(sums, nameof(sums)).AsContiguous();
        // No second matrix: the grid covers a's columns only, and a, sums stand in for a2, sums2.
        columnSums(g.Stride, av, sv, av, sv, new ColumnSumsLayout(a.Shape[0], sums.Length, 0, alpha, beta), g);
    }

    public void ColumnSums(float alpha, Tensor<float> a, Tensor<float> a2, float beta, Tensor<float> sums, Tensor<float> sums2)
    {
        Shapes.ColumnSums(a, sums);
        Shapes.ColumnSums(a2, sums2);
        var columns = sums.Length + sums2.Length;
        if (columns == 0)
            return;
        var g = backend.Stride(columns);
        // An empty matrix lends the other's views (the grid never reaches its columns): a zero-length view is not passed.
        var first = sums.Length > 0
            ? (A: backend.ViewOf(a, nameof(a)).AsContiguous(), Sums: backend.ViewOf(sums, nameof(sums)).AsContiguous())
            : (A: backend.ViewOf(a2, nameof(a2)).AsContiguous(), Sums: backend.ViewOf(sums2, nameof(sums2)).AsContiguous());
        var second = sums2.Length > 0
            ? (A: backend.ViewOf(a2, nameof(a2)).AsContiguous(), Sums: backend.ViewOf(sums2, nameof(sums2)).AsContiguous())
            : first;
        columnSums(g.Stride, first.A, first.Sums, second.A, second.Sums, new ColumnSumsLayout(a.Shape[0], sums.Length, a2.Shape[0], alpha, beta), g);
    }

    public void Dispose()
    {
        workspace?.Dispose();
        workspace = null;
        arrivals?.Dispose();
        arrivals = null;
    }

    /// <summary>
    /// The kernels of <paramref name="epilogue"/>: <see cref="NoEpilogue"/> where it leaves the product as it is, else
    /// <see cref="BiasActivateEpilogue{TAct}"/> or <see cref="ActivationBackwardEpilogue{TAct}"/> for its activation's struct.
    /// </summary>
    private EpilogueKernels KernelsFor(GemmEpilogue epilogue)
    {
        if (epilogue.IsIdentity)
            return plainKernels ??= Load<NoEpilogue>();
        var at = (int)epilogue.Kind * Activations.All.Count + (int)epilogue.Activation;
        return epilogueKernels[at] ??= Activations.Visit(epilogue.Activation, new EpilogueLoader(this, epilogue.Kind));
    }

    /// <summary>The batched kernels of <paramref name="epilogue"/>, loaded as <see cref="KernelsFor"/> loads the single ones.</summary>
    private BatchedKernels BatchedKernelsFor(GemmEpilogue epilogue)
    {
        if (epilogue.IsIdentity)
            return plainBatched ??= LoadBatched<NoEpilogue>();
        var at = (int)epilogue.Kind * Activations.All.Count + (int)epilogue.Activation;
        return epilogueBatched[at] ??= Activations.Visit(epilogue.Activation, new BatchedLoader(this, epilogue.Kind));
    }

    private sealed class BatchedLoader(GemmLauncher launcher, GemmEpilogueKind kind) : IActivationVisitor<BatchedKernels>
    {
        public BatchedKernels Visit<TAct>() where TAct : struct, IActivation => kind switch
        {
            GemmEpilogueKind.BiasActivate => launcher.LoadBatched<BiasActivateEpilogue<TAct>>(),
            GemmEpilogueKind.ActivationBackward => launcher.LoadBatched<ActivationBackwardEpilogue<TAct>>(),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "no batched GEMM kernel for this epilogue"),
        };
    }

    private BatchedKernels LoadBatched<TEpilogue>() where TEpilogue : struct, IGemmEpilogue
    {
        var acc = backend.Accelerator;
        return new BatchedKernels(
            acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmLayout, GemmBatch, GridStride>(
                GemmKernels.Tile4x4Batched<TEpilogue>),
            Loads(GemmVariant.Tiled32x32) ? LoadTiledBatched<GemmTile32x32, TEpilogue>(acc) : null,
            Loads(GemmVariant.Tiled64x64) ? LoadTiledBatched<GemmTile64x64, TEpilogue>(acc) : null,
            Loads(GemmVariant.Tiled128x64) ? LoadTiledBatched<GemmTile128x64, TEpilogue>(acc) : null,
            Loads(GemmVariant.Tiled128x128) ? LoadTiledBatched<GemmTile128x128, TEpilogue>(acc) : null);
    }

    private static BatchedTiledKernel? LoadTiledBatched<TShape, TEpilogue>(Accelerator acc)
        where TShape : struct, IGemmTileShape
        where TEpilogue : struct, IGemmEpilogue =>
        GemmPolicy.GroupSize<TShape>() <= acc.MaxNumThreadsPerGroup
            ? acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmLayout, GemmBatch>(
                GemmTiledKernels.TiledBatched<TShape, TEpilogue>, GemmPolicy.LaunchBounds<TShape>())
            : null;

    private void LaunchTiledBatched<TShape>(BatchedTiledKernel? kernel, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c,
        ArrayView<float> operand, GemmLayout layout, GemmBatch batch)
        where TShape : struct, IGemmTileShape
    {
        if (kernel is null)
            throw GroupsTooSmall<TShape>();
        var groups = checked(GemmPolicy.Blocks<TShape>(layout.M, layout.N) * batch.Count);
        kernel(new KernelConfig(groups, GemmPolicy.GroupSize<TShape>()), a, b, c, operand, layout, batch);
    }

    /// <summary>Loads the kernels of one epilogue kind for the activation struct <see cref="Activations.Visit{TResult}"/> picks.</summary>
    private sealed class EpilogueLoader(GemmLauncher launcher, GemmEpilogueKind kind) : IActivationVisitor<EpilogueKernels>
    {
        public EpilogueKernels Visit<TAct>() where TAct : struct, IActivation => kind switch
        {
            GemmEpilogueKind.BiasActivate => launcher.Load<BiasActivateEpilogue<TAct>>(),
            GemmEpilogueKind.ActivationBackward => launcher.Load<ActivationBackwardEpilogue<TAct>>(),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "no GEMM kernel for this epilogue"),
        };
    }

    /// <summary>Whether this launcher loads <paramref name="variant"/>: every variant on a GPU, only the barrier-free ones (or the forced one) on the CPU accelerator.</summary>
    private bool Loads(GemmVariant variant) => !backend.IsCpuAccelerator || forced == variant;

    private EpilogueKernels Load<TEpilogue>() where TEpilogue : struct, IGemmEpilogue
    {
        var acc = backend.Accelerator;
        return new EpilogueKernels(
            acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmLayout, GridStride>(
                GemmKernels.Tile4x4<TEpilogue>),
            acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmLayout, GridStride>(
                GemmKernels.Strip1x4<TEpilogue>),
            Loads(GemmVariant.Tiled32x32) ? LoadTiled<GemmTile32x32, TEpilogue>(acc) : null,
            Loads(GemmVariant.Tiled64x64) ? LoadTiled<GemmTile64x64, TEpilogue>(acc) : null,
            Loads(GemmVariant.Tiled128x64) ? LoadTiled<GemmTile128x64, TEpilogue>(acc) : null,
            Loads(GemmVariant.Tiled128x128) ? LoadTiled<GemmTile128x128, TEpilogue>(acc) : null,
            tiledSplitK32x32 is not null
                ? acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmLayout, int, int, GridStride>(
                    GemmTiledKernels.SplitKReduce<TEpilogue>)
                : null,
            Loads(GemmVariant.TiledSplitKOnePass32x32) && GemmPolicy.GroupSize<GemmTile32x32>() <= acc.MaxNumThreadsPerGroup
                ? acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, GemmLayout,
                    int, int>(GemmTiledKernels.TiledSplitKOnePass<GemmTile32x32, TEpilogue>, GemmPolicy.LaunchBounds<GemmTile32x32>())
                : null);
    }

    private static TiledKernel? LoadTiled<TShape, TEpilogue>(Accelerator acc)
        where TShape : struct, IGemmTileShape
        where TEpilogue : struct, IGemmEpilogue =>
        // A device whose groups are too small for the shape (the engine's CPU accelerator has 4 threads) cannot run it.
        GemmPolicy.GroupSize<TShape>() <= acc.MaxNumThreadsPerGroup
            ? acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmLayout>(GemmTiledKernels.Tiled<TShape, TEpilogue>,
                GemmPolicy.LaunchBounds<TShape>())
            : null;

    private void LaunchTiled<TShape>(TiledKernel? kernel, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, ArrayView<float> operand,
        GemmLayout layout)
        where TShape : struct, IGemmTileShape
    {
        if (kernel is null)
            throw GroupsTooSmall<TShape>();
        kernel(new KernelConfig(GemmPolicy.Blocks<TShape>(layout.M, layout.N), GemmPolicy.GroupSize<TShape>()), a, b, c, operand, layout);
    }

    /// <summary>
    /// Slices of the K range into the workspace [slices, M, N], then c = epilogue(alpha·(slot sums in slot order) + beta·c).
    /// With beta = 0 the first slice's sums go straight into c, which saves a slot of workspace.
    /// </summary>
    private void LaunchSplitK(SplitKReduceKernel? reduce, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, ArrayView<float> operand,
        GemmLayout layout)
    {
        if (tiledSplitK32x32 is null || reduce is null)
            throw GroupsTooSmall<GemmTile32x32>();
        var plan = PlanSplitK(layout);
        tiledSplitK32x32(plan.Config, a, b, c, plan.Partials, layout.RawSums(), plan.SliceDepth, plan.FirstSliceInC);
        var g = backend.Stride(layout.M * layout.N);
        reduce(g.Stride, plan.Partials, c, operand, layout, plan.Slices, plan.FirstSliceInC, g);
    }

    /// <summary>The same product as <see cref="LaunchSplitK"/> in one launch, the last group of each block summing its slots.</summary>
    private void LaunchSplitKOnePass(SplitKOnePassKernel? kernel, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, ArrayView<float> operand,
        GemmLayout layout)
    {
        if (kernel is null)
            throw GroupsTooSmall<GemmTile32x32>();
        var plan = PlanSplitK(layout);
        var counts = Grown(ref arrivals, GemmPolicy.Blocks<GemmTile32x32>(layout.M, layout.N), nameof(arrivals));
        kernel(plan.Config, a, b, c, operand, plan.Partials, counts, layout, plan.SliceDepth, plan.FirstSliceInC);
    }

    /// <summary>A split-K launch's slices, its groups, and the workspace for the slots that are not c.</summary>
    private SplitKPlan PlanSplitK(GemmLayout layout)
    {
        var (m, n, k) = (layout.M, layout.N, layout.K);
        var depth = forcedSliceDepth ?? GemmPolicy.SplitKSliceDepth(m, n, k, device);
        var slices = GemmPolicy.SplitKSlices(k, depth);
        var firstSliceInC = layout.Beta == 0f ? 1 : 0;
        var partials = Grown(ref workspace, Math.Max(1, checked((slices - firstSliceInC) * m * n)), nameof(workspace));
        var config = new KernelConfig(GemmPolicy.Blocks<GemmTile32x32>(m, n) * slices, GemmPolicy.GroupSize<GemmTile32x32>());
        return new SplitKPlan(depth, slices, firstSliceInC, partials, config);
    }

    /// <summary>
    /// At least <paramref name="length"/> elements of <paramref name="buffer"/>, allocated (zeroed) through the backend so
    /// they are counted; a larger one replaces it when a product needs more.
    /// </summary>
    private ArrayView<T> Grown<T>(ref Tensor<T>? buffer, int length, string name) where T : unmanaged
    {
        if (buffer is null || buffer.Length < length)
        {
            // Grown rarely (a larger product than any before): let launches still using the old one finish first.
            if (buffer is not null)
            {
                backend.Synchronize();
                buffer.Dispose();
                buffer = null;
            }
            buffer = backend.Allocate<T>(length);
        }
        return backend.ViewOf(buffer, name).AsContiguous();
    }

    private readonly record struct SplitKPlan(int SliceDepth, int Slices, int FirstSliceInC, ArrayView<float> Partials, KernelConfig Config);

    private InvalidOperationException GroupsTooSmall<TShape>() where TShape : struct, IGemmTileShape =>
        new($"gemm {typeof(TShape).Name}: needs groups of {GemmPolicy.GroupSize<TShape>()} threads, " +
            $"'{backend.Name}' allows {backend.Accelerator.MaxNumThreadsPerGroup}");
}

/// <summary>
/// The GEMM kernels of one epilogue; a shared-memory kernel is null where the launcher does not load it (the CPU
/// accelerator, unless forced) or the device's groups are too small for it.
/// </summary>
internal sealed record EpilogueKernels(
    Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmLayout, GridStride> Tile4x4,
    Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmLayout, GridStride> Strip1x4,
    TiledKernel? Tiled32x32,
    TiledKernel? Tiled64x64,
    TiledKernel? Tiled128x64,
    TiledKernel? Tiled128x128,
    SplitKReduceKernel? SplitKReduce,
    SplitKOnePassKernel? TiledSplitKOnePass32x32);

/// <summary>The batched GEMM kernels of one epilogue (<see cref="GemmLauncher.GemmBatched"/>); a shared-memory kernel is null as in <see cref="EpilogueKernels"/>.</summary>
internal sealed record BatchedKernels(
    Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmLayout, GemmBatch, GridStride> Tile4x4,
    BatchedTiledKernel? Tiled32x32,
    BatchedTiledKernel? Tiled64x64,
    BatchedTiledKernel? Tiled128x64,
    BatchedTiledKernel? Tiled128x128);
