namespace ILGPUAE.Training;

using System.Diagnostics;
using ILGPUAE.Backend;
using ILGPUAE.Evaluation;
using ILGPUAE.IO;
using ILGPUAE.Models;
using ILGPUAE.Modules;
using ILGPUAE.Optimizers;
using ILGPUAE.Random;

/// <summary>Where an epoch stands, reported a few times a second.</summary>
public readonly record struct StepProgress(int Epoch, int Processed, int Total, double RunningLoss, double SamplesPerSecond);

/// <summary>One finished epoch, as metrics.json records it (epochs 1-based).</summary>
public sealed record EpochReport(int Epoch, double TrainLoss, double TestLoss, double Seconds, double SamplesPerSecond);

/// <summary>
/// Trains one tied denoising autoencoder by minibatch SGD (batch 1 = per-sample SGD). Owns the device
/// copies of the data and every buffer, all allocated once; an epoch is launcher calls only, and losses
/// stay on the device until a report reads them.
/// With <see cref="DaeOptions.Hogwild"/> = K ≥ 2, K workers each take every K-th batch of the epoch's
/// order and update the shared weights without locks (Hogwild): faster on many cores, not reproducible.
/// On the host the workers are lanes of the backend (any batch, momentum); on an ILGPU backend they are
/// groups of one <see cref="ISampleSgd.TiedDaeHogwild"/> launch per chunk (batch 1, momentum 0).
/// Plain per-sample SGD (batch 1, no momentum) on a backend with a <see cref="ISampleSgd"/> family runs
/// <see cref="SampleChunk"/> examples per call of it instead of seven launches per example.
/// Which way a step runs is <see cref="Path"/>, picked once from the options and the backend (<see cref="DaePolicy"/>):
/// those fused paths for SGD, else the gradients of the tied network followed by an <see cref="Optimizer"/> step (RMSprop,
/// Adam, AdamW, Nesterov, weight decay, clipping), whose state is checkpointed under each parameter's name.
/// </summary>
public sealed class DaeTrainer : IDisposable
{
    /// <summary>Examples per <see cref="ISampleSgd"/> call: small enough for a few progress reports a second.</summary>
    public const int SampleChunk = 2048;

    private readonly DaeOptions options;
    private readonly Tensor<float> train, test;
    private readonly Tensor<int> order;
    private readonly EpochLosses epochLosses;
    private readonly TiedAutoencoderPass pass;
    private readonly ReconstructionEvaluator evaluator;
    private readonly Tensor<float>?[] velocities;

    /// <summary>The update rule when the step is not SGD's fused path: over the model's parameters and the pass's gradients.</summary>
    private readonly Optimizer? optimizer;

    // Views of the epoch order and of the loss buffer for each batch, made once: a step allocates nothing.
    private readonly Tensor<int>[] batchIndices;
    private readonly Tensor<float>[] batchLosses;

    /// <summary>Hogwild workers: a lane of the backend each, with its own activations and gradients.</summary>
    private readonly (IBackend Lane, TiedAutoencoderPass Pass)[] workers;

    /// <param name="trainPixels">[trainCount, visible] in [0,1].</param>
    /// <param name="testPixels">[testCount, visible] in [0,1].</param>
    /// <param name="state">Where a resumed run stands; null for a fresh model from <see cref="DaeOptions.Seed"/>.</param>
    public DaeTrainer(IBackend backend, DaeOptions options, int visible, float[] trainPixels, float[] testPixels, TrainState? state = null)
    {
        // Checked before anything is allocated, so a refused run leaks nothing.
        if (options.Hogwild >= 2 && backend is not ILaneProvider)
        {
            if (backend.SampleSgd is null || options.Activation != Activation.Sigmoid)
                throw new InputException($"--hogwild {options.Hogwild}: '{backend.Name}' cannot run concurrent workers; expected --accelerator host");
            if (options.Batch != 1)
                throw new InputException(
                    $"--hogwild {options.Hogwild} with --batch {options.Batch}: Hogwild on '{backend.Name}' is per-sample SGD; expected --batch 1 (or --accelerator host)");
            if (options.Momentum != 0)
                throw new InputException(
                    $"--hogwild {options.Hogwild} with --momentum {options.Momentum}: Hogwild on '{backend.Name}' is plain SGD; expected --momentum 0 (or --accelerator host)");
            hogwildKernelWorkers = options.Hogwild;
        }
        this.options = options;
        Backend = backend;
        var trainCount = trainPixels.Length / visible;
        train = Upload(backend, trainPixels, trainCount, visible);
        test = Upload(backend, testPixels, testPixels.Length / visible, visible);
        order = backend.Allocate<int>(trainCount);
        epochLosses = new EpochLosses(backend, trainCount);

        Model = state is null
            ? TiedAutoencoder.Create(backend, visible, options.Hidden, options.Seed, hiddenActivation: options.Activation)
            : state.CreateModel(backend, visible, options.Hidden, options.Activation);
        var batch = Math.Min(options.Batch, trainCount);
        pass = new TiedAutoencoderPass(Model, batch);
        var batches = (trainCount + options.Batch - 1) / options.Batch;
        batchIndices = new Tensor<int>[batches];
        batchLosses = new Tensor<float>[batches];
        for (var k = 0; k < batches; k++)
        {
            var start = k * options.Batch;
            var b = Math.Min(options.Batch, trainCount - start);
            batchIndices[k] = order.Slice(start, b);
            batchLosses[k] = epochLosses.Device.Slice(start, b);
        }
        workers = options.Hogwild < 2 || backend is not ILaneProvider ? [] : CreateWorkers((ILaneProvider)backend, options.Hogwild, batch);
        // The test loss is computed between epochs, when the training pass's buffers are idle.
        evaluator = new ReconstructionEvaluator(Model, test, pass.Scratch(Math.Min(ReconstructionEvaluator.ChunkRows, test.Rows)));
        Path = DaePolicy.Choose(options, backend, workers.Length > 0);
        var sgdMomentum = Path == DaeStepPath.GradientsThenSgd;
        velocities = Model.Parameters.Select(p => sgdMomentum ? backend.Allocate<float>([.. p.Tensor.Shape.Dimensions]) : null).ToArray();
        if (Path == DaeStepPath.GradientsThenOptimizer)
        {
            // The tied network's parameters, W in the weights group (decayed) and the biases in theirs, with the pass's gradients.
            var parameters = Model.Parameters.Zip(pass.Gradients, (p, g) =>
                new Parameter(p.Name, p.Tensor, g, p.Name == TiedAutoencoder.WeightName ? ParameterGroups.Weights : ParameterGroups.Biases));
            optimizer = new Optimizer(backend, [.. parameters], options.ToOptimizerOptions());
        }
        state?.RestoreVelocities(velocities);
        if (optimizer is not null)
            state?.RestoreOptimizer(optimizer);
        EpochsDone = state?.EpochsDone ?? 0;
        stepsDone = state?.StepsDone ?? 0;
    }

    public IBackend Backend { get; }
    public TiedAutoencoder Model { get; }

    /// <summary>How each step runs (see <see cref="DaePolicy"/>).</summary>
    public DaeStepPath Path { get; }

    /// <summary>The optimizer's named state when the step is not SGD's fused path (null otherwise).</summary>
    public Optimizer? Optimizer => optimizer;

    /// <summary>The backend's per-sample SGD family when this run uses it (<see cref="DaeStepPath.SampleSgdKernel"/>); else null.</summary>
    public ISampleSgd? SampleSgd => Path == DaeStepPath.SampleSgdKernel ? Backend.SampleSgd : null;

    /// <summary>
    /// K ≥ 2 when the epoch runs on <see cref="ISampleSgd.TiedDaeHogwild"/> (Hogwild on an ILGPU backend: K
    /// workers of the kernel in flight); 0 when it is sequential or runs on the host's lanes.
    /// </summary>
    public int HogwildKernelWorkers => hogwildKernelWorkers;

    private readonly int hogwildKernelWorkers;
    public int EpochsDone { get; private set; }
    private long stepsDone;

    public long StepsDone => Interlocked.Read(ref stepsDone);
    public int TrainCount => train.Rows;

    /// <summary>Momentum buffers in parameter order; entries are null when momentum is 0.</summary>
    public IReadOnlyList<Tensor<float>?> Velocities => velocities;

    /// <summary>Runs the next epoch; throws <see cref="TrainingDivergedException"/> at the first non-finite loss.</summary>
    public EpochReport RunEpoch(Action<StepProgress>? progress = null)
    {
        var epoch = EpochsDone;
        var clock = Stopwatch.StartNew();
        order.CopyFrom(EpochOrder.Shuffle(options.Seed, epoch, TrainCount));
        var noise = new NoiseKey(options.Seed, RngStream.Mask, (uint)epoch);
        var epochStartStep = StepsDone;
        var lossSum = workers.Length > 0 ? RunHogwild(epoch, noise, epochStartStep, clock, progress)
            : SampleSgd is not null ? RunSampleSgd(SampleSgd, epoch, noise, epochStartStep, clock, progress)
            : RunSequential(epoch, noise, epochStartStep, clock, progress);
        var seconds = clock.Elapsed.TotalSeconds;
        EpochsDone++;
        return new EpochReport(EpochsDone, lossSum / TrainCount, TestLoss(), seconds, TrainCount / seconds);
    }

    /// <summary>One step per batch, in order; returns the epoch's summed loss.</summary>
    private double RunSequential(int epoch, NoiseKey noise, long epochStartStep, Stopwatch clock, Action<StepProgress>? progress)
    {
        var tracker = new EpochProgress(epochLosses, epoch, epochStartStep, options.Batch, TrainCount, clock, progress);
        for (var k = 0; k < batchIndices.Length; k++)
        {
            Step(pass, k, noise);
            tracker.Done(Math.Min(TrainCount, (k + 1) * options.Batch));
        }
        return tracker.Finish();
    }

    /// <summary>
    /// Per-sample SGD through the backend's SampleSgd family, a chunk of the epoch order per call: sequential,
    /// or with <see cref="HogwildKernelWorkers"/> workers in flight within each chunk.
    /// </summary>
    private double RunSampleSgd(ISampleSgd sampleSgd, int epoch, NoiseKey noise, long epochStartStep, Stopwatch clock, Action<StepProgress>? progress)
    {
        var parameters = new TiedDaeParameters(Model.Weights, Model.HiddenBias, Model.VisibleBias);
        var tracker = new EpochProgress(epochLosses, epoch, epochStartStep, 1, TrainCount, clock, progress);
        for (var start = 0; start < TrainCount; start += SampleChunk)
        {
            var n = Math.Min(SampleChunk, TrainCount - start);
            if (hogwildKernelWorkers >= 2)
                sampleSgd.TiedDaeHogwild(parameters, train, order.Slice(start, n), noise, options.Corruption, options.Loss, options.LearningRate,
                    hogwildKernelWorkers, epochLosses.Device.Slice(start, n));
            else
                sampleSgd.TiedDae(parameters, train, order.Slice(start, n), noise, options.Corruption, options.Loss, options.LearningRate,
                    epochLosses.Device.Slice(start, n));
            Interlocked.Add(ref stepsDone, n);
            tracker.Done(start + n);
        }
        return tracker.Finish();
    }

    /// <summary>
    /// Worker w runs batches w, w + K, … on its own lane, updating the shared weights without locks.
    /// Worker 0 reports progress (its losses stand for the epoch's); the full sum is read at the end.
    /// </summary>
    private double RunHogwild(int epoch, NoiseKey noise, long epochStartStep, Stopwatch clock, Action<StepProgress>? progress)
    {
        var k = workers.Length;
        Parallel.For(0, k, new ParallelOptions { MaxDegreeOfParallelism = k }, w =>
        {
            var (_, workerPass) = workers[w];
            var lastReport = TimeSpan.Zero;
            for (var batch = w; batch < batchIndices.Length; batch += k)
            {
                Step(workerPass, batch, noise);
                if (w == 0 && progress is not null && clock.Elapsed - lastReport >= EpochProgress.Interval)
                {
                    lastReport = clock.Elapsed;
                    var done = Math.Min(TrainCount, (batch + 1) * options.Batch);
                    progress(new StepProgress(epoch + 1, done, TrainCount, double.NaN, done / clock.Elapsed.TotalSeconds));
                }
            }
        });
        return epochLosses.Sum(0, TrainCount, epoch, epochStartStep, options.Batch);
    }

    /// <summary>
    /// Forward, backward and update for batch <paramref name="k"/> of the epoch order. Plain SGD (momentum 0) updates the
    /// parameters inside the pass's last products, with no gradient round trip; momentum goes through the optimizer.
    /// </summary>
    private void Step(TiedAutoencoderPass on, int k, NoiseKey noise)
    {
        if (optimizer is not null)
        {
            on.ForwardBackward(train, batchIndices[k], noise, options.Corruption, options.Loss, batchLosses[k]);
            optimizer.Step();
        }
        else
        {
            on.SgdStep(train, batchIndices[k], noise, options.Corruption, options.Loss, batchLosses[k], options.LearningRate, options.Momentum, velocities);
        }
        Interlocked.Increment(ref stepsDone);
    }

    private (IBackend, TiedAutoencoderPass)[] CreateWorkers(ILaneProvider lanes, int count, int batch) =>
        Enumerable.Range(0, count).Select(_ =>
        {
            var lane = lanes.CreateLane();
            return (lane, new TiedAutoencoderPass(Model, batch, lane));
        }).ToArray();

    /// <summary>Mean per-example loss on the clean test inputs.</summary>
    public double TestLoss() => evaluator.MeanLoss(options.Loss);

    private static Tensor<float> Upload(IBackend backend, float[] pixels, int rows, int visible)
    {
        var t = backend.Allocate<float>(rows, visible);
        t.CopyFrom(pixels);
        return t;
    }

    public void Dispose()
    {
        foreach (var (lane, workerPass) in workers)
        {
            workerPass.Dispose();
            lane.Dispose();
        }
        evaluator.Dispose();
        pass.Dispose();
        foreach (var v in velocities)
            v?.Dispose();
        optimizer?.Dispose();
        Model.Dispose();
        epochLosses.Dispose();
        order.Dispose();
        test.Dispose();
        train.Dispose();
    }
}
