namespace ILGPUAE.Tests.Host;

using ILGPUAE.Backend;
using ILGPUAE.Checks;
using ILGPUAE.Host;
using ILGPUAE.Host.MatVec;

/// <summary>
/// The host GEMM's shape-dependent paths (M = 1 matvec, K = 1 outer product, the blocked GEMM's edges and
/// block boundaries, its split of the work between parts, narrow products computed as their transpose) against the double
/// reference, on both GEMM tiles.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class HostGemmPathTests(HostFixture fixture)
{
    public static TheoryData<int> Sizes => new(KernelChecks.AwkwardSizes);

    private static readonly Transpose[] Both = [Transpose.None, Transpose.Transposed];

    private IEnumerable<HostBackend> Backends => [fixture.Backend, fixture.Portable];

    [Theory]
    [MemberData(nameof(Sizes))]
    public void RowVectorProductsMatchTheReference(int size)
    {
        // M = 1: N and K in turn take the awkward size; 33 is not a multiple of any vector width.
        AssertAllPass(checks => Both.SelectMany(ta => Both.SelectMany(tb => new[]
        {
            checks.Gemm(ta, tb, 1, size, 33),
            checks.Gemm(ta, tb, 1, 33, size),
            checks.Gemm(ta, tb, 1, size, size),
        })));
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void OuterProductsMatchTheReference(int size)
    {
        // K = 1: M and N in turn take the awkward size.
        AssertAllPass(checks => Both.SelectMany(ta => Both.SelectMany(tb => new[]
        {
            checks.Gemm(ta, tb, size, 33, 1),
            checks.Gemm(ta, tb, 33, size, 1),
            checks.Gemm(ta, tb, size, size, 1),
        })));
    }

    [Fact]
    public void PerExampleSgdShapesMatchTheReference()
    {
        // Batch 1 of a 784-500 autoencoder: encode (M = 1, dot rows), decode (M = 1, axpy), gradient (K = 1).
        AssertAllPass(checks => checks.TiedAutoencoderShapes(batch: 1, visible: 784, hidden: 500));
    }

    [Fact]
    public void BlockedGemmCrossesEveryBlockBoundary()
    {
        // K = 300 spans two K blocks; N = 1600 gives each of two or three parts more than one 512-column
        // block, and M = 23 leaves a partial row panel for both tiles (10 and 6 rows).
        AssertAllPass(checks => Both.SelectMany(ta => Both.Select(tb => checks.Gemm(ta, tb, 23, 1600, 300))));
    }

    [Fact]
    public void EpiloguesRunOnceOnEveryBlockAfterItsLastKBlock()
    {
        // The blocked GEMM applies bias + activation and the activation's backward block by block, after each block's last K
        // block: K = 300 spans two K blocks (an epilogue after the first would be applied twice or to a partial sum), N = 1600 gives
        // each part more than one 512-column block, M = 257 more than one row block and a partial row panel; tall 1000 × 5
        // splits rows across parts instead.
        AssertAllPass(checks => new[] { (257, 1600, 300), (1000, 5, 300), (23, 33, 31) }.SelectMany(shape =>
            new[] { Activation.Sigmoid, Activation.Tanh, Activation.Relu }.SelectMany(activation =>
                new[] { GemmEpilogueKind.BiasActivate, GemmEpilogueKind.ActivationBackward }.SelectMany(kind =>
                    Both.Select(ta => checks.Gemm(ta, Transpose.Transposed, shape.Item1, shape.Item2, shape.Item3, kind, activation))))));
    }

    [Fact]
    public void TallProductsSplitRowsAcrossParts()
    {
        // N = 32 is one column panel, so the parts split M instead; 1000 × 32 fills its panel and is not transposed.
        Assert.False(BlockedGemm<Tile10x32>.TransposesProduct(1000, 32));
        Assert.False(BlockedGemm<Tile10x32>.SplitsColumns(1000, 32, 64, parts: 2));
        AssertAllPass(checks => Both.SelectMany(ta => Both.Select(tb => checks.Gemm(ta, tb, 1000, 32, 64))));
    }

    [Fact]
    public void TallProductsWithManyColumnPanelsSplitTheirRowsToPackTheTallOperandOnce()
    {
        // 10000 × 128 × 900 has four column panels, enough for two parts, but splitting them would have each part pack all of the
        // 10000 × 900 operand; 100 × 900 × 10000 (a weight gradient over 10000 rows) and 4096³ split columns.
        Assert.False(BlockedGemm<Tile10x32>.SplitsColumns(10000, 128, 900, parts: 2));
        Assert.True(BlockedGemm<Tile10x32>.SplitsColumns(100, 900, 10000, parts: 2));
        Assert.True(BlockedGemm<Tile10x32>.SplitsColumns(4096, 4096, 4096, parts: 2));
        AssertAllPass(checks => Both.SelectMany(ta => Both.Select(tb => checks.Gemm(ta, tb, 2000, 128, 300))));
    }

    [Fact]
    public void NarrowProductsAreComputedAsTheirTransposeAndMatchTheReference()
    {
        // Narrow c: 2000 × 100 pads to 128 columns, its transpose 100 × 2000 fills its row panels; the parts split cᵀ's 2000 columns,
        // each more than one 512-column block, over two K blocks. 30 × 40 is split by cᵀ's rows (its 30 columns are one panel),
        // 1000 × 5 leaves a partial row panel of cᵀ. alpha = 1.5 and beta = 0.5 (the check's) read c into the transposed block first.
        (int M, int N)[] narrow = [(2000, 100), (30, 40), (1000, 5)];
        foreach (var (m, n) in narrow)
            Assert.True(BlockedGemm<Tile10x32>.TransposesProduct(m, n), $"{m} × {n}");
        Assert.False(BlockedGemm<Tile10x32>.SplitsColumns(40, 30, 300, parts: 2));
        // Wide or already filled products keep their orientation.
        foreach (var (m, n) in new[] { (100, 500), (10000, 900), (100, 900), (1000, 32), (20, 100) })
            Assert.False(BlockedGemm<Tile10x32>.TransposesProduct(m, n), $"{m} × {n}");
        AssertAllPass(checks => narrow.SelectMany(shape => Both.SelectMany(ta => Both.SelectMany(tb => new[]
        {
            checks.Gemm(ta, tb, shape.M, shape.N, 300),
            checks.Gemm(ta, tb, shape.M, shape.N, 300, GemmEpilogueKind.BiasActivate, Activation.Sigmoid),
            checks.Gemm(ta, tb, shape.M, shape.N, 300, GemmEpilogueKind.ActivationBackward, Activation.Tanh),
        }))));
    }

    private void AssertAllPass(Func<KernelChecks, IEnumerable<CheckResult>> run)
    {
        var failures = Backends.SelectMany(b => run(new KernelChecks(b)).Where(r => !r.Passed).Select(r => $"{b.Name}: {r}")).ToList();
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}
