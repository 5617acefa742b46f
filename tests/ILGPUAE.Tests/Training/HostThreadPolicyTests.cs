namespace ILGPUAE.Tests.Training;

using ILGPUAE.Backend;
using ILGPUAE.Host;
using ILGPUAE.Modules;
using ILGPUAE.Optimizers;
using ILGPUAE.Training;

/// <summary>
/// The host thread policy: each epoch it times its first calls on the pool and the next on the caller's thread and keeps the
/// faster for the rest, and the choice never changes a weight (the same parts run either way).
/// </summary>
public sealed class HostThreadPolicyTests
{
    private sealed class FakeThreads : IHostThreads
    {
        public int Threads => 2;
        public bool CallerOnly { get; set; }
    }

    /// <summary>Runs one epoch of <paramref name="calls"/> calls whose duration in ticks depends on the mode; returns each call's mode.</summary>
    private static bool[] Epoch(HostThreadPolicy policy, FakeThreads threads, ref long now, int calls, int poolTicks, int callerTicks)
    {
        var modes = new bool[calls];
        for (var k = 0; k < calls; k++)
        {
            policy.BeforeCall(k, calls);
            modes[k] = threads.CallerOnly;
            now += threads.CallerOnly ? callerTicks : poolTicks;
            policy.AfterCall(k);
        }
        policy.EndEpoch();
        Assert.False(threads.CallerOnly);
        return modes;
    }

    [Theory]
    [InlineData(10, 6, true)]
    [InlineData(6, 10, false)]
    public void AnEpochProbesBothModesThenKeepsTheFaster(int poolTicks, int callerTicks, bool expectCallerOnly)
    {
        var threads = new FakeThreads();
        long now = 0;
        var policy = new HostThreadPolicy(threads, () => now);
        const int calls = 5 * HostThreadPolicy.ProbeCalls;
        var modes = Epoch(policy, threads, ref now, calls, poolTicks, callerTicks);
        const int p = HostThreadPolicy.ProbeCalls;
        Assert.All(modes[..p], m => Assert.False(m));
        Assert.All(modes[p..(2 * p)], m => Assert.True(m));
        Assert.All(modes[(2 * p)..], m => Assert.Equal(expectCallerOnly, m));
        Assert.Equal(expectCallerOnly, policy.CallerOnly);

        // The next epoch measures again: the machine's load may have changed.
        Epoch(policy, threads, ref now, calls, callerTicks, poolTicks);
        Assert.Equal([expectCallerOnly, !expectCallerOnly], policy.Decisions);
    }

    [Fact]
    public void AnEpochTooShortToMeasureStaysOnThePool()
    {
        var threads = new FakeThreads();
        long now = 0;
        var policy = new HostThreadPolicy(threads, () => now);
        var modes = Epoch(policy, threads, ref now, 2 * HostThreadPolicy.ProbeCalls - 1, 10, 1);
        Assert.All(modes, m => Assert.False(m));
        Assert.Empty(policy.Decisions);
        Assert.Null(policy.CallerOnly);
    }

    [Fact]
    public void NoPolicyWithoutAPool()
    {
        using var one = new HostBackend(1);
        Assert.Null(HostThreadPolicy.For(one));
        using var two = new HostBackend(2);
        Assert.NotNull(HostThreadPolicy.For(two));
    }

    /// <summary>
    /// A batch-1 run of 160 steps per epoch with Adam and clipping (whose norm sums per-part partials of the 784×100 ∂W, two parts of 32 768 elements or more: the one place where a
    /// different cut of the work would show) on a 2-thread host backend, measured and switched each epoch, against the same
    /// run kept on the pool: the same weights to the bit.
    /// </summary>
    [Fact]
    public void MeasuringAndSwitchingChangesNoWeight()
    {
        const int rows = 160, features = 784;
        var pixels = Synthetic.Pixels(rows, features, seed: 23);
        var options = OptimizerOptions.Defaults(OptimizerKind.Adam) with { LearningRate = 0.01f, MaxGradNorm = 0.5f };
        float[][] Train(bool measure, out HostThreadPolicy? policy)
        {
            using var backend = new HostBackend(2);
            using var network = Networks.TiedDae(features, 100, 0.2f, ILGPUAE.Backend.LossKind.CrossEntropy).Build(backend, 1);
            network.Initialize(seed: 2);
            using var step = new NetworkStep(network, new Optimizer(backend, network.TrainedParameters, options), options.LearningRate);
            using var trainer = new Trainer(backend, step, new TrainerSettings(2, 1, options.LearningRate), pixels, rows, measureHostThreads: measure);
            trainer.RunEpoch();
            trainer.RunEpoch();
            policy = trainer.Threads;
            return [.. network.Body.Parameters.Select(p => p.Value.ToArray())];
        }
        var measured = Train(measure: true, out var policy);
        var pooled = Train(measure: false, out var none);
        Assert.Null(none);
        Assert.Equal(2, policy!.Decisions.Count);
        for (var i = 0; i < measured.Length; i++)
            Assert.Equal(pooled[i], measured[i]);
    }
}
