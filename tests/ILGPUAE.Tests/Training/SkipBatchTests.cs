namespace ILGPUAE.Tests.Training;

using ILGPUAE.Backend;
using ILGPUAE.Modules;
using ILGPUAE.Optimizers;
using ILGPUAE.Tests.Host;
using ILGPUAE.Training;
using ILGPUAE.Training.Stacked;

/// <summary>
/// on_nan skip-batch (issue 13): a batch whose loss or gradient is not finite is not applied — the parameters, Adam's state
/// and its step count end exactly where training without that batch leaves them — and the epoch counts it. A policy that
/// only zeroed the gradient would still move Adam's moments and step, and fail the bit-for-bit comparison.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class SkipBatchTests(HostFixture fixture)
{
    private const int Rows = 40, Features = 23, Batch = 10, Poisoned = 17;

    private static NetworkSpec Autoencoder() => new(
        [
            new DenseSpec(Features, 9, Activation.Sigmoid, "encoder.W", "encoder.b"),
            new DenseSpec(9, Features, Activation.Sigmoid, "decoder.W", "decoder.b"),
        ],
        new ReconstructionSpec(LossKind.CrossEntropy));

    private static readonly OptimizerOptions Adam = OptimizerOptions.Defaults(OptimizerKind.Adam) with { LearningRate = 0.01f };

    private static float[] PoisonedPixels()
    {
        var pixels = Synthetic.Pixels(Rows, Features, seed: 5);
        pixels[Poisoned * Features + 4] = float.NaN;
        return pixels;
    }

    /// <summary>
    /// Trains a fresh network on the batches <paramref name="batches"/> (each the rows [10k, 10k + 10)) in order; returns its
    /// parameters, Adam's state and step counts, the step's skip counts and each batch's losses.
    /// </summary>
    private (float[][] Values, float[][] State, long[] Steps, long Skipped, long SkippedExamples, float[][] Losses) Train(NanPolicy policy, params int[] batches)
    {
        var backend = fixture.Backend;
        using var data = backend.Allocate<float>(Rows, Features);
        data.CopyFrom(PoisonedPixels());
        var network = Autoencoder().Build(backend, Batch);
        network.Initialize(seed: 3);
        using var step = new NetworkStep(network, new Optimizer(backend, network.TrainedParameters, Adam), Adam.LearningRate, policy);
        using var indices = backend.Allocate<int>(Batch);
        using var losses = backend.Allocate<float>(Batch);
        var lossesOf = new List<float[]>();
        foreach (var k in batches)
        {
            indices.CopyFrom([.. Enumerable.Range(k * Batch, Batch)]);
            step.Run(0, new TrainingBatch(data, new StepContext(indices, 1, 0, Training: true), null, losses, Adam.LearningRate));
            lossesOf.Add(losses.ToArray());
        }
        float[][] values = [.. network.Body.Parameters.Select(p => p.Value.ToArray())];
        float[][] state = [.. step.Optimizer.State.Select(s => s.Tensor.ToArray())];
        return (values, state, [.. step.Optimizer.StepCounts.Values], step.SkippedBatches, step.SkippedExamples, [.. lossesOf]);
    }

    [Fact]
    public void APoisonedBatchIsSkippedAsIfItWereNotThere()
    {
        var skipping = Train(NanPolicy.SkipBatch, 0, 1, 2, 3);
        var without = Train(NanPolicy.Stop, 0, 2, 3);

        Assert.Equal(1, skipping.Skipped);
        Assert.Equal(Batch, skipping.SkippedExamples);
        Assert.All(skipping.Losses[1], l => Assert.Equal(0f, l));
        Assert.Equal(without.Values.Length, skipping.Values.Length);
        for (var i = 0; i < without.Values.Length; i++)
        {
            Assert.All(skipping.Values[i], v => Assert.True(float.IsFinite(v)));
            Assert.Equal(without.Values[i], skipping.Values[i]);
        }
        Assert.NotEmpty(without.State);
        for (var i = 0; i < without.State.Length; i++)
            Assert.Equal(without.State[i], skipping.State[i]);
        Assert.Equal(without.Steps, skipping.Steps);
        Assert.All(skipping.Steps, s => Assert.Equal(3, s));
    }

    [Fact]
    public void WithoutTheSkipThePoisonedBatchSpoilsTheWeights()
    {
        var stopping = Train(NanPolicy.Stop, 0, 1, 2, 3);

        Assert.Equal(0, stopping.Skipped);
        Assert.Contains(stopping.Values.SelectMany(v => v), v => !float.IsFinite(v));
    }

    /// <summary>
    /// Through a DAE session: skip-batch forces the generic step, the epoch reports the one skipped batch, its mean train loss
    /// is over the other examples (finite), and the weights stay finite; the default policy stops on the same data.
    /// </summary>
    [Fact]
    public void ADaeEpochCountsItsSkippedBatch()
    {
        var train = MnistSample.Train(100);
        train[42 * MnistSample.Visible + 300] = float.NaN;
        var options = new DaeOptions { Hidden = 12, Batch = 10, Epochs = 1, Seed = 1, OnNan = NanPolicy.SkipBatch };
        using (var session = new DaeSession(fixture.Backend, options, MnistSample.Visible, train, MnistSample.Test(20)))
        {
            Assert.Equal(StepPath.GradientsThenOptimizer, session.Path);
            var report = session.RunEpoch();

            Assert.Equal(1, report.SkippedBatches);
            Assert.True(double.IsFinite(report.TrainLoss) && report.TrainLoss > 0, $"train loss {report.TrainLoss}");
            Assert.Equal("epoch 1: skipped 1 batch with a non-finite loss or gradient", report.SkippedLine);
            Assert.All(session.Model.Parameters, p => Assert.All(p.Tensor.ToArray(), v => Assert.True(float.IsFinite(v), p.Name)));
        }
        using (var session = new DaeSession(fixture.Backend, options with { OnNan = NanPolicy.Stop }, MnistSample.Visible, train, MnistSample.Test(20)))
            Assert.Throws<TrainingDivergedException>(() => session.RunEpoch());
    }

    /// <summary>The classifier's policy forces the generic step too (its fused paths apply a batch without looking at it).</summary>
    [Fact]
    public void SkipBatchForcesTheGenericStepOfEveryModel()
    {
        var plain = new DaeOptions { Batch = 1 };
        Assert.NotEqual(StepPath.GradientsThenOptimizer, StepPolicy.ForDae(plain, fixture.Backend, hostLanes: false));
        Assert.Equal(StepPath.GradientsThenOptimizer, StepPolicy.ForDae(plain with { OnNan = NanPolicy.SkipBatch }, fixture.Backend, hostLanes: false));
        var tuning = new FinetuneOptions { Batch = 10 };
        Assert.NotEqual(StepPath.GradientsThenOptimizer, StepPolicy.ForClassifier(tuning, fixture.Backend, []));
        Assert.Equal(StepPath.GradientsThenOptimizer, StepPolicy.ForClassifier(tuning with { OnNan = NanPolicy.SkipBatch }, fixture.Backend, []));
    }
}
