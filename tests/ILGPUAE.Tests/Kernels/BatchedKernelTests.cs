namespace ILGPUAE.Tests.Kernels;

using ILGPUAE.Backend;
using ILGPUAE.Checks;
using ILGPUAE.MatVec;
using ILGPUAE.Tests.Host;

/// <summary>
/// The batched GEMM and the per-row losses of many models (what scores a GA's population) against their double references at
/// awkward sizes: 1, 3 and 7 items; M, N, K of 1, 17, 33 and 100 (and K = 0); every transpose, a shared a (stride 0), beta ≠ 0, every epilogue.
/// On the host, products under a part's worth of work run whole items on parts, larger ones item after item across the pool: the
/// shapes below take both paths.
/// </summary>
public abstract class BatchedKernelTests(IBackend backend)
{
    private static readonly (int M, int N, int K)[] AwkwardShapes = [(1, 1, 1), (17, 33, 100), (100, 17, 33), (33, 100, 17), (1, 17, 33), (100, 1, 100), (17, 33, 0)];

    public static TheoryData<int, int, int, int> Products
    {
        get
        {
            var data = new TheoryData<int, int, int, int>();
            foreach (var count in new[] { 1, 3, 7 })
                foreach (var (m, n, k) in AwkwardShapes)
                    data.Add(count, m, n, k);
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Products))]
    public void EveryTransposeMatchesTheReference(int count, int m, int n, int k)
    {
        var checks = new KernelChecks(backend);
        var results = new List<CheckResult>();
        foreach (var ta in new[] { Transpose.None, Transpose.Transposed })
            foreach (var tb in new[] { Transpose.None, Transpose.Transposed })
                foreach (var shared in new[] { false, true })
                    results.Add(checks.GemmBatched(ta, tb, m, n, k, count, shared, GemmEpilogueKind.None, Activation.Identity));
        var failures = results.Where(r => !r.Passed).ToList();
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void EveryEpilogueMatchesTheReference()
    {
        var checks = new KernelChecks(backend);
        var results = new List<CheckResult>();
        foreach (var kind in new[] { GemmEpilogueKind.BiasActivate, GemmEpilogueKind.ActivationBackward })
            foreach (var activation in Enum.GetValues<Activation>())
            {
                // The encode of a population (a shared), and a decode-sized product with items of its own.
                results.Add(checks.GemmBatched(Transpose.None, Transpose.Transposed, 17, 33, 100, 7, sharedA: true, kind, activation));
                results.Add(checks.GemmBatched(Transpose.Transposed, Transpose.None, 100, 17, 33, 3, sharedA: false, kind, activation));
            }
        var failures = results.Where(r => !r.Passed).ToList();
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(3, 17, 33)]
    [InlineData(7, 100, 784)]
    public void OutputLossesMatchTheReference(int models, int b, int n)
    {
        var checks = new KernelChecks(backend);
        foreach (var loss in new[] { LossKind.SquaredError, LossKind.CrossEntropy })
        {
            var result = checks.OutputLosses(loss, models, b, n);
            Assert.True(result.Passed, result.ToString());
        }
    }

    /// <summary>The losses are those <see cref="IDelta.SigmoidOutputDelta"/> computes for each model's rows, bit for bit, and no delta is needed.</summary>
    [Fact]
    public void OutputLossesAreTheDeltaKernelsLossesBitForBit()
    {
        const int models = 3, b = 5, n = 37;
        var rng = new System.Random(7);
        var x = Enumerable.Range(0, b * n).Select(_ => rng.NextSingle()).ToArray();
        var z = Enumerable.Range(0, models * b * n).Select(_ => 0.001f + 0.998f * rng.NextSingle()).ToArray();
        foreach (var loss in new[] { LossKind.SquaredError, LossKind.CrossEntropy })
        {
            using var tz = backend.Allocate<float>(models * b, n);
            using var tx = backend.Allocate<float>(b, n);
            using var losses = backend.Allocate<float>(models * b);
            tz.CopyFrom(z);
            tx.CopyFrom(x);
            backend.Delta.SigmoidOutputLosses(loss, tz, tx, losses);
            backend.Synchronize();
            var batched = losses.ToArray();
            for (var i = 0; i < models; i++)
            {
                using var delta = backend.Allocate<float>(b, n);
                using var one = backend.Allocate<float>(b);
                backend.Delta.SigmoidOutputDelta(loss, tz.View(i * b * n, b, n), tx, 1f, delta, one);
                backend.Synchronize();
                Assert.Equal(one.ToArray(), batched[(i * b)..((i + 1) * b)]);
            }
        }
    }

    [Fact]
    public void ItemsOutsideTheirTensorsAreRefusedNamingTheOperand()
    {
        using var a = backend.Allocate<float>(3, 4);
        using var b = backend.Allocate<float>(4, 5);
        using var c = backend.Allocate<float>(2 * 3 * 5);
        // Two items of b [4,5] at stride 20 need 40 elements; b has 20.
        var e = Assert.Throws<ArgumentException>(() =>
            backend.Gemm.GemmBatched(Transpose.None, Transpose.None, 3, 5, 4, 1f, a, b, 0f, c, GemmEpilogue.None, new GemmBatch(2, 0, 20, 15)));
        Assert.StartsWith("gemm batched: b ", e.Message);
        // c's items [3,5] overlap at stride 10.
        e = Assert.Throws<ArgumentException>(() =>
            backend.Gemm.GemmBatched(Transpose.None, Transpose.None, 3, 5, 4, 1f, a, b, 0f, c, GemmEpilogue.None, new GemmBatch(2, 0, 0, 10)));
        Assert.Contains("overlap", e.Message);
        using var bias = backend.Allocate<float>(5);
        e = Assert.Throws<ArgumentException>(() => backend.Gemm.GemmBatched(Transpose.None, Transpose.None, 3, 5, 4, 1f, a, b, 0f, c,
            GemmEpilogue.BiasActivate(bias, Activation.Sigmoid), new GemmBatch(2, 0, 0, 15, 5)));
        Assert.StartsWith("gemm batched: bias ", e.Message);
    }
}

[Collection(HostCollection.Name)]
public sealed class HostBatchedKernelTests(HostFixture fixture) : BatchedKernelTests(fixture.Backend);

[Collection(HostCollection.Name)]
public sealed class HostPortableBatchedKernelTests(HostFixture fixture) : BatchedKernelTests(fixture.Portable);

[Collection(CpuAcceleratorCollection.Name)]
public sealed class CpuAcceleratorBatchedKernelTests(CpuAcceleratorFixture cpu, WideGroupCpuFixture wide)
    : BatchedKernelTests(cpu.Backend), IClassFixture<WideGroupCpuFixture>
{
    /// <summary>
    /// The shared-memory kernels a GPU runs batched products on, forced on a CPU accelerator with wide groups: partial blocks both
    /// ways, items apart and a shared a, an epilogue per item.
    /// </summary>
    [Theory]
    [InlineData(GemmVariant.Tiled32x32)]
    [InlineData(GemmVariant.Tiled64x64)]
    public void SharedMemoryKernelsMatchTheReference(GemmVariant variant)
    {
        using var gemm = new GemmLauncher(wide.Backend, variant);
        var checks = new KernelChecks(wide.Backend);
        var results = new List<CheckResult>
        {
            checks.GemmBatched(wide.Backend, gemm, Transpose.None, Transpose.Transposed, 33, 65, 17, 3, sharedA: true, GemmEpilogueKind.BiasActivate, Activation.Sigmoid),
            checks.GemmBatched(wide.Backend, gemm, Transpose.Transposed, Transpose.None, 65, 33, 9, 2, sharedA: false, GemmEpilogueKind.ActivationBackward, Activation.Tanh),
            checks.GemmBatched(wide.Backend, gemm, Transpose.None, Transpose.None, 1, 1, 1, 3, sharedA: false, GemmEpilogueKind.None, Activation.Identity),
        };
        Assert.All(results, r => Assert.Contains(variant.ToString().ToLowerInvariant(), r.Kernel));
        var failures = results.Where(r => !r.Passed).ToList();
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}
