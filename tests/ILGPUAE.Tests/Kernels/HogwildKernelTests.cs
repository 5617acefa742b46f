namespace ILGPUAE.Tests.Kernels;

using ILGPUAE.Backend;
using ILGPUAE.Checks;
using ILGPUAE.Random;
using ILGPUAE.SampleSgd;

/// <summary>
/// The Hogwild tied-DAE kernel (SampleSgd family). One worker is sequential per-sample SGD, so it must equal
/// the double reference to rounding, at the CPU accelerator's shape (one thread per worker) and at a GPU's
/// (warps per worker, on a wide-group CPU accelerator). Several workers are not reproducible; what is exact
/// is that they visit every example once, with its own mask: at learning rate 0 each loss is the
/// reference's at the initial weights, whichever worker ran it and when.
/// </summary>
[Collection(CpuAcceleratorCollection.Name)]
public sealed class HogwildKernelTests(CpuAcceleratorFixture fixture)
{
    public static TheoryData<int, int> AwkwardShapes
    {
        get
        {
            var data = new TheoryData<int, int>();
            foreach (var visible in new[] { 1, 31, 33, 127 })
                foreach (var hidden in new[] { 1, 32, 33, 100 })
                    data.Add(visible, hidden);
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(AwkwardShapes))]
    public void OneWorkerMatchesTheSequentialReference(int visible, int hidden)
    {
        var checks = new KernelChecks(fixture.Backend);
        var results = new[]
        {
            checks.SampleSgdDae(visible, hidden, LossKind.SquaredError, examples: 12, hogwild: true),
            checks.SampleSgdDae(visible, hidden, LossKind.CrossEntropy, examples: 12, hogwild: true),
        };
        Assert.All(results, r => Assert.True(r.Passed, r.ToString()));
    }

    /// <summary>
    /// Two warps per worker; columns beyond the group (127 > 64) and rows shared unevenly by the warps. Each warp
    /// shuffle costs about a millisecond on the CPU accelerator, so hidden stays at a few rows.
    /// </summary>
    [Fact]
    public void OneWarpShapedWorkerMatchesTheSequentialReference()
    {
        var results = new KernelChecks(fixture.Backend).HogwildWarpShape([(1, 1), (33, 2), (127, 3)]).ToList();
        Assert.Equal(6, results.Count);
        Assert.All(results, r => Assert.True(r.Passed, r.ToString()));
    }

    [Theory]
    [InlineData(2, 40)]
    [InlineData(4, 37)]
    [InlineData(7, 5)]
    public void WorkersRunEveryExampleOnceWithItsMask(int workers, int examples)
    {
        const int visible = 33, hidden = 17, rows = 50;
        const float corruption = 0.25f, learningRate = 0f;
        var backend = fixture.Backend;
        var data = Synthetic.Pixels(rows, visible, seed: 5);
        var w = Synthetic.Uniform(hidden * visible, 0.5, seed: 5, tag: 1);
        var bh = Synthetic.Uniform(hidden, 0.5, seed: 5, tag: 2);
        var bv = Synthetic.Uniform(visible, 0.5, seed: 5, tag: 3);
        var indices = Enumerable.Range(0, examples).Select(s => (s * 7 + 3) % rows).ToArray();
        var noise = new NoiseKey(9, RngStream.Mask, 2);
        using var td = Upload(backend, data, rows, visible);
        using var tw = Upload(backend, w, hidden, visible);
        using var tbh = Upload(backend, bh, hidden);
        using var tbv = Upload(backend, bv, visible);
        using var ti = backend.Allocate<int>(examples);
        ti.CopyFrom(indices);
        using var tl = backend.Allocate<float>(examples);
        tl.CopyFrom(Enumerable.Repeat(float.NaN, examples).ToArray());
        backend.SampleSgd!.TiedDaeHogwild(new TiedDaeParameters(tw, tbh, tbv), td, ti, noise, corruption, LossKind.SquaredError, learningRate,
            workers, tl);
        backend.Synchronize();

        var expected = new double[examples];
        SampleSgdReference.TiedDae(visible, hidden, Closeness.ToDouble(w), Closeness.ToDouble(bh), Closeness.ToDouble(bv), Closeness.ToDouble(data),
            indices, noise, corruption, LossKind.SquaredError, learningRate: 0, expected);
        Closeness.Assert($"losses of {workers} workers", expected, tl.ToArray(), atol: 1e-5, rtol: 1e-5);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(SampleSgdLauncher.MaxHogwildWorkers + 1)]
    public void TheLauncherRejectsAWorkerCountOutOfRange(int workers)
    {
        var backend = fixture.Backend;
        using var w = backend.Allocate<float>(3, 5);
        using var bh = backend.Allocate<float>(3);
        using var bv = backend.Allocate<float>(5);
        using var data = backend.Allocate<float>(4, 5);
        using var indices = backend.Allocate<int>(2);
        using var losses = backend.Allocate<float>(2);
        var e = Assert.Throws<ArgumentException>(() => backend.SampleSgd!.TiedDaeHogwild(new TiedDaeParameters(w, bh, bv), data, indices,
            new NoiseKey(1, RngStream.Mask, 0), 0.25f, LossKind.SquaredError, 0.1f, workers, losses));
        Assert.Contains($"{workers} Hogwild workers", e.Message);
    }

    [Fact]
    public void TheLauncherRejectsMismatchedShapes()
    {
        var backend = fixture.Backend;
        using var w = backend.Allocate<float>(3, 5);
        using var bh = backend.Allocate<float>(3);
        using var bv = backend.Allocate<float>(5);
        using var data = backend.Allocate<float>(4, 6);
        using var indices = backend.Allocate<int>(2);
        using var losses = backend.Allocate<float>(2);
        var e = Assert.Throws<ArgumentException>(() => backend.SampleSgd!.TiedDaeHogwild(new TiedDaeParameters(w, bh, bv), data, indices,
            new NoiseKey(1, RngStream.Mask, 0), 0.25f, LossKind.SquaredError, 0.1f, 2, losses));
        Assert.Contains("6 columns", e.Message);
    }

    private static Tensor<float> Upload(IBackend backend, float[] values, params int[] shape)
    {
        var t = backend.Allocate<float>(shape);
        t.CopyFrom(values);
        return t;
    }
}
