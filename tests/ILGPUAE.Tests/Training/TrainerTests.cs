namespace ILGPUAE.Tests.Training;

using ILGPUAE.Backend;
using ILGPUAE.Checkpoints;
using ILGPUAE.Models;
using ILGPUAE.Modules;
using ILGPUAE.Optimizers;
using ILGPUAE.Random;
using ILGPUAE.Tests.Host;
using ILGPUAE.Tests.Kernels;
using ILGPUAE.Tests.Modules;
using ILGPUAE.Training;
using ILGPUAE.Training.Stacked;

/// <summary>
/// The one <see cref="Trainer"/>: a model that has no code of its own (an untied autoencoder with a ReLU code under Gaussian
/// noise, specified as modules and an objective) trains on it with Adam and clipping, and resumes from a generic checkpoint
/// bit for bit; and each fused path that a policy may pick for today's models ends, through the same trainer, at the weights
/// of the generic step (modules + PyTorch's SGD) after whole epochs.
/// </summary>
public abstract class TrainerTests(IBackend backend) : IDisposable
{
    private const int Rows = 45, Features = 23, Code = 9;
    private readonly string dir = Directory.CreateTempSubdirectory("ilgpuae-trainer-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static NetworkSpec UntiedAutoencoder() => new(
        [
            new CorruptSpec(Features, CorruptionKind.Gaussian, 0.2f),
            new DenseSpec(Features, Code, Activation.Relu, "encoder.W", "encoder.b"),
            new DenseSpec(Code, Features, Activation.Sigmoid, "decoder.W", "decoder.b"),
        ],
        new ReconstructionSpec(LossKind.CrossEntropy));

    private static readonly OptimizerOptions Adam = OptimizerOptions.Defaults(OptimizerKind.Adam) with { LearningRate = 0.01f, MaxGradNorm = 1f };

    /// <summary>A new network on the trainer: initialised from the seed, <paramref name="epochs"/> epochs, batches of 7 (the last one short).</summary>
    private sealed class Run : IDisposable
    {
        public Run(IBackend backend, float[] pixels)
        {
            Network = UntiedAutoencoder().Build(backend, 7);
            Network.Initialize(seed: 3);
            Optimizer = new Optimizer(backend, Network.TrainedParameters, Adam);
            Step = new NetworkStep(Network, Optimizer, Adam.LearningRate);
            Trainer = new Trainer(backend, Step, new TrainerSettings(Seed: 3, Batch: 7, Adam.LearningRate), pixels, Rows);
        }

        public Network Network { get; }
        public Optimizer Optimizer { get; }
        public NetworkStep Step { get; }
        public Trainer Trainer { get; }

        public float[][] Values() => [.. Network.Body.Parameters.Select(p => p.Value.ToArray())];

        public void Dispose()
        {
            Trainer.Dispose();
            Step.Dispose();
        }
    }

    [Fact]
    public void AModelOfModulesTrainsOnTheTrainerAndResumesBitForBit()
    {
        var pixels = Synthetic.Pixels(Rows, Features, seed: 17);
        float[][] uninterrupted;
        var losses = new List<double>();
        using (var run = new Run(backend, pixels))
        {
            for (var e = 0; e < 4; e++)
                losses.Add(run.Trainer.RunEpoch().TrainLoss);
            uninterrupted = run.Values();
            Assert.Equal(4, run.Trainer.EpochsDone);
            Assert.Equal(4 * 7, run.Trainer.StepsDone);
            Assert.Equal(4 * 7, run.Optimizer.StepCounts["encoder.W.step"]);
        }
        Assert.True(losses[^1] < 0.97 * losses[0], $"the loss went {string.Join(" → ", losses)}");

        var path = Path.Combine(dir, "model.safetensors");
        using (var first = new Run(backend, pixels))
        {
            first.Trainer.RunEpoch();
            first.Trainer.RunEpoch();
            Checkpoint.SaveTraining(path, first.Network, first.Trainer, first.Optimizer);
        }
        using var resumed = new Run(backend, pixels);
        Checkpoint.RestoreTraining(path, resumed.Network, resumed.Trainer, resumed.Optimizer);
        Assert.Equal(2, resumed.Trainer.EpochsDone);
        resumed.Trainer.RunEpoch();
        resumed.Trainer.RunEpoch();
        var values = resumed.Values();
        for (var i = 0; i < values.Length; i++)
            Assert.Equal(uninterrupted[i], values[i]);

        // The file alone rebuilds the model: the architecture is in it.
        using var rebuilt = Checkpoint.Load(path, backend, 1);
        Assert.Equal(UntiedAutoencoder().ToJson(), rebuilt.Spec!.ToJson());
    }

    [Fact]
    public void NetworkInitialisationIsTheModelsOwn()
    {
        using var dae = TiedAutoencoder.Create(backend, Features, Code, seed: 5);
        using var tied = Networks.TiedDae(Features, Code, 0.1f, LossKind.CrossEntropy).Build(backend, 1);
        tied.Initialize(seed: 5);
        foreach (var (name, tensor) in dae.Parameters)
            Assert.Equal(tensor.ToArray(), tied.Body.Parameters.Single(p => p.Name == name).Value.ToArray());

        var architecture = new ClassifierArchitecture(Features, [Code, 6], [5], 4);
        using var classifier = FeedForwardClassifier.Create(backend, architecture, seed: 6);
        using var network = Networks.Classifier(architecture).Build(backend, 1);
        network.Initialize(seed: 6);
        foreach (var (name, tensor) in classifier.Parameters)
            Assert.Equal(tensor.ToArray(), network.Body.Parameters.Single(p => p.Name == name).Value.ToArray());
    }

    /// <summary>
    /// A tied DAE session (whose step the policy picks) and the generic step over the same architecture and initial weights,
    /// with PyTorch's SGD, both on the trainer for two epochs of the same order and masks. They sum in other orders (the tied ∂W
    /// is one product over stacked rows on the fused path), so the bar is float rounding over 2·⌈45/batch⌉ steps:
    /// |fused − generic| ≤ 1e-4·max|generic| + 1e-4·|generic|.
    /// </summary>
    [Theory]
    [InlineData(5, 0f)]
    [InlineData(5, 0.9f)]
    [InlineData(1, 0f)]
    public void EveryDaePathEndsAtTheGenericStepsWeights(int batch, float momentum)
    {
        var pixels = Synthetic.Pixels(Rows, Features, seed: 18);
        var options = new DaeOptions { Hidden = Code, Batch = batch, Momentum = momentum, LearningRate = 0.2f, Corruption = 0.25f, Seed = 4 };
        using var session = new DaeSession(backend, options, Features, pixels, pixels);
        Assert.NotEqual(StepPath.GradientsThenOptimizer, session.Path);
        var spec = Networks.TiedDae(Features, Code, options.Corruption, options.Loss);
        using var network = spec.Build(backend, batch);
        network.Initialize(options.Seed);
        var sgd = new OptimizerOptions { Kind = OptimizerKind.Sgd, LearningRate = options.LearningRate, Momentum = momentum };
        using var step = new NetworkStep(network, new Optimizer(backend, network.TrainedParameters, sgd), sgd.LearningRate);
        using var generic = new Trainer(backend, step, new TrainerSettings(options.Seed, batch, options.LearningRate), pixels, Rows);
        var initial = session.Model.Parameters.Select(p => p.Tensor.ToArray()).ToArray();
        for (var e = 0; e < 2; e++)
        {
            var fused = session.RunEpoch();
            var reference = generic.RunEpoch();
            Assert.Equal(reference.TrainLoss, fused.TrainLoss, 1e-3 * reference.TrainLoss);
        }
        Assert.Equal(generic.StepsDone, session.StepsDone);
        AssertSameWeights(initial, session.Model.Parameters, network);
    }

    /// <summary>The classifier's fused paths (SGD in its pass, with and without momentum; the SampleSgd kernels where the backend has them) against the generic step.</summary>
    [Theory]
    [InlineData(4, 0f, 0)]
    [InlineData(4, 0.9f, 1)]
    [InlineData(1, 0f, 0)]
    public void EveryClassifierPathEndsAtTheGenericStepsWeights(int batch, float momentum, int frozenLayers)
    {
        var architecture = new ClassifierArchitecture(Features, [Code, 6], [], 4);
        var pixels = Synthetic.Pixels(Rows, Features, seed: 19);
        var labels = Enumerable.Range(0, Rows).Select(i => (byte)((7 * i + 2) % architecture.Classes)).ToArray();
        var data = new ILGPUAE.Data.Dataset("synthetic", Rows, 1, Features, pixels, labels);
        var options = new FinetuneOptions { Batch = batch, Momentum = momentum, LearningRate = 0.3f, Corruption = 0.2f, Seed = 8, Mlp = [] };
        using var model = FeedForwardClassifier.Create(backend, architecture, options.Seed);
        // A classifier's softmax top starts at zero; nudge it so that every layer's gradient is non-trivial from the first step.
        var top = model.Layers[^1].Weights;
        top.CopyFrom(Synthetic.Uniform(top.Length, 0.3, seed: 20, tag: 0));
        using var session = new ClassifierSession(model, options, data, frozenLayers);
        Assert.NotEqual(StepPath.GradientsThenOptimizer, session.Path);
        using var network = Networks.Classifier(architecture, options.Corruption, frozenLayers).Build(backend, batch);
        var byName = network.Body.Parameters.ToDictionary(p => p.Name);
        foreach (var (name, tensor) in model.Parameters)
            byName[name].Value.CopyFrom(tensor.ToArray());
        var sgd = new OptimizerOptions { Kind = OptimizerKind.Sgd, LearningRate = options.LearningRate, Momentum = momentum };
        using var step = new NetworkStep(network, new Optimizer(backend, network.TrainedParameters, sgd), sgd.LearningRate);
        using var generic = new Trainer(backend, step, new TrainerSettings(options.Seed, batch, options.LearningRate), pixels, Rows,
            Array.ConvertAll(labels, l => (int)l));
        var initial = model.Parameters.Select(p => p.Tensor.ToArray()).ToArray();
        for (var e = 0; e < 2; e++)
        {
            var fused = session.RunEpoch();
            var reference = generic.RunEpoch();
            Assert.Equal(reference.TrainLoss, fused.TrainLoss, 1e-3 * reference.TrainLoss);
        }
        AssertSameWeights(initial, [.. model.Parameters], network, frozen: 2 * frozenLayers);
    }

    private static void AssertSameWeights(float[][] initial, IReadOnlyList<(string Name, Tensor<float> Tensor)> fused, Network generic, int frozen = 0) =>
        FastPathEquivalenceTests.AssertSame(initial, fused, generic, frozen, tolerance: 1e-4);
}

[Collection(HostCollection.Name)]
public sealed class HostTrainerTests(HostFixture fixture) : TrainerTests(fixture.Backend);

[Collection(CpuAcceleratorCollection.Name)]
public sealed class CpuAcceleratorTrainerTests(CpuAcceleratorFixture fixture) : TrainerTests(fixture.Backend);
