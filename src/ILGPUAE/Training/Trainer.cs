namespace ILGPUAE.Training;

using System.Diagnostics;
using ILGPUAE.Backend;
using ILGPUAE.IO;
using ILGPUAE.Modules;
using ILGPUAE.Optimizers;

/// <summary>What one call of a <see cref="ITrainingStep"/> trains on: a batch, or a chunk of per-sample steps.</summary>
/// <param name="Data">The whole training set [N, features] on the device.</param>
/// <param name="Context">The dataset index of each row of this call (in epoch order), the seed and the epoch; training.</param>
/// <param name="Labels">The class of each row, in the same order (null for a model whose target is its input).</param>
/// <param name="Losses">Where each row's loss goes, [rows].</param>
/// <param name="LearningRate">The rate this call trains at (a schedule may change it between epochs).</param>
public readonly record struct TrainingBatch(Tensor<float> Data, StepContext Context, Tensor<int>? Labels, Tensor<float> Losses, float LearningRate);

/// <summary>
/// How a model's parameters move for one batch: forward → objective → backward → the optimizer rule. <see cref="NetworkStep"/>
/// is the generic one (any <see cref="Network"/> and <see cref="Optimizer"/>); the fused ones compute the same update faster
/// for the models that have them, and a policy (<see cref="StepPolicy.ForDae"/>, <see cref="StepPolicy.ForClassifier"/>) picks one, as
/// <c>GemmPolicy</c> picks a GEMM variant.
/// </summary>
public interface ITrainingStep : IDisposable
{
    /// <summary>
    /// 0: one call per batch. n ≥ 1: one call takes up to n examples of a batch-1 run, one SGD step each (the persistent
    /// SampleSgd kernels), so an epoch is a few launches.
    /// </summary>
    int Chunk { get; }

    /// <summary>1 for sequential steps; K ≥ 2 for Hogwild workers that the trainer runs at once, each taking every K-th batch.</summary>
    int Workers { get; }

    /// <summary>The optimizer whose named state the checkpoint saves; null when the rule lives inside a fused kernel.</summary>
    Optimizer? Optimizer { get; }

    /// <summary>Trains on <paramref name="batch"/> as worker <paramref name="worker"/> (0 when sequential).</summary>
    void Run(int worker, in TrainingBatch batch);

    /// <summary>Batches this step left unapplied for a non-finite loss or gradient (<see cref="NanPolicy.SkipBatch"/>), over its life.</summary>
    long SkippedBatches => 0;

    /// <summary>The examples of those batches (their losses are left at 0).</summary>
    long SkippedExamples => 0;
}

/// <summary>
/// What a run may do between two calls of an epoch: save a checkpoint every <paramref name="CheckpointEvery"/> steps (0: at epoch
/// ends only), and stop when <paramref name="Stop"/> is cancelled (a signal): the epoch then ends early at the position it reached,
/// which a checkpoint saves and <see cref="Trainer.Restore"/> continues from. Hogwild epochs (not reproducible) stop only at their end.
/// </summary>
public sealed record RunControl(int CheckpointEvery = 0, CancellationToken Stop = default)
{
    public static readonly RunControl None = new();
}

/// <summary>How the trainer walks the data: the seed of the epoch order and of every draw, and the batch size.</summary>
public readonly record struct TrainerSettings(ulong Seed, int Batch, float LearningRate);

/// <summary>
/// One finished epoch's training half: its number (1-based), mean loss over the examples of its applied batches, time and
/// throughput, and the batches its step skipped for a non-finite loss or gradient (<see cref="NanPolicy.SkipBatch"/>).
/// </summary>
public readonly record struct TrainerEpoch(int Epoch, double TrainLoss, double Seconds, double SamplesPerSecond, int SkippedBatches = 0);

/// <summary>
/// The one training loop, for every model: a seeded order of the training set each epoch (<see cref="EpochOrder"/>), cut into
/// batches, each batch one <see cref="ITrainingStep"/> call with its rows' dataset indices (so masks and noise are keyed by
/// example, not by position); the losses stay on the device until a progress report or the epoch's end reads them, and the
/// first non-finite one stops the run (<see cref="TrainingDivergedException"/>), as does a parameter that the guard's scan
/// (<see cref="NonFiniteGuard"/>, at the same points) finds holding NaN or ±∞. Owns the device copy of the training set and
/// every batch view, all made once: a step allocates nothing. Epochs and steps done are what a checkpoint saves and a resumed
/// run restores (<see cref="Restore"/>): the order and the draws of epoch e depend on (seed, e) alone, so resuming is bit-exact.
/// </summary>
public sealed class Trainer : IDisposable
{
    // The kill-and-resume tests' hook (CheckpointCommit's step-K); long.MaxValue otherwise.
    private static readonly long KillAfterStep = CheckpointCommit.KillAfterStep;

    private readonly IBackend backend;
    private readonly ITrainingStep step;
    private readonly TrainerSettings settings;
    private readonly Tensor<float> train;
    private readonly Tensor<int> order;
    private readonly Tensor<int>? orderedLabels;
    private readonly int[]? labels, hostOrderedLabels;
    private readonly EpochLosses epochLosses;
    private readonly NonFiniteGuard? guard;
    private readonly (Tensor<int> Indices, Tensor<int>? Labels, Tensor<float> Losses)[] calls;
    private readonly int examplesPerCall;
    private long stepsDone;
    // Examples of the current epoch done (a multiple of examplesPerCall): 0 between epochs, else where a stopped epoch resumes.
    private int position;

    /// <param name="pixels">The training set, [<paramref name="count"/>, features] row-major.</param>
    /// <param name="labels">Each example's class, or null for a model trained on its input alone.</param>
    /// <param name="step">The step (owned by the caller, who built it for this model).</param>
    /// <param name="measureHostThreads">On a multi-threaded host backend, whether each epoch measures and picks the pool or the
    /// caller's thread (<see cref="HostThreadPolicy"/>); false keeps the pool.</param>
    /// <param name="guarded">The model's parameters under their checkpoint names, scanned for non-finite values whenever the
    /// losses are read; null scans none.</param>
    public Trainer(IBackend backend, ITrainingStep step, TrainerSettings settings, ReadOnlySpan<float> pixels, int count, int[]? labels = null,
        bool measureHostThreads = true, IEnumerable<(string Name, Tensor<float> Value)>? guarded = null)
    {
        if (settings.Batch < 1)
            throw new ArgumentOutOfRangeException(nameof(settings), $"batch {settings.Batch}: expected ≥ 1");
        if (step.Chunk > 0 && settings.Batch != 1)
            throw new ArgumentException($"a step of chunks of per-sample steps needs batch 1, not {settings.Batch}", nameof(step));
        if (count < 1 || pixels.Length % count != 0)
            throw new ArgumentException($"{pixels.Length} values are not {count} examples of equal length", nameof(pixels));
        if (labels is not null && labels.Length != count)
            throw new ArgumentException($"{labels.Length} labels for {count} examples", nameof(labels));
        this.backend = backend;
        this.step = step;
        this.settings = settings;
        LearningRate = settings.LearningRate;
        train = backend.Allocate<float>(count, pixels.Length / count);
        train.CopyFrom(pixels);
        order = backend.Allocate<int>(count);
        guard = guarded is null ? null : new NonFiniteGuard(backend, guarded);
        epochLosses = new EpochLosses(backend, count, guard);
        if (labels is not null)
        {
            this.labels = labels;
            hostOrderedLabels = new int[count];
            orderedLabels = backend.Allocate<int>(count);
        }
        examplesPerCall = step.Chunk > 0 ? step.Chunk : settings.Batch;
        // Hogwild workers run on single-threaded lanes: only sequential steps choose between the pool and the caller.
        Threads = step.Workers >= 2 || !measureHostThreads ? null : HostThreadPolicy.For(backend);
        calls = new (Tensor<int>, Tensor<int>?, Tensor<float>)[(count + examplesPerCall - 1) / examplesPerCall];
        for (var k = 0; k < calls.Length; k++)
        {
            var start = k * examplesPerCall;
            var n = Math.Min(examplesPerCall, count - start);
            calls[k] = (order.Slice(start, n), orderedLabels?.Slice(start, n), epochLosses.Device.Slice(start, n));
        }
    }

    public IBackend Backend => backend;

    public int TrainCount => train.Rows;
    public int StepsPerEpoch => (TrainCount + settings.Batch - 1) / settings.Batch;
    public int EpochsDone { get; private set; }
    public long StepsDone => Interlocked.Read(ref stepsDone);

    /// <summary>How a host backend's thread pool is used, measured each epoch (null on other backends and for Hogwild).</summary>
    public HostThreadPolicy? Threads { get; }

    /// <summary>The rate the next step trains at: the settings' until a schedule sets it (between epochs).</summary>
    public float LearningRate { get; set; }

    /// <summary>Examples of the current epoch already trained on (0 between epochs; more after an epoch stopped by <see cref="RunControl.Stop"/>).</summary>
    public int Position => position;

    /// <summary>
    /// Where a resumed run stands (its parameters and optimizer state are restored by the model's owner): epochs and steps done,
    /// and, mid-epoch, the examples of the next epoch done (<see cref="Position"/>) with their losses (<see cref="PartialLosses"/>),
    /// so the epoch's mean loss comes out as if it had never stopped. The masks and draws are keyed by (seed, epoch, example):
    /// there is no generator state besides these counts.
    /// </summary>
    public void Restore(int epochsDone, long stepsDone, int position = 0, ReadOnlySpan<float> losses = default)
    {
        if (position < 0 || position >= TrainCount || losses.Length != position)
            throw new ArgumentException($"position {position} with {losses.Length} losses: expected a position below {TrainCount}, one loss per example");
        // A checkpoint written mid-epoch by another step (e.g. host's per-sample step, resumed where the SampleSgd kernel takes
        // chunks of examples) may stop where this step cannot start.
        if (position % examplesPerCall != 0)
            throw InputException.AboutSetting("resume",
                $"resume: the checkpoint stopped after example {position} of epoch {epochsDone + 1}, but {backend.Name} trains {examplesPerCall} examples per call; expected the accelerator that wrote it (or a checkpoint from an epoch's end)",
                "accelerator");
        EpochsDone = epochsDone;
        Interlocked.Exchange(ref this.stepsDone, stepsDone);
        this.position = position;
        if (position > 0)
            epochLosses.Device.Slice(0, position).CopyFrom(losses);
    }

    /// <summary>
    /// The losses of the current epoch's first <see cref="Position"/> examples, for a mid-epoch checkpoint; checked as a report
    /// checks them (a non-finite loss or parameter throws <see cref="TrainingDivergedException"/>), so no such checkpoint holds one.
    /// </summary>
    public float[] PartialLosses()
    {
        epochLosses.Sum(0, position, EpochsDone, StepsDone - position / settings.Batch, settings.Batch);
        var losses = new float[position];
        epochLosses.Device.Slice(0, position).CopyTo(losses);
        return losses;
    }

    /// <summary>Runs the next epoch (from <see cref="Position"/>) to its end; throws <see cref="TrainingDivergedException"/> at the first non-finite loss.</summary>
    public TrainerEpoch RunEpoch(Action<StepProgress>? progress = null) => RunEpochOrStop(progress, null, null)!.Value;

    /// <summary>
    /// Runs the next epoch (from <see cref="Position"/>); throws <see cref="TrainingDivergedException"/> at the first non-finite
    /// loss. Between two calls, <paramref name="control"/> may call <paramref name="checkpoint"/> or stop the epoch: then the
    /// result is null and <see cref="Position"/> says where it stopped.
    /// </summary>
    public TrainerEpoch? RunEpochOrStop(Action<StepProgress>? progress, RunControl? control, Action? checkpoint)
    {
        var epoch = EpochsDone;
        var clock = Stopwatch.StartNew();
        Shuffle(epoch);
        var epochStartStep = StepsDone - position / settings.Batch;
        var (skippedBatches, skippedExamples) = (step.SkippedBatches, step.SkippedExamples);
        double lossSum;
        if (step.Workers >= 2)
            lossSum = RunWorkers(epoch, epochStartStep, clock, progress);
        else if (RunSequential(epoch, epochStartStep, clock, progress, control ?? RunControl.None, checkpoint) is { } sum)
            lossSum = sum;
        else
            return null;
        position = 0;
        var seconds = clock.Elapsed.TotalSeconds;
        (skippedBatches, skippedExamples) = (step.SkippedBatches - skippedBatches, step.SkippedExamples - skippedExamples);
        if (skippedExamples >= TrainCount)
            throw new TrainingDivergedException(epoch + 1, StepsDone, double.NaN,
                $"every one of the epoch's {skippedBatches} batches had a non-finite loss or gradient and was skipped");
        EpochsDone++;
        return new TrainerEpoch(EpochsDone, lossSum / (TrainCount - skippedExamples), seconds, TrainCount / seconds, (int)skippedBatches);
    }

    private void Shuffle(int epoch)
    {
        var shuffled = EpochOrder.Shuffle(settings.Seed, epoch, TrainCount);
        order.CopyFrom(shuffled);
        if (labels is null)
            return;
        for (var i = 0; i < shuffled.Length; i++)
            hostOrderedLabels![i] = labels[shuffled[i]];
        orderedLabels!.CopyFrom(hostOrderedLabels);
    }

    private TrainingBatch Call(int k, int epoch) =>
        new(train, new StepContext(calls[k].Indices, settings.Seed, (uint)epoch, Training: true), calls[k].Labels, calls[k].Losses, LearningRate);

    /// <summary>
    /// Every call in order from <see cref="Position"/>; returns the epoch's summed loss, or null when <paramref name="control"/>
    /// stopped it (between calls, read on the host: no device round-trip).
    /// </summary>
    private double? RunSequential(int epoch, long epochStartStep, Stopwatch clock, Action<StepProgress>? progress, RunControl control, Action? checkpoint)
    {
        var tracker = new EpochProgress(epochLosses, epoch, epochStartStep, settings.Batch, TrainCount, clock, progress);
        try
        {
            for (var k = position / examplesPerCall; k < calls.Length; k++)
            {
                Threads?.BeforeCall(k, calls.Length);
                step.Run(0, Call(k, epoch));
                Threads?.AfterCall(k);
                var n = calls[k].Losses.Length;
                var before = StepsDone;
                Interlocked.Add(ref stepsDone, (n + settings.Batch - 1) / settings.Batch);
                if (StepsDone >= KillAfterStep)
                    CheckpointCommit.KillNow();
                position = k * examplesPerCall + n;
                tracker.Done(position);
                if (k + 1 == calls.Length)
                    break;
                if (control.Stop.IsCancellationRequested)
                    return null;
                // Every N steps counted from the run's start, so a resumed run checkpoints where the uninterrupted one did.
                if (control.CheckpointEvery > 0 && StepsDone / control.CheckpointEvery != before / control.CheckpointEvery)
                    checkpoint?.Invoke();
            }
        }
        finally
        {
            Threads?.EndEpoch();
        }
        return tracker.Finish();
    }

    /// <summary>
    /// Hogwild: worker w runs calls w, w + K, … at the same time as the others, which update the shared weights without
    /// locks. Worker 0 reports progress (its position stands for the epoch's); the losses are summed at the end.
    /// </summary>
    private double RunWorkers(int epoch, long epochStartStep, Stopwatch clock, Action<StepProgress>? progress)
    {
        var k = step.Workers;
        Parallel.For(0, k, new ParallelOptions { MaxDegreeOfParallelism = k }, w =>
        {
            var lastReport = TimeSpan.Zero;
            for (var c = w; c < calls.Length; c += k)
            {
                step.Run(w, Call(c, epoch));
                Interlocked.Add(ref stepsDone, (calls[c].Losses.Length + settings.Batch - 1) / settings.Batch);
                if (w == 0 && progress is not null && clock.Elapsed - lastReport >= EpochProgress.Interval)
                {
                    lastReport = clock.Elapsed;
                    var done = Math.Min(TrainCount, (c + 1) * examplesPerCall);
                    progress(new StepProgress(epoch + 1, done, TrainCount, double.NaN, done / clock.Elapsed.TotalSeconds));
                }
            }
        });
        return epochLosses.Sum(0, TrainCount, epoch, epochStartStep, settings.Batch);
    }

    public void Dispose()
    {
        epochLosses.Dispose();
        guard?.Dispose();
        orderedLabels?.Dispose();
        order.Dispose();
        train.Dispose();
    }
}
