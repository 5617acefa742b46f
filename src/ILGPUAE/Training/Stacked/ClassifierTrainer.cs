namespace ILGPUAE.Training.Stacked;

using System.Diagnostics;
using ILGPUAE.Backend;
using ILGPUAE.Data;
using ILGPUAE.Models;
using ILGPUAE.Modules;
using ILGPUAE.Optimizers;
using ILGPUAE.Random;

/// <summary>One finished fine-tuning epoch's training half: mean loss over its examples, time and throughput.</summary>
public readonly record struct ClassifierEpoch(double TrainLoss, double Seconds, double SamplesPerSecond);

/// <summary>
/// Trains a <see cref="FeedForwardClassifier"/> by minibatch SGD on softmax cross-entropy (batch 1 =
/// per-sample SGD). Owns the device copy of the training set and every buffer, all allocated once, the
/// row views of every step included; an epoch is launcher calls only, and losses stay on the device
/// until a report reads them. Plain per-sample SGD on a backend with a <see cref="ISampleSgd"/> family
/// runs <see cref="SampleChunk"/> examples per call of it.
/// </summary>
public sealed class ClassifierTrainer : IDisposable
{
    private readonly FinetuneOptions options;
    private readonly Tensor<float> train;
    private readonly Tensor<int> order, orderedLabels;
    private readonly EpochLosses epochLosses;
    private readonly int[] labels, hostOrderedLabels;
    private readonly ClassifierPass pass;
    private readonly DenseParameters[] layerParameters;
    private readonly Tensor<float>?[] velocities;

    /// <summary>The update rule when it is not SGD: over the trained layers' parameters and the pass's gradients.</summary>
    private readonly Optimizer? optimizer;
    private (Tensor<int> Indices, Tensor<int> Labels, Tensor<float> Losses)[]? steps;

    /// <param name="firstTrained">Layers below this one are frozen (see <see cref="ClassifierPass"/>).</param>
    public ClassifierTrainer(FeedForwardClassifier model, FinetuneOptions options, Dataset data, int firstTrained)
    {
        if (data.Features != model.Architecture.Inputs)
            throw new ArgumentException($"{data.Name} has {data.Features} features per example; the classifier takes {model.Architecture.Inputs}");
        Model = model;
        this.options = options;
        var backend = model.Backend;
        train = backend.Allocate<float>(data.Count, data.Features);
        train.CopyFrom(data.Pixels);
        labels = Array.ConvertAll(data.Labels, l => (int)l);
        hostOrderedLabels = new int[data.Count];
        order = backend.Allocate<int>(data.Count);
        orderedLabels = backend.Allocate<int>(data.Count);
        epochLosses = new EpochLosses(backend, data.Count);
        pass = new ClassifierPass(model, Math.Min(options.Batch, data.Count), firstTrained);
        layerParameters = model.Layers.Select(l => new DenseParameters(l.Weights, l.Bias)).ToArray();
        var sgd = options.Optimizer.IsPlainSgd;
        velocities = pass.Trained.Select(p => !sgd || options.Momentum == 0 ? null : backend.Allocate<float>([.. p.Parameter.Shape.Dimensions])).ToArray();
        if (!sgd)
        {
            // Each trained W in the weights group (decayed), each bias in the biases group, under its checkpoint name.
            var names = model.Layers.SelectMany(l => new[] { (l.Weights, l.WeightName, ParameterGroups.Weights), (l.Bias, l.BiasName, ParameterGroups.Biases) })
                .ToDictionary(t => t.Item1, t => (Name: t.Item2, Group: t.Item3));
            optimizer = new Optimizer(backend, [.. pass.Trained.Select(t => new Parameter(names[t.Parameter].Name, t.Parameter, t.Gradient, names[t.Parameter].Group))],
                options.Optimizer.With(options.LearningRate, options.Momentum));
        }
        LearningRate = options.LearningRate;
    }

    /// <summary>The row views of every batch of the epoch order, made once (on first use: the SampleSgd path needs none), so a step allocates nothing.</summary>
    private (Tensor<int> Indices, Tensor<int> Labels, Tensor<float> Losses)[] Steps()
    {
        if (steps is not null)
            return steps;
        steps = new (Tensor<int>, Tensor<int>, Tensor<float>)[StepsPerEpoch];
        for (var s = 0; s < steps.Length; s++)
        {
            var start = s * options.Batch;
            var b = Math.Min(options.Batch, TrainCount - start);
            steps[s] = (order.Slice(start, b), orderedLabels.Slice(start, b), epochLosses.Device.Slice(start, b));
        }
        return steps;
    }

    public FeedForwardClassifier Model { get; }
    public IBackend Backend => Model.Backend;
    public int TrainCount => train.Rows;
    public int StepsPerEpoch => (TrainCount + options.Batch - 1) / options.Batch;
    public int EpochsDone { get; private set; }

    /// <summary>The rate the next step trains at: the options' until a caller sets it (fine-tuning's schedule does, every epoch).</summary>
    public float LearningRate { get; set; }

    public long StepsDone { get; private set; }

    /// <summary>The update rule's named state when it is not SGD (null otherwise).</summary>
    public Optimizer? Optimizer => optimizer;

    /// <summary>Each trained parameter with its momentum buffer (null when momentum is 0), in forward order.</summary>
    public IEnumerable<(Tensor<float> Parameter, Tensor<float>? Velocity)> TrainedState => pass.Trained.Select((p, i) => (p.Parameter, velocities[i]));

    /// <summary>Where a resumed run stands; the parameters and velocities are restored by the caller.</summary>
    public void Restore(int epochsDone, long stepsDone)
    {
        EpochsDone = epochsDone;
        StepsDone = stepsDone;
    }

    /// <summary>
    /// The backend's per-sample SGD family when this run can use it (batch 1, no momentum, layers it takes;
    /// masked inputs too); else null.
    /// </summary>
    public ISampleSgd? SampleSgd => SampleSgdFor(Backend, options, layerParameters);

    /// <summary><see cref="SampleSgd"/>'s rule, for a run of <paramref name="options"/> on <paramref name="layers"/>.</summary>
    public static ISampleSgd? SampleSgdFor(IBackend backend, FinetuneOptions options, IReadOnlyList<DenseParameters> layers) =>
        options.Batch == 1 && options.Momentum == 0 && options.Optimizer.IsPlainSgd && backend.SampleSgd is { } sampleSgd && sampleSgd.TakesClassifier(layers)
            ? sampleSgd : null;

    /// <summary>Examples per <see cref="ISampleSgd"/> call: small enough for a few progress reports a second.</summary>
    public const int SampleChunk = 2048;

    /// <summary>Runs the next epoch; throws <see cref="TrainingDivergedException"/> at the first non-finite loss.</summary>
    public ClassifierEpoch RunEpoch(Action<StepProgress>? progress = null)
    {
        var epoch = EpochsDone;
        var clock = Stopwatch.StartNew();
        var tracker = new EpochProgress(epochLosses, epoch, ShuffleEpoch(epoch), options.Batch, TrainCount, clock, progress);
        var noise = new NoiseKey(options.Seed, RngStream.FinetuneMask, (uint)epoch);
        if (SampleSgd is { } sampleSgd)
            RunSampleSgd(sampleSgd, tracker, noise);
        else
            RunBatches(tracker, noise);
        var lossSum = tracker.Finish();
        var seconds = clock.Elapsed.TotalSeconds;
        EpochsDone++;
        return new ClassifierEpoch(lossSum / TrainCount, seconds, TrainCount / seconds);
    }

    /// <summary>Uploads epoch <paramref name="epoch"/>'s order and its labels; returns the steps done before it.</summary>
    private long ShuffleEpoch(int epoch)
    {
        var shuffled = EpochOrder.Shuffle(options.Seed, epoch, TrainCount);
        for (var i = 0; i < shuffled.Length; i++)
            hostOrderedLabels[i] = labels[shuffled[i]];
        order.CopyFrom(shuffled);
        orderedLabels.CopyFrom(hostOrderedLabels);
        return StepsDone;
    }

    /// <summary>Per-sample SGD through the backend's SampleSgd family, a chunk of the epoch order per call.</summary>
    private void RunSampleSgd(ISampleSgd sampleSgd, EpochProgress tracker, NoiseKey noise)
    {
        for (var start = 0; start < TrainCount; start += SampleChunk)
        {
            var n = Math.Min(SampleChunk, TrainCount - start);
            sampleSgd.Classifier(layerParameters, pass.FirstTrained, train, order.Slice(start, n), orderedLabels.Slice(start, n), noise,
                options.Corruption, LearningRate, epochLosses.Device.Slice(start, n));
            StepsDone += n;
            tracker.Done(start + n);
        }
    }

    /// <summary>
    /// One forward/backward pass and update per batch of the epoch order. Plain SGD (momentum 0) updates the parameters
    /// inside the pass's products, with no gradient round trip; momentum goes through the optimizer.
    /// </summary>
    private void RunBatches(EpochProgress tracker, NoiseKey noise)
    {
        var batches = Steps();
        if (optimizer is not null)
        {
            // The schedule (reduce on plateau) sets LearningRate between epochs.
            optimizer.SetLearningRate(ParameterGroups.Weights, LearningRate);
            optimizer.SetLearningRate(ParameterGroups.Biases, LearningRate);
        }
        for (var s = 0; s < batches.Length; s++)
        {
            var (indices, batchLabels, losses) = batches[s];
            if (optimizer is not null)
            {
                pass.ForwardBackward(train, indices, batchLabels, losses, noise, options.Corruption);
                optimizer.Step();
            }
            else if (options.Momentum == 0)
                pass.ForwardBackwardSgd(train, indices, batchLabels, losses, LearningRate, noise, options.Corruption);
            else
            {
                pass.ForwardBackward(train, indices, batchLabels, losses, noise, options.Corruption);
                for (var i = 0; i < velocities.Length; i++)
                    Backend.Optimizer.Sgd(pass.Trained[i].Parameter, pass.Trained[i].Gradient, velocities[i], LearningRate, options.Momentum);
            }
            StepsDone++;
            tracker.Done(Math.Min(TrainCount, (s + 1) * options.Batch));
        }
    }

    public void Dispose()
    {
        pass.Dispose();
        foreach (var v in velocities)
            v?.Dispose();
        optimizer?.Dispose();
        epochLosses.Dispose();
        orderedLabels.Dispose();
        order.Dispose();
        train.Dispose();
    }
}
