namespace ILGPUAE.Tests.Training;

using ILGPUAE.Backend;
using ILGPUAE.Random;
using ILGPUAE.SampleSgd;
using ILGPUAE.Tests.Host;
using ILGPUAE.Tests.IO;
using ILGPUAE.Tests.Kernels;
using ILGPUAE.Training;

/// <summary>
/// The trainer's chunk loop over the SampleSgd family past one chunk (<see cref="SampleSgdTiedDaeStep.ChunkSize"/> examples per
/// call), against the double reference trainer: on the ILGPU CPU accelerator's kernel, and on
/// <see cref="SampleSgdReference"/> itself behind the host provider, where a mismatch can only be the trainer's slicing
/// of the order and the losses or its step count (the kernels are checked against <see cref="SampleSgdReference"/> by
/// KernelChecks' "sample sgd" families, and it against finite differences by <see cref="SampleSgdReferenceGradientTests"/>).
/// </summary>
public abstract class SampleSgdChunkTests(IBackend backend)
{
    [Fact]
    public void AnEpochOfMoreThanOneChunkMatchesTheReferenceTrainer()
    {
        // One full chunk and 52 examples in a second one.
        const int visible = 17, extra = 52;
        var examples = SampleSgdTiedDaeStep.ChunkSize + extra;
        var options = new DaeOptions { Hidden = 5, Corruption = 0.25f, Loss = LossKind.CrossEntropy, LearningRate = 0.1f, Batch = 1, Epochs = 1, Seed = 3 };
        var train = Synthetic.Pixels(examples, visible, seed: 41);
        var test = Synthetic.Pixels(20, visible, seed: 42);
        using var trainer = new DaeSession(backend, options, visible, train, test);
        Assert.NotNull(trainer.SampleSgd);
        var reference = new ReferenceDaeTrainer(options, visible, train);

        var report = trainer.RunEpoch();
        var referenceLoss = reference.RunEpoch();

        if (backend is ReferenceSampleSgdBackend calls)
            Assert.Equal(2, calls.Calls);
        Assert.Equal(examples, trainer.StepsDone);
        // Float against double over 2100 steps of a 17-5-17 model: the kernel's parameters agree to about 1e-6 of their largest
        // |value|, the reference's (double but for float storage between its two calls) to about 1e-7.
        Assert.True(Math.Abs(report.TrainLoss - referenceLoss) <= 1e-5 * referenceLoss, $"train loss {report.TrainLoss:R}, reference {referenceLoss:R}");
        string[] names = ["W", "b_hidden", "b_visible"];
        for (var i = 0; i < names.Length; i++)
        {
            var expected = reference.Parameters.All[i];
            Closeness.Assert(names[i], expected, trainer.Model.Parameters[i].Tensor.ToArray(), 1e-5 * expected.Max(Math.Abs), 1e-4);
        }

        // Not vacuous: the second chunk's updates move W by far more than that tolerance. The same double per-sample SGD over
        // the epoch's first chunk only (SampleSgdReference, the kernels' reference) ends outside it.
        var firstChunk = DaeParameters.Initial(visible, options.Hidden, options.Seed);
        var order = EpochOrder.Shuffle(options.Seed, 0, examples);
        SampleSgdReference.TiedDae(visible, options.Hidden, firstChunk.Weights, firstChunk.HiddenBias, firstChunk.VisibleBias, Closeness.ToDouble(train),
            order[..SampleSgdTiedDaeStep.ChunkSize], new NoiseKey(options.Seed, RngStream.Mask, 0), options.Corruption, options.Loss, options.LearningRate,
            new double[SampleSgdTiedDaeStep.ChunkSize]);
        var w = reference.Parameters.Weights;
        Assert.False(Closeness.Of(firstChunk.Weights, w, 1e-5 * w.Max(Math.Abs), 1e-4).Passed, "the last chunk's updates are within the tolerance");
    }
}

[Collection(HostCollection.Name)]
public sealed class ReferenceSampleSgdChunkTests(HostFixture fixture) : SampleSgdChunkTests(new ReferenceSampleSgdBackend(fixture.Backend));

[Collection(CpuAcceleratorCollection.Name)]
public sealed class CpuAcceleratorSampleSgdChunkTests(CpuAcceleratorFixture fixture) : SampleSgdChunkTests(fixture.Backend);

/// <summary>Resuming on the fast path (the CPU accelerator's SampleSgd kernel), weight for weight.</summary>
[Collection(CpuAcceleratorCollection.Name)]
public sealed class SampleSgdResumeTests(CpuAcceleratorFixture fixture)
{
    [Fact]
    public void ResumingOnTheFastPathIsBitwiseIdenticalToTrainingStraight()
    {
        var options = new DaeOptions { Hidden = 7, Corruption = 0.25f, Loss = LossKind.SquaredError, LearningRate = 0.1f, Batch = 1, Epochs = 2, Seed = 9 };
        var train = MnistSample.Train(20);
        var test = MnistSample.Test(20);

        using var straight = new DaeSession(fixture.Backend, options, MnistSample.Visible, train, test);
        Assert.NotNull(straight.SampleSgd);
        var initial = Bits(straight.Model.Weights);
        straight.RunEpoch();
        var straightReport = straight.RunEpoch();

        using var dir = new TempDirectory();
        using (var first = new DaeSession(fixture.Backend, options, MnistSample.Visible, train, test))
            DaeCheckpoint.Save(dir.Path, first, options, first.RunEpoch());
        var state = TrainState.Load(dir.Path);
        Assert.Equal(1, state.EpochsDone);
        Assert.Equal(20, state.StepsDone);
        using var resumed = new DaeSession(fixture.Backend, state.Options, MnistSample.Visible, train, test, state);
        Assert.NotNull(resumed.SampleSgd);
        var resumedReport = resumed.RunEpoch();

        Assert.Equal(2, resumed.EpochsDone);
        Assert.Equal(40, resumed.StepsDone);
        Assert.Equal(straightReport.TrainLoss, resumedReport.TrainLoss);
        Assert.Equal(straightReport.TestLoss, resumedReport.TestLoss);
        for (var i = 0; i < 3; i++)
            Assert.Equal(Bits(straight.Model.Parameters[i].Tensor), Bits(resumed.Model.Parameters[i].Tensor));
        Assert.NotEqual(initial, Bits(straight.Model.Weights));
    }

    private static int[] Bits(Tensor<float> tensor) => tensor.ToArray().Select(BitConverter.SingleToInt32Bits).ToArray();
}

/// <summary>
/// The host provider with <see cref="SampleSgdReference.TiedDae"/> as its SampleSgd family: each call downloads the
/// parameters, runs its slice of the order in double and stores the parameters and the slice's losses back as float.
/// </summary>
internal sealed class ReferenceSampleSgdBackend(IBackend inner) : IBackend, ISampleSgd
{
    /// <summary>How many times <see cref="TiedDae"/> ran.</summary>
    public int Calls { get; private set; }

    public string Name => $"{inner.Name} with the reference SampleSgd";
    public long AllocatedBytes => inner.AllocatedBytes;
    public Tensor<T> Allocate<T>(params int[] shape) where T : unmanaged => inner.Allocate<T>(shape);
    public void Synchronize() => inner.Synchronize();
    public IGemm Gemm => inner.Gemm;
    public IDelta Delta => inner.Delta;
    public ISoftmax Softmax => inner.Softmax;
    public ICorruption Corruption => inner.Corruption;
    public IOptimizer Optimizer => inner.Optimizer;
    public INonFinite NonFinite => inner.NonFinite;
    public ISvm Svm => inner.Svm;
    public IParzen Parzen => inner.Parzen;
    public IGenetic Genetic => inner.Genetic;
    public IConv2d Conv2d => inner.Conv2d;
    public IPooling Pooling => inner.Pooling;
    public IDropout Dropout => inner.Dropout;
    public ISampleSgd SampleSgd => this;

    public void TiedDae(TiedDaeParameters model, Tensor<float> data, Tensor<int> indices, NoiseKey noise, float corruption, LossKind loss,
        float learningRate, Tensor<float> losses)
    {
        Calls++;
        inner.Synchronize();
        var (w, bh, bv) = (Closeness.ToDouble(model.Weights.ToArray()), Closeness.ToDouble(model.HiddenBias.ToArray()), Closeness.ToDouble(model.VisibleBias.ToArray()));
        var results = new double[indices.Length];
        SampleSgdReference.TiedDae(data.RowLength, bh.Length, w, bh, bv, Closeness.ToDouble(data.ToArray()), indices.ToArray(), noise, corruption, loss,
            learningRate, results);
        model.Weights.CopyFrom(Array.ConvertAll(w, v => (float)v));
        model.HiddenBias.CopyFrom(Array.ConvertAll(bh, v => (float)v));
        model.VisibleBias.CopyFrom(Array.ConvertAll(bv, v => (float)v));
        losses.CopyFrom(Array.ConvertAll(results, v => (float)v));
    }

    public void TiedDaeHogwild(TiedDaeParameters model, Tensor<float> data, Tensor<int> indices, NoiseKey noise, float corruption, LossKind loss,
        float learningRate, int workers, Tensor<float> losses) => throw new NotSupportedException("the chunk tests run sequential SGD only");

    public bool TakesClassifier(IReadOnlyList<DenseParameters> layers) => false;

    public void Classifier(IReadOnlyList<DenseParameters> layers, int firstTrained, Tensor<float> data, Tensor<int> indices, Tensor<int> labels,
        NoiseKey noise, float corruption, float learningRate, Tensor<float> losses) => throw new NotSupportedException("the chunk tests train a DAE only");

    /// <summary>The host fixture owns the wrapped backend.</summary>
    public void Dispose()
    {
    }
}
