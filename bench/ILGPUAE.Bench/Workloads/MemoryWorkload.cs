namespace ILGPUAE.Bench.Workloads;

using ILGPUAE.Backends;
using ILGPUAE.Evaluation;
using ILGPUAE.Training;

/// <summary>
/// W5: what the W1 trainer allocates on each backend (<see cref="Backend.IBackend.AllocatedBytes"/>, our own
/// tensors only), split by purpose and set against the budget parameters + gradients + optimizer state + two
/// batches of activations (a batch's activations being x̃ [B,V], y [B,H] and z [B,V]); and the managed bytes
/// a training step allocates, from two trainers whose epochs differ only in their number of steps, so that
/// what an epoch allocates once (its shuffled order, its report) cancels out.
/// </summary>
public sealed class MemoryWorkload(HarnessOptions options, WorkloadSizes sizes, BenchData data, BenchRun run, Action<string> log)
{
    private const int Float = sizeof(float);

    public void Run()
    {
        var o = DaeWorkloads.W1Options;
        var (train, test) = (Math.Min(6000, data.Train.Count), data.FullTest.Count);
        foreach (var kind in options.Backends)
        {
            long total;
            using (var backend = Backends.Open(kind))
            {
                var before = backend.AllocatedBytes;
                using var trainer = new DaeSession(backend, o, BenchData.Visible, data.TrainPixels(train), data.FullTest.Pixels);
                // After an epoch and its test loss: buffers made on first use (GEMM workspaces) count too.
                trainer.RunEpoch();
                total = backend.AllocatedBytes - before;
            }
            var (v, h, b) = ((long)BenchData.Visible, (long)o.Hidden, (long)o.Batch);
            var dataBytes = Float * v * (train + test);
            var bookkeeping = Float * (2L * train + test);   // epoch order and per-example losses; test losses
            // The evaluator works in the training pass's buffers when a batch has a chunk's rows.
            var chunk = Math.Min(ReconstructionEvaluator.ChunkRows, test);
            var evaluation = b >= chunk ? 0 : Float * chunk * (h + 2 * v);
            var parameters = h * v + h + v;
            var budget = Float * (2 * parameters + (o.Momentum > 0 ? parameters : 0) + 2 * b * (2 * v + h));
            var (allThreads, thisThread, steps, note) = ManagedBytesPerStep(kind);
            var result = new MemoryResult(Backends.Label(kind), total, dataBytes, bookkeeping, evaluation,
                total - dataBytes - bookkeeping - evaluation, budget, allThreads, thisThread, steps, note);
            log($"W5 {result.Backend}: {total} bytes on the device, budget ratio {result.BudgetRatio:F2}, managed {allThreads:F0} B/step");
            run.Memory.Add(result);
        }
    }

    /// <summary>Managed bytes per step on all threads and on the training thread; the slow accelerator runs a small model.</summary>
    private (double AllThreads, double ThisThread, int Steps, string? Note) ManagedBytesPerStep(AcceleratorKind kind)
    {
        var slow = WorkloadSizes.IsSlow(kind);
        var o = slow ? DaeWorkloads.W1Options with { Hidden = 100, Batch = 10 } : DaeWorkloads.W1Options;
        var steps = slow ? sizes.W5SlowSteps : sizes.W5Steps;
        using var backend = Backends.Open(kind);
        var (allThreads, thisThread) = PerStepAllocations(steps, n =>
        {
            var trainer = new DaeSession(backend, o, BenchData.Visible, data.TrainPixels(n * o.Batch), data.Test.Pixels);
            return (() => trainer.RunEpoch(), n * o.Batch, trainer);
        });
        var note = slow ? $"784→100, batch 10 (bytes per step do not depend on the sizes)" : null;
        return (allThreads, thisThread, 2 * steps, note);
    }

    /// <summary>
    /// Managed bytes per training step on all threads and on the training thread, from two fresh trainers of
    /// <paramref name="steps"/> and 3·steps steps (W5's, W6's and W7's figure): the bytes allocated during each one's second
    /// epoch, less the epoch's shuffled order, and the difference divided by the 2·steps more steps.
    /// </summary>
    /// <param name="trainer">Makes a fresh trainer of the given number of steps: how to run an epoch, its images, and what to dispose.</param>
    public static (double AllThreads, double ThisThread) PerStepAllocations(int steps, Func<int, (Action RunEpoch, int Images, IDisposable Owner)> trainer)
    {
        var (all1, this1) = SecondEpoch(steps);
        var (all2, this2) = SecondEpoch(3 * steps);
        return ((all2 - all1) / (2.0 * steps), (this2 - this1) / (2.0 * steps));

        (long AllThreads, long ThisThread) SecondEpoch(int n)
        {
            var (runEpoch, images, owner) = trainer(n);
            using (owner)
            {
                runEpoch();
                var all = GC.GetTotalAllocatedBytes(precise: true);
                var mine = GC.GetAllocatedBytesForCurrentThread();
                runEpoch();
                var order = (long)images * sizeof(int);   // EpochOrder.Shuffle's int[images], once per epoch
                return (GC.GetTotalAllocatedBytes(precise: true) - all - order, GC.GetAllocatedBytesForCurrentThread() - mine - order);
            }
        }
    }
}
