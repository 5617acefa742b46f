namespace ILGPUAE.Training;

using System.Diagnostics;
using ILGPUAE.Backend;
using ILGPUAE.Evaluation;
using ILGPUAE.Models;
using ILGPUAE.Random;

/// <summary>Where an epoch stands, reported a few times a second.</summary>
public readonly record struct StepProgress(int Epoch, int Processed, int Total, double RunningLoss, double SamplesPerSecond);

/// <summary>One finished epoch, as metrics.json records it (epochs 1-based).</summary>
public sealed record EpochReport(int Epoch, double TrainLoss, double TestLoss, double Seconds, double SamplesPerSecond);

/// <summary>
/// Trains one tied denoising autoencoder by minibatch SGD (batch 1 = per-sample SGD). Owns the device
/// copies of the data and every buffer, all allocated once; an epoch is launcher calls only, and losses
/// stay on the device until a report reads them.
/// </summary>
public sealed class DaeTrainer : IDisposable
{
    private static readonly TimeSpan ReportInterval = TimeSpan.FromMilliseconds(500);

    private readonly DaeOptions options;
    private readonly Tensor<float> train, test;
    private readonly Tensor<int> order;
    private readonly Tensor<float> epochLosses;
    private readonly float[] hostLosses;
    private readonly TiedAutoencoderPass pass;
    private readonly ReconstructionEvaluator evaluator;
    private readonly Tensor<float>?[] velocities;

    /// <param name="trainPixels">[trainCount, visible] in [0,1].</param>
    /// <param name="testPixels">[testCount, visible] in [0,1].</param>
    /// <param name="state">Where a resumed run stands; null for a fresh model from <see cref="DaeOptions.Seed"/>.</param>
    public DaeTrainer(IBackend backend, DaeOptions options, int visible, float[] trainPixels, float[] testPixels, TrainState? state = null)
    {
        this.options = options;
        Backend = backend;
        var trainCount = trainPixels.Length / visible;
        train = Upload(backend, trainPixels, trainCount, visible);
        test = Upload(backend, testPixels, testPixels.Length / visible, visible);
        order = backend.Allocate<int>(trainCount);
        epochLosses = backend.Allocate<float>(trainCount);
        hostLosses = new float[trainCount];

        Model = state is null
            ? TiedAutoencoder.Create(backend, visible, options.Hidden, options.Seed)
            : state.CreateModel(backend, visible, options.Hidden);
        pass = new TiedAutoencoderPass(Model, Math.Min(options.Batch, trainCount));
        evaluator = new ReconstructionEvaluator(Model, test);
        velocities = Model.Parameters.Select(p => options.Momentum == 0 ? null : backend.Allocate<float>([.. p.Tensor.Shape.Dimensions])).ToArray();
        state?.RestoreVelocities(velocities);
        EpochsDone = state?.EpochsDone ?? 0;
        StepsDone = state?.StepsDone ?? 0;
    }

    public IBackend Backend { get; }
    public TiedAutoencoder Model { get; }
    public int EpochsDone { get; private set; }
    public long StepsDone { get; private set; }
    public int TrainCount => train.Rows;

    /// <summary>Momentum buffers in parameter order; entries are null when momentum is 0.</summary>
    public IReadOnlyList<Tensor<float>?> Velocities => velocities;

    /// <summary>Runs the next epoch; throws <see cref="TrainingDivergedException"/> at the first non-finite loss.</summary>
    public EpochReport RunEpoch(Action<StepProgress>? progress = null)
    {
        var epoch = EpochsDone;
        var clock = Stopwatch.StartNew();
        var lastReport = TimeSpan.Zero;
        order.CopyFrom(EpochOrder.Shuffle(options.Seed, epoch, TrainCount));
        var noise = new NoiseKey(options.Seed, RngStream.Mask, (uint)epoch);
        var epochStartStep = StepsDone;
        var read = 0;
        double lossSum = 0;

        for (var start = 0; start < TrainCount; start += options.Batch)
        {
            var b = Math.Min(options.Batch, TrainCount - start);
            pass.ForwardBackward(train, order.Slice(start, b), noise, options.Corruption, options.Loss, epochLosses.Slice(start, b));
            for (var i = 0; i < velocities.Length; i++)
                Backend.Optimizer.Sgd(Model.Parameters[i].Tensor, pass.Gradients[i], velocities[i], options.LearningRate, options.Momentum);
            StepsDone++;

            if (progress is not null && clock.Elapsed - lastReport >= ReportInterval)
            {
                lastReport = clock.Elapsed;
                lossSum += SumLosses(read, start + b, epoch, epochStartStep);
                read = start + b;
                progress(new StepProgress(epoch + 1, read, TrainCount, lossSum / read, read / clock.Elapsed.TotalSeconds));
            }
        }
        lossSum += SumLosses(read, TrainCount, epoch, epochStartStep);
        var seconds = clock.Elapsed.TotalSeconds;
        EpochsDone++;
        return new EpochReport(EpochsDone, lossSum / TrainCount, TestLoss(), seconds, TrainCount / seconds);
    }

    /// <summary>Mean per-example loss on the clean test inputs.</summary>
    public double TestLoss() => evaluator.MeanLoss(options.Loss);

    /// <summary>Sums losses [from, to) of this epoch on the host; a non-finite one stops the run, naming its step.</summary>
    private double SumLosses(int from, int to, int epoch, long epochStartStep)
    {
        if (to <= from)
            return 0;
        Backend.Synchronize();
        var span = hostLosses.AsSpan(from, to - from);
        epochLosses.Slice(from, to - from).CopyTo(span);
        double sum = 0;
        for (var i = 0; i < span.Length; i++)
        {
            if (!float.IsFinite(span[i]))
                throw new TrainingDivergedException(epoch + 1, epochStartStep + (from + i) / options.Batch + 1, span[i]);
            sum += span[i];
        }
        return sum;
    }

    private static Tensor<float> Upload(IBackend backend, float[] pixels, int rows, int visible)
    {
        var t = backend.Allocate<float>(rows, visible);
        t.CopyFrom(pixels);
        return t;
    }

    public void Dispose()
    {
        evaluator.Dispose();
        pass.Dispose();
        foreach (var v in velocities)
            v?.Dispose();
        Model.Dispose();
        epochLosses.Dispose();
        order.Dispose();
        test.Dispose();
        train.Dispose();
    }
}
