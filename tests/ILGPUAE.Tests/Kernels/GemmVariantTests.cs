namespace ILGPUAE.Tests.Kernels;

using System.Reflection;
using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.OpenCL;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;
using ILGPUAE.Activation;
using ILGPUAE.Backend;
using ILGPUAE.Checks;
using ILGPUAE.Ilgpu;
using ILGPUAE.MatVec;
using ILGPUAE.Random;

/// <summary>ILGPU's CPU accelerator with 256-thread groups, big enough for the shared-memory GEMM kernels.</summary>
public sealed class WideGroupCpuFixture : IDisposable
{
    private readonly Context context = Context.Create(builder => builder.CPU().EnableAlgorithms());

    public WideGroupCpuFixture() => Backend = WideGroupCpu.Open(context);

    public IlgpuBackend Backend { get; }

    public void Dispose()
    {
        Backend.Dispose();
        context.Dispose();
    }
}

/// <summary>
/// The GEMM kernels a GPU selects, forced on ILGPU's CPU accelerator and compared with the double reference, and
/// the policy that keeps the CPU accelerator on the barrier-free kernels. Each group barrier costs milliseconds
/// there, so sizes stay at a few hundred.
/// </summary>
[Collection(CpuAcceleratorCollection.Name)]
public sealed class GemmVariantTests(CpuAcceleratorFixture cpu, WideGroupCpuFixture wide) : IClassFixture<WideGroupCpuFixture>
{
    private static readonly Transpose[] Both = [Transpose.None, Transpose.Transposed];

    /// <summary>
    /// M × N × K around the tile sizes (32, 64 and 128 rows, 32 and 64 columns, 8 deep): one partial block,
    /// several blocks with partial edges both ways, a partial last slice; a single row or column, K = 1 and K = 0.
    /// </summary>
    private static readonly (int M, int N, int K)[] AwkwardShapes =
    [
        (1, 1, 1), (31, 31, 31), (32, 32, 32), (33, 33, 33), (127, 127, 127),
        (65, 33, 129), (129, 65, 33), (1, 65, 17), (65, 1, 17), (33, 65, 1), (33, 31, 0),
    ];

    public static TheoryData<GemmVariant, int, int, int> TiledShapes
    {
        get
        {
            var data = new TheoryData<GemmVariant, int, int, int>();
            foreach (var variant in new[] { GemmVariant.Tiled32x32, GemmVariant.Tiled64x64, GemmVariant.Tiled128x64, GemmVariant.Tiled128x128 })
                foreach (var (m, n, k) in AwkwardShapes)
                    data.Add(variant, m, n, k);
            return data;
        }
    }

    private static readonly GemmVariant[] SplitKVariants = Enum.GetValues<GemmVariant>().Where(GemmPolicy.SplitsK).ToArray();

    /// <summary>
    /// Both split-K variants at 8-, 32- and 64-deep slices: K = 33 is five or two slices (the last 1 deep), K = 129
    /// seventeen, five or three.
    /// </summary>
    public static TheoryData<GemmVariant, int, int, int, int> SplitKShapes
    {
        get
        {
            var data = new TheoryData<GemmVariant, int, int, int, int>();
            foreach (var variant in SplitKVariants)
                foreach (var depth in new[] { 8, 32, 64 })
                    foreach (var (m, n, k) in AwkwardShapes)
                        data.Add(variant, depth, m, n, k);
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(TiledShapes))]
    public void TiledKernelMatchesTheReferenceForEveryTranspose(GemmVariant variant, int m, int n, int k)
    {
        using var gemm = new GemmLauncher(wide.Backend, variant);
        AssertMatchesReference(gemm, variant, m, n, k);
    }

    [Theory]
    [MemberData(nameof(SplitKShapes))]
    public void SplitKMatchesTheReferenceForEveryTranspose(GemmVariant variant, int sliceDepth, int m, int n, int k)
    {
        using var gemm = new GemmLauncher(wide.Backend, variant, sliceDepth);
        AssertMatchesReference(gemm, variant, m, n, k);
    }

    /// <summary>
    /// Split-K sums its slots in slot order whichever group finishes last, so every run gives the same bits, and the one-pass
    /// variant the same bits as the two-pass one: with beta ≠ 0 (every slot in the workspace) and beta = 0 (slot 0 in c).
    /// </summary>
    [Theory]
    [InlineData(0.25f)]
    [InlineData(0f)]
    public void SplitKIsBitwiseReproducible(float beta)
    {
        // 4 slices of 32, the last 30 deep, over 2 × 2 blocks; a new launcher per run allocates its own workspace.
        const int m = 40, n = 36, k = 126;
        var runs = new List<float[]>();
        for (var run = 0; run < 2; run++)
            foreach (var variant in SplitKVariants)
            {
                using var gemm = new GemmLauncher(wide.Backend, variant, sliceDepth: 32);
                runs.Add(Product(gemm, Transpose.None, Transpose.Transposed, m, n, k, alpha: 0.75f, beta: beta));
                runs.Add(Product(gemm, Transpose.None, Transpose.Transposed, m, n, k, alpha: 0.75f, beta: beta));
            }
        Assert.Equal(2 * 2 * SplitKVariants.Length, runs.Count);
        foreach (var r in runs.Skip(1))
            Assert.Equal(runs[0].Select(BitConverter.SingleToInt32Bits), r.Select(BitConverter.SingleToInt32Bits));
    }

    /// <summary>
    /// The one-pass split-K's arrival counts must be back at zero after every launch: a count left over would make a later
    /// launch's last group miss its turn (c keeps slot 0's raw sums) or take it early. Products of growing and shrinking
    /// block counts on one launcher, each against the reference.
    /// </summary>
    [Fact]
    public void OnePassSplitKLeavesItsCountsReadyForTheNextProduct()
    {
        using var gemm = new GemmLauncher(wide.Backend, GemmVariant.TiledSplitKOnePass32x32, sliceDepth: 8);
        var failures = new List<string>();
        foreach (var (m, n, k) in new[] { (33, 33, 40), (65, 33, 17), (33, 33, 40), (1, 1, 24), (65, 33, 17) })
            failures.AddRange(Run(gemm, Transpose.None, Transpose.None, m, n, k, alpha: 1f, beta: 0f, oldC: float.NaN));
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    /// <summary>The workspace, and the one-pass variant's arrival count per 32×32 block, grow when a product needs more and are released.</summary>
    [Theory]
    [InlineData(GemmVariant.TiledSplitK32x32, 0)]
    [InlineData(GemmVariant.TiledSplitKOnePass32x32, 1)]
    public void TheSplitKWorkspaceGrowsOnceAndIsReleased(GemmVariant variant, int countsPerBlock)
    {
        var backend = wide.Backend;
        var before = backend.AllocatedBytes;
        long Expected(int slots, int m, int n, int blocks) => before + slots * m * n * sizeof(float) + countsPerBlock * blocks * sizeof(int);
        var gemm = new GemmLauncher(backend, variant, sliceDepth: 32);
        // 3 slices of 33×31 (2 × 1 blocks); with beta = 0 the first is summed in c itself, so the workspace holds 2.
        Product(gemm, Transpose.None, Transpose.None, 33, 31, 65);
        Assert.Equal(Expected(2, 33, 31, 2), backend.AllocatedBytes);
        Product(gemm, Transpose.None, Transpose.None, 31, 31, 33);
        Assert.Equal(Expected(2, 33, 31, 2), backend.AllocatedBytes);
        // beta ≠ 0 keeps c's old values apart: all 3 slices in the workspace.
        Product(gemm, Transpose.None, Transpose.None, 33, 31, 65, beta: 0.5f);
        Assert.Equal(Expected(3, 33, 31, 2), backend.AllocatedBytes);
        // 2 × 2 blocks.
        Product(gemm, Transpose.None, Transpose.None, 40, 40, 65);
        Assert.Equal(Expected(2, 40, 40, 4), backend.AllocatedBytes);
        Product(gemm, Transpose.None, Transpose.None, 40, 40, 65, beta: 0.5f);
        Assert.Equal(Expected(3, 40, 40, 4), backend.AllocatedBytes);
        gemm.Dispose();
        Assert.Equal(before, backend.AllocatedBytes);
    }

    private void AssertMatchesReference(GemmLauncher gemm, GemmVariant variant, int m, int n, int k)
    {
        Assert.Equal(variant, gemm.VariantFor(m, n, k));
        var failures = new List<string>();
        foreach (var ta in Both)
            foreach (var tb in Both)
            {
                failures.AddRange(Run(gemm, ta, tb, m, n, k, alpha: 1.5f, beta: -0.75f, oldC: null));
                // beta = 0 ignores c: NaN there must not reach the result.
                failures.AddRange(Run(gemm, ta, tb, m, n, k, alpha: -0.5f, beta: 0f, oldC: float.NaN));
            }
        // Each epilogue on one transpose pair, with beta = 0 (split-K's first slice in c) and beta ≠ 0 (every slice in the workspace).
        failures.AddRange(Run(gemm, Transpose.None, Transpose.Transposed, m, n, k, alpha: 1f, beta: 0f, oldC: float.NaN,
            (GemmEpilogueKind.BiasActivate, Activation.Sigmoid)));
        failures.AddRange(Run(gemm, Transpose.Transposed, Transpose.None, m, n, k, alpha: 1.5f, beta: -0.75f, oldC: null,
            (GemmEpilogueKind.BiasActivate, Activation.Identity)));
        failures.AddRange(Run(gemm, Transpose.None, Transpose.None, m, n, k, alpha: 1f, beta: 0f, oldC: float.NaN,
            (GemmEpilogueKind.ActivationBackward, Activation.Sigmoid)));
        failures.AddRange(Run(gemm, Transpose.Transposed, Transpose.Transposed, m, n, k, alpha: -0.5f, beta: 0.5f, oldC: null,
            (GemmEpilogueKind.ActivationBackward, Activation.Sigmoid)));
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void KernelChecksCoverEveryVariantOnTheCpuAccelerator()
    {
        var results = new KernelChecks(cpu.Backend).GemmVariants([1, 33]).ToList();
        foreach (var variant in Enum.GetValues<GemmVariant>())
            Assert.Contains(results, r => r.Kernel.EndsWith(variant.ToString().ToLowerInvariant()));
        var failures = results.Where(r => !r.Passed).ToList();
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void TheCpuAcceleratorKeepsTheBarrierFreeKernels()
    {
        var gemm = Assert.IsType<GemmLauncher>(cpu.Backend.Gemm);
        Assert.Equal(GemmVariant.Tile4x4, gemm.VariantFor(4096, 4096, 4096));
        Assert.Equal(GemmVariant.Tile4x4, gemm.VariantFor(100, 1000, 784));
        Assert.Equal(GemmVariant.Strip1x4, gemm.VariantFor(1, 500, 784));
    }

    /// <summary>
    /// The tiled kernel stages each operand's Depth-deep tile as whole, equal shares of at most four elements per thread,
    /// and lays threads along a block's rows (or columns): a shape that breaks this would drop elements of the tile
    /// without any error, so every shape in the assembly is held to it here.
    /// </summary>
    [Fact]
    public void EveryTileShapeFitsTheTiledKernelsStaging()
    {
        var shapes = typeof(IGemmTileShape).Assembly.GetTypes()
            .Where(t => t.IsValueType && typeof(IGemmTileShape).IsAssignableFrom(t))
            .Select(t => (t.Name, Shape: (IGemmTileShape)Activator.CreateInstance(t)!))
            .ToArray();
        Assert.True(shapes.Length >= 4, $"found {shapes.Length} tile shapes by reflection");
        foreach (var (name, shape) in shapes)
        {
            var threads = shape.ThreadRows * shape.ThreadCols;
            foreach (var extent in new[] { shape.ThreadRows * shape.MicroRows, shape.ThreadCols * shape.MicroCols })
            {
                Assert.True(extent * GemmTiledKernels.Depth % threads == 0, $"{name}: {extent}×{GemmTiledKernels.Depth} tile over {threads} threads");
                Assert.InRange(extent * GemmTiledKernels.Depth / threads, 1, 4);
                Assert.True(threads % extent == 0 && threads % GemmTiledKernels.Depth == 0, $"{name}: {threads} threads along {extent} rows");
            }
            Assert.Contains(shape.MicroRows, new[] { 4, 8 });
            Assert.Contains(shape.MicroCols, new[] { 4, 8 });
        }
    }

    [Fact]
    public void AGpuTilesProductsThatFillTheTiles()
    {
        var h100 = new GemmDevice(IsCpuAccelerator: false, Multiprocessors: 132, MaxThreadsPerGroup: 1024);
        Assert.Equal(GemmVariant.Tiled128x128, GemmPolicy.Choose(4096, 4096, 4096, h100));
        // 128×128 needs a block per multiprocessor: 11 × 12 = 132 blocks keep it, 11 × 11 = 121 go to 128×64 (242).
        Assert.Equal(GemmVariant.Tiled128x128, GemmPolicy.Choose(128 * 11, 128 * 12, 784, h100));
        Assert.Equal(GemmVariant.Tiled128x64, GemmPolicy.Choose(128 * 11, 128 * 11, 784, h100));
        // The DAE's products at batch 100 have 26 to 208 blocks of 64×64, fewer than two per multiprocessor: 32×32
        // gives 128 (encode), 100 (decode) and 800 (gradient). Encode and decode, under 4 × 132 blocks and deep, split K;
        // the gradient (K = 100) does not.
        Assert.Equal(GemmVariant.TiledSplitKOnePass32x32, GemmPolicy.Choose(100, 1000, 784, h100));
        Assert.Equal(GemmVariant.TiledSplitKOnePass32x32, GemmPolicy.Choose(100, 784, 1000, h100));
        Assert.Equal(GemmVariant.Tiled32x32, GemmPolicy.Choose(1000, 784, 100, h100));
        Assert.Equal(GemmVariant.Tiled32x32, GemmPolicy.Choose(100, 784, 255, h100));
        Assert.Equal(GemmVariant.TiledSplitKOnePass32x32, GemmPolicy.Choose(100, 784, 256, h100));
        Assert.Equal(128, GemmPolicy.Blocks<GemmTile32x32>(100, 1000));
        Assert.Equal(100, GemmPolicy.Blocks<GemmTile32x32>(100, 784));
        // Where 128×64 does not fit (⌈M/64⌉ ≤ 2·⌈M/128⌉, so two 64×64 blocks per multiprocessor imply one of 128×64):
        // 2 × 132 = 264 blocks of 64×64 keep 64×64, 252 go to 32×32.
        var groups128 = h100 with { MaxThreadsPerGroup = 128 };
        Assert.Equal(GemmVariant.Tiled64x64, GemmPolicy.Choose(64 * 12, 64 * 22, 784, groups128));
        Assert.Equal(GemmVariant.Tiled32x32, GemmPolicy.Choose(64 * 12, 64 * 21, 784, groups128));
        Assert.Equal(GemmVariant.Tiled64x64, GemmPolicy.Choose(1000, 784, 100, groups128 with { Multiprocessors = 100 }));
        Assert.Equal(GemmVariant.Tiled128x64, GemmPolicy.Choose(1000, 784, 100, h100 with { Multiprocessors = 60 }));
        Assert.Equal(GemmVariant.Tiled128x128, GemmPolicy.Choose(1000, 784, 100, h100 with { Multiprocessors = 40 }));
        // Matvecs, thin products and shallow sums stay barrier-free, and so does a device whose groups are too small.
        Assert.Equal(GemmVariant.Strip1x4, GemmPolicy.Choose(1, 500, 784, h100));
        Assert.Equal(GemmVariant.Tile4x4, GemmPolicy.Choose(10, 1000, 784, h100));
        Assert.Equal(GemmVariant.Tile4x4, GemmPolicy.Choose(1000, 10, 784, h100));
        Assert.Equal(GemmVariant.Tile4x4, GemmPolicy.Choose(1000, 784, 1, h100));
        Assert.Equal(GemmVariant.Tiled64x64, GemmPolicy.Choose(4096, 4096, 4096, h100 with { MaxThreadsPerGroup = 128 }));
        Assert.Equal(GemmVariant.Tiled32x32, GemmPolicy.Choose(4096, 4096, 4096, h100 with { MaxThreadsPerGroup = 64 }));
        Assert.Equal(GemmVariant.Tile4x4, GemmPolicy.Choose(4096, 4096, 4096, h100 with { MaxThreadsPerGroup = 32 }));
        Assert.Equal(GemmVariant.Tile4x4, GemmPolicy.Choose(4096, 4096, 4096, h100 with { IsCpuAccelerator = true }));
        Assert.Equal(GemmVariant.Tile4x4, GemmPolicy.Choose(100, 1000, 784, h100 with { IsCpuAccelerator = true }));
    }

    [Theory]
    [InlineData(100, 1000, 784, 160, 5)] // encode x·Wᵀ: 128 blocks × 5 slices of 160 = 640
    [InlineData(100, 784, 1000, 160, 7)] // decode y·W: 100 blocks × 7 slices (the last 40 deep) = 700
    [InlineData(32, 32, 256, 64, 4)]     // one block: as many 64-deep slices as K allows
    [InlineData(32, 32, 300, 64, 5)]
    public void SplitKSlicesFillTheDeviceWithinTheMinimumDepth(int m, int n, int k, int depth, int slices)
    {
        var h100 = new GemmDevice(IsCpuAccelerator: false, Multiprocessors: 132, MaxThreadsPerGroup: 1024);
        var chosen = GemmPolicy.SplitKSliceDepth(m, n, k, h100);
        Assert.Equal(depth, chosen);
        Assert.Equal(slices, GemmPolicy.SplitKSlices(k, chosen));
        Assert.Equal(0, chosen % GemmPolicy.SliceStep);
        Assert.True(chosen >= GemmPolicy.MinSliceDepth);
        Assert.True(GemmPolicy.Blocks<GemmTile32x32>(m, n) * slices >= 4 * 132 || chosen == GemmPolicy.MinSliceDepth);
    }

    [Fact]
    public void ATiledKernelOnGroupsTooSmallForItThrowsWithTheSizes()
    {
        // The engine's CPU accelerator has 4-thread groups: every tiled variant refuses, naming the size GemmPolicy.GroupSizeOf
        // gives it (which the benchmark's kernel sweep reads to skip them); the barrier-free ones run.
        using var a = cpu.Backend.Allocate<float>(2, 2);
        using var c = cpu.Backend.Allocate<float>(2, 2);
        foreach (var variant in Enum.GetValues<GemmVariant>())
        {
            using var gemm = new GemmLauncher((IlgpuBackend)cpu.Backend, variant);
            if (GemmPolicy.GroupSizeOf(variant) is { } size)
            {
                var e = Assert.Throws<InvalidOperationException>(() => gemm.Gemm(Transpose.None, Transpose.None, 1f, a, a, 0f, c));
                Assert.Contains($"needs groups of {size} threads", e.Message);
            }
            else
            {
                gemm.Gemm(Transpose.None, Transpose.None, 1f, a, a, 0f, c);
            }
        }
        Assert.Equal(256, GemmPolicy.GroupSizeOf(GemmVariant.Tiled128x64));
        Assert.Equal(64, GemmPolicy.GroupSizeOf(GemmVariant.TiledSplitKOnePass32x32));
        Assert.Throws<ArgumentException>(() => new GemmLauncher(wide.Backend, GemmVariant.TiledSplitK32x32, sliceDepth: 44));
    }

    /// <summary>
    /// The CPU accelerator runs kernels as .NET code, so it cannot see what only a GPU compiler rejects (a shared
    /// allocation whose size does not fold to a constant, an unsupported construct). ILGPU's PTX and OpenCL C
    /// backends need no device.
    /// </summary>
    [Theory]
    [InlineData(typeof(GemmTile32x32), typeof(NoEpilogue))]
    [InlineData(typeof(GemmTile64x64), typeof(NoEpilogue))]
    [InlineData(typeof(GemmTile128x64), typeof(NoEpilogue))]
    [InlineData(typeof(GemmTile32x32), typeof(BiasActivateEpilogue<Sigmoid>))]
    [InlineData(typeof(GemmTile128x64), typeof(ActivationBackwardEpilogue<Sigmoid>))]
    [InlineData(typeof(GemmTile128x128), typeof(NoEpilogue))]
    [InlineData(typeof(GemmTile128x128), typeof(BiasActivateEpilogue<Sigmoid>))]
    [InlineData(typeof(GemmTile64x64), typeof(BiasActivateEpilogue<Tanh>))]
    [InlineData(typeof(GemmTile32x32), typeof(ActivationBackwardEpilogue<Relu>))]
    public void TiledKernelCompilesForCudaAndOpenCl(Type shape, Type epilogue)
    {
        using var context = Context.Create(builder => builder.CPU().EnableAlgorithms());
        var entry = EntryPointDescription.FromExplicitlyGroupedKernel(Kernel(nameof(GemmTiledKernels.Tiled), shape, epilogue));

        var ptx = Ptx(context);
        // As the launcher loads it: with launch bounds, which keep the 8×8 micro-tile in 128 registers.
        var bounds = (KernelSpecialization)typeof(GemmPolicy).GetMethod(nameof(GemmPolicy.LaunchBounds))!.MakeGenericMethod(shape).Invoke(null, null)!;
        var cuda = ((PTXCompiledKernel)ptx.Compile(entry, bounds)).PTXAssembly;
        Assert.Contains($".maxntid {bounds.MaxNumThreadsPerGroup}, 1, 1", cuda);
        if (bounds.MinNumGroupsPerMultiprocessor is { } groups)
            Assert.Contains($".minnctapersm {groups}", cuda);
        else
            Assert.DoesNotContain(".minnctapersm", cuda);
        // Two statically sized shared tiles, two barriers (the first step's, then one per step), and no spill of the micro-tile to local memory.
        Assert.Equal(2, Count(cuda, ".shared .align"));
        Assert.Equal(2, Count(cuda, "bar.sync"));
        Assert.DoesNotContain(".local", cuda);
        // The step is written out and its shared reads are 16 bytes wide: one or two float4s of op(a) and of op(b) per p.
        // A loop left rolled, or scalar reads, would change the count.
        var tile = (IGemmTileShape)Activator.CreateInstance(shape)!;
        Assert.Equal(GemmTiledKernels.Depth * (tile.MicroRows / 4 + tile.MicroCols / 4), Count(cuda, "ld.shared.v4.f32"));

        var openCl = ((CLCompiledKernel)OpenCl(context).Compile(entry, KernelSpecialization.Empty)).Source;
        Assert.Equal(2, Count(openCl, "work_group_barrier"));
    }

    /// <summary>Split-K's two kernels: the sliced tiled kernel as <see cref="TiledKernelCompilesForCudaAndOpenCl"/>, and the reduction, which has no barrier or atomic.</summary>
    [Fact]
    public void SplitKKernelsCompileForCudaAndOpenCl()
    {
        using var context = Context.Create(builder => builder.CPU().EnableAlgorithms());
        var ptx = Ptx(context);
        var cl = OpenCl(context);

        var sliced = EntryPointDescription.FromExplicitlyGroupedKernel(Kernel(nameof(GemmTiledKernels.TiledSplitK), typeof(GemmTile32x32)));
        var cuda = ((PTXCompiledKernel)ptx.Compile(sliced, KernelSpecialization.Empty)).PTXAssembly;
        Assert.Equal(2, Count(cuda, ".shared .align"));
        Assert.Equal(2, Count(cuda, "bar.sync"));
        Assert.DoesNotContain(".local", cuda);
        Assert.DoesNotContain("atom.", cuda);
        Assert.Equal(2, Count(((CLCompiledKernel)cl.Compile(sliced, KernelSpecialization.Empty)).Source, "work_group_barrier"));

        var reduce = EntryPointDescription.FromImplicitlyGroupedKernel(Kernel(nameof(GemmTiledKernels.SplitKReduce), typeof(BiasActivateEpilogue<Sigmoid>)));
        var reduceCuda = ((PTXCompiledKernel)ptx.Compile(reduce, KernelSpecialization.Empty)).PTXAssembly;
        Assert.DoesNotContain("bar.sync", reduceCuda);
        Assert.DoesNotContain("atom.", reduceCuda);
        var reduceCl = ((CLCompiledKernel)cl.Compile(reduce, KernelSpecialization.Empty)).Source;
        Assert.DoesNotContain("work_group_barrier", reduceCl);
    }

    /// <summary>
    /// The one-pass split-K: the tiled kernel's two barriers and 16-byte shared reads, then the hand-over to the block's
    /// last group, which only works if it compiles to device-wide fences around one atomic add per group, two more
    /// barriers and a shared flag.
    /// </summary>
    [Fact]
    public void OnePassSplitKCompilesForCudaAndOpenCl()
    {
        using var context = Context.Create(builder => builder.CPU().EnableAlgorithms());
        var ptx = Ptx(context);
        var cl = OpenCl(context);
        var entry = EntryPointDescription.FromExplicitlyGroupedKernel(
            Kernel(nameof(GemmTiledKernels.TiledSplitKOnePass), typeof(GemmTile32x32), typeof(BiasActivateEpilogue<Sigmoid>)));

        var cuda = ((PTXCompiledKernel)ptx.Compile(entry, GemmPolicy.LaunchBounds<GemmTile32x32>())).PTXAssembly;
        Assert.Equal(3, Count(cuda, ".shared .align"));
        Assert.Equal(4, Count(cuda, "bar.sync"));
        Assert.Equal(2, Count(cuda, "membar.gl"));
        Assert.Equal(1, Count(cuda, "atom."));
        Assert.Equal(1, Count(cuda, "atom.add.u32"));
        Assert.DoesNotContain(".local", cuda);
        Assert.Equal(GemmTiledKernels.Depth * 2, Count(cuda, "ld.shared.v4.f32"));

        var openCl = ((CLCompiledKernel)cl.Compile(entry, KernelSpecialization.Empty)).Source;
        // ILGPU writes a device-level fence as a barrier with device scope: the group reaches both fences together, so
        // that is safe, and makes six barriers.
        Assert.Equal(2, Count(openCl, "memory_scope_device"));
        Assert.Equal(6, Count(openCl, "work_group_barrier"));
        Assert.Equal(1, Count(openCl, "atomic_fetch_add") + Count(openCl, "atomic_add"));
    }

    /// <summary>
    /// The optimizer rules' kernels call the per-element update that the host provider also runs (SgdStep.Update and its
    /// siblings in Contracts, through ref locals): they compile for CUDA and OpenCL, and the refs stay in registers (no local
    /// memory in the PTX).
    /// </summary>
    [Theory]
    [InlineData(nameof(ILGPUAE.Optimizer.OptimizerKernels.SgdRule))]
    [InlineData(nameof(ILGPUAE.Optimizer.OptimizerKernels.RmsProp))]
    [InlineData(nameof(ILGPUAE.Optimizer.OptimizerKernels.Adam))]
    public void OptimizerKernelsCompileForCudaAndOpenClWithoutLocalMemory(string name)
    {
        using var context = Context.Create(builder => builder.CPU().EnableAlgorithms());
        var entry = EntryPointDescription.FromImplicitlyGroupedKernel(typeof(ILGPUAE.Optimizer.OptimizerKernels).GetMethod(name)!);
        var cuda = ((PTXCompiledKernel)Ptx(context).Compile(entry, KernelSpecialization.Empty)).PTXAssembly;
        Assert.DoesNotContain(".local", cuda);
        Assert.Matches(@"\bst\.(global\.)?f32\b", cuda);
        var openCl = ((CLCompiledKernel)OpenCl(context).Compile(entry, KernelSpecialization.Empty)).Source;
        Assert.Contains("kernel", openCl);
    }

    private static int Count(string text, string what) => text.Split(what).Length - 1;

    /// <summary>The public <see cref="GemmTiledKernels"/> method <paramref name="name"/>, specialised for <paramref name="types"/>.</summary>
    private static MethodInfo Kernel(string name, params Type[] types) =>
        typeof(GemmTiledKernels).GetMethod(name, BindingFlags.Public | BindingFlags.Static)!.MakeGenericMethod(types);

    private static PTXBackend Ptx(Context context) => DeviceCompilers.Ptx(context);

    private static CLBackend OpenCl(Context context) => DeviceCompilers.OpenCl(context);

    /// <summary>
    /// One product on views one row inside their buffers, against the double reference. ILGPU's CPU accelerator
    /// checks every index against its view, so a store outside c fails the run there.
    /// <paramref name="oldC"/>: c's old contents, if not random.
    /// </summary>
    private IEnumerable<string> Run(GemmLauncher gemm, Transpose ta, Transpose tb, int m, int n, int k, float alpha, float beta, float? oldC,
        (GemmEpilogueKind Kind, Activation Activation) epilogue = default)
    {
        var backend = wide.Backend;
        var aShape = ta == Transpose.None ? (Rows: m, Cols: k) : (Rows: k, Cols: m);
        var bShape = tb == Transpose.None ? (Rows: k, Cols: n) : (Rows: n, Cols: k);
        var a = Values(m * k, 1);
        var b = Values(k * n, 2);
        var c = oldC is { } fill ? Enumerable.Repeat(fill, m * n).ToArray() : Values(m * n, 3);
        using var aBuffer = Padded(backend, a, aShape.Rows, aShape.Cols);
        using var bBuffer = Padded(backend, b, bShape.Rows, bShape.Cols);
        using var cBuffer = Padded(backend, c, m, n);
        using var aView = aBuffer.Slice(1, aShape.Rows);
        using var bView = bBuffer.Slice(1, bShape.Rows);
        using var cView = cBuffer.Slice(1, m);
        // The epilogue's operand: a bias [N] in [−2, 2], or an activation output y [M,N] in [0, 1], one row inside its buffer too.
        var operand = epilogue.Kind switch
        {
            GemmEpilogueKind.BiasActivate => Values(n, 4).Select(v => 2 * v).ToArray(),
            GemmEpilogueKind.ActivationBackward => Values(m * n, 5).Select(v => (v + 1) / 2).ToArray(),
            _ => [],
        };
        using var operandBuffer = epilogue.Kind switch
        {
            GemmEpilogueKind.BiasActivate => PaddedVector(backend, operand),
            GemmEpilogueKind.ActivationBackward => Padded(backend, operand, m, n),
            _ => null,
        };
        using var operandView = operandBuffer?.Slice(1, epilogue.Kind == GemmEpilogueKind.BiasActivate ? n : m);
        gemm.Gemm(ta, tb, alpha, aView, bView, beta, cView, new GemmEpilogue(epilogue.Kind, epilogue.Activation, operandView));
        backend.Synchronize();

        var expected = Array.ConvertAll(c, v => (double)v);
        GemmReference.Gemm(ta, tb, m, n, k, alpha, Array.ConvertAll(a, v => (double)v), Array.ConvertAll(b, v => (double)v), beta, expected,
            epilogue.Kind, epilogue.Activation, Array.ConvertAll(operand, v => (double)v));
        var actual = cView.ToArray();
        // Float sums of k products of magnitude ≤ 1 drift by about k·2⁻²⁴ at worst.
        var tolerance = 4e-7 * (k + 8);
        for (var i = 0; i < m * n; i++)
        {
            if (!(Math.Abs(actual[i] - expected[i]) <= tolerance + 1e-4 * Math.Abs(expected[i])))
            {
                yield return $"{gemm.VariantFor(m, n, k)} {ta}/{tb} {epilogue.Kind} {epilogue.Activation} M={m} N={n} K={k} alpha={alpha} beta={beta}: " +
                             $"c[{i / n},{i % n}] = {actual[i]}, reference {expected[i]}";
                yield break;
            }
        }
    }

    /// <summary>
    /// A [rows + 2, cols] tensor: a row of zeros, the values, a row of zeros. (The row after keeps an empty view, K = 0,
    /// off the end of the buffer, where ILGPU's CPU accelerator asserts on a zero-length sub-view.)
    /// </summary>
    /// <summary>One product of the test values on the wide CPU accelerator, c read back.</summary>
    private float[] Product(GemmLauncher gemm, Transpose ta, Transpose tb, int m, int n, int k, float alpha = 1f, float beta = 0f)
    {
        var backend = wide.Backend;
        using var a = backend.Allocate<float>(ta == Transpose.None ? new[] { m, k } : new[] { k, m });
        using var b = backend.Allocate<float>(tb == Transpose.None ? new[] { k, n } : new[] { n, k });
        using var c = backend.Allocate<float>(m, n);
        a.CopyFrom(Values(m * k, 1));
        b.CopyFrom(Values(k * n, 2));
        c.CopyFrom(Values(m * n, 3));
        gemm.Gemm(ta, tb, alpha, a, b, beta, c);
        backend.Synchronize();
        return c.ToArray();
    }

    /// <summary>A [length + 2] vector: a zero, the values, a zero.</summary>
    private static Tensor<float> PaddedVector(IBackend backend, float[] values)
    {
        var t = backend.Allocate<float>(values.Length + 2);
        t.CopyFrom([0f, .. values, 0f]);
        return t;
    }

    private static Tensor<float> Padded(IBackend backend, float[] values, int rows, int cols)
    {
        var t = backend.Allocate<float>(rows + 2, cols);
        t.CopyFrom(new float[cols].Concat(values).Concat(new float[cols]).ToArray());
        return t;
    }

    private static float[] Values(int count, uint stream) =>
        Enumerable.Range(0, count).Select(i => (float)(2 * CounterRng.Uniform(7, (uint)RngStream.Data, stream, (uint)i, 0) - 1)).ToArray();
}
