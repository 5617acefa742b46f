namespace ILGPUAE.Training;

using ILGPUAE.Backend;
using ILGPUAE.Models;
using ILGPUAE.Optimizers;
using ILGPUAE.Random;

/// <summary>
/// The classifier's SGD in its own pass (<see cref="StepPath.FusedSgd"/>: the update written inside the ∂W products;
/// <see cref="StepPath.GradientsThenSgd"/>: the pass's gradients, then PyTorch's momentum SGD with a velocity per trained parameter).
/// </summary>
public sealed class FusedClassifierStep : ITrainingStep
{
    private readonly ClassifierPass pass;
    private readonly IBackend backend;
    private readonly float corruption, momentum;
    private readonly Tensor<float>?[] velocities;

    public FusedClassifierStep(ClassifierPass pass, IBackend backend, float corruption, float momentum)
    {
        this.pass = pass;
        this.backend = backend;
        this.corruption = corruption;
        this.momentum = momentum;
        velocities = [.. pass.Trained.Select(p => momentum == 0 ? null : backend.Allocate<float>([.. p.Parameter.Shape.Dimensions]))];
    }

    /// <summary>Momentum buffers in the order of the pass's trained parameters; entries are null at momentum 0.</summary>
    public IReadOnlyList<Tensor<float>?> Velocities => velocities;

    public int Chunk => 0;
    public int Workers => 1;
    public Optimizer? Optimizer => null;

    public void Run(int worker, in TrainingBatch batch)
    {
        var noise = new NoiseKey(batch.Context.Seed, RngStream.FinetuneMask, batch.Context.Epoch);
        var labels = batch.Labels ?? throw new ArgumentException("a classifier's batch needs labels", nameof(batch));
        if (momentum == 0)
        {
            pass.ForwardBackwardSgd(batch.Data, batch.Context.Indices, labels, batch.Losses, batch.LearningRate, noise, corruption);
            return;
        }
        pass.ForwardBackward(batch.Data, batch.Context.Indices, labels, batch.Losses, noise, corruption);
        for (var i = 0; i < velocities.Length; i++)
            backend.Optimizer.Sgd(pass.Trained[i].Parameter, pass.Trained[i].Gradient, velocities[i], batch.LearningRate, momentum);
    }

    public void Dispose()
    {
        foreach (var v in velocities)
            v?.Dispose();
    }
}

/// <summary>
/// Per-sample SGD of a classifier in the backend's persistent <see cref="ISampleSgd"/> kernels (<see cref="StepPath.SampleSgdKernel"/>):
/// <see cref="SampleSgdTiedDaeStep.ChunkSize"/> examples per launch, one step each, the layers below <paramref name="firstTrained"/> frozen.
/// </summary>
public sealed class SampleSgdClassifierStep(ISampleSgd sampleSgd, IReadOnlyList<DenseParameters> layers, int firstTrained, float corruption) : ITrainingStep
{
    public int Chunk => SampleSgdTiedDaeStep.ChunkSize;
    public int Workers => 1;
    public Optimizer? Optimizer => null;

    public void Run(int worker, in TrainingBatch batch) =>
        sampleSgd.Classifier(layers, firstTrained, batch.Data, batch.Context.Indices,
            batch.Labels ?? throw new ArgumentException("a classifier's batch needs labels", nameof(batch)),
            new NoiseKey(batch.Context.Seed, RngStream.FinetuneMask, batch.Context.Epoch), corruption, batch.LearningRate, batch.Losses);

    public void Dispose()
    {
    }
}
