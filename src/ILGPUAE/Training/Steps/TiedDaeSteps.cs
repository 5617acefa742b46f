namespace ILGPUAE.Training;

using ILGPUAE.Backend;
using ILGPUAE.Models;
using ILGPUAE.Optimizers;
using ILGPUAE.Random;

/// <summary>
/// The tied DAE's SGD written into its own launches (<see cref="StepPath.FusedSgd"/>: W ← W − lr·∂W inside the ∂W product;
/// <see cref="StepPath.GradientsThenSgd"/>: the stacked ∂W, then PyTorch's momentum SGD with a velocity per parameter).
/// With Hogwild on the host, one pass per worker, each on its own lane of the backend, all updating the same weights.
/// </summary>
public sealed class FusedTiedDaeStep : ITrainingStep
{
    private readonly TiedAutoencoder model;
    private readonly float corruption, momentum;
    private readonly LossKind loss;
    private readonly TiedAutoencoderPass[] passes;
    private readonly IBackend[] lanes;
    private readonly Tensor<float>?[] velocities;

    /// <param name="pass">The pass of a sequential run (worker 0); Hogwild workers get theirs from <paramref name="lanes"/>.</param>
    /// <param name="lanes">K ≥ 2 Hogwild lanes (disposed with this step), or none.</param>
    public FusedTiedDaeStep(TiedAutoencoder model, TiedAutoencoderPass pass, DaeOptions options, IReadOnlyList<IBackend> lanes)
    {
        this.model = model;
        corruption = options.Corruption;
        momentum = options.Momentum;
        loss = options.Loss;
        this.lanes = [.. lanes];
        passes = lanes.Count >= 2 ? [.. lanes.Select(lane => new TiedAutoencoderPass(model, pass.MaxBatch, lane))] : [pass];
        velocities = [.. model.Parameters.Select(p => momentum == 0 ? null : model.Backend.Allocate<float>([.. p.Tensor.Shape.Dimensions]))];
    }

    /// <summary>Momentum buffers in the model's parameter order; entries are null at momentum 0.</summary>
    public IReadOnlyList<Tensor<float>?> Velocities => velocities;

    public int Chunk => 0;
    public int Workers => lanes.Length >= 2 ? lanes.Length : 1;
    public Optimizer? Optimizer => null;

    public void Run(int worker, in TrainingBatch batch) =>
        passes[worker].SgdStep(batch.Data, batch.Context.Indices, new NoiseKey(batch.Context.Seed, RngStream.Mask, batch.Context.Epoch), corruption, loss,
            batch.Losses, batch.LearningRate, momentum, velocities);

    public void Dispose()
    {
        if (lanes.Length >= 2)
        {
            foreach (var p in passes)
                p.Dispose();
            foreach (var lane in lanes)
                lane.Dispose();
        }
        foreach (var v in velocities)
            v?.Dispose();
    }
}

/// <summary>
/// Per-sample SGD of a tied DAE in the backend's persistent <see cref="ISampleSgd"/> kernels (<see cref="StepPath.SampleSgdKernel"/>):
/// <see cref="Chunk"/> examples per launch, one step each; with K ≥ 2 Hogwild kernel workers in flight within a launch.
/// </summary>
public sealed class SampleSgdTiedDaeStep(ISampleSgd sampleSgd, TiedAutoencoder model, DaeOptions options, int hogwildWorkers) : ITrainingStep
{
    /// <summary>Examples per launch: small enough for a few progress reports a second.</summary>
    public const int ChunkSize = 2048;

    private readonly TiedDaeParameters parameters = new(model.Weights, model.HiddenBias, model.VisibleBias);

    public int Chunk => ChunkSize;
    public int Workers => 1;
    public Optimizer? Optimizer => null;

    /// <summary>K ≥ 2 Hogwild workers of the kernel, or 0 for sequential steps.</summary>
    public int HogwildWorkers => hogwildWorkers;

    public void Run(int worker, in TrainingBatch batch)
    {
        var noise = new NoiseKey(batch.Context.Seed, RngStream.Mask, batch.Context.Epoch);
        if (hogwildWorkers >= 2)
            sampleSgd.TiedDaeHogwild(parameters, batch.Data, batch.Context.Indices, noise, options.Corruption, options.Loss, batch.LearningRate,
                hogwildWorkers, batch.Losses);
        else
            sampleSgd.TiedDae(parameters, batch.Data, batch.Context.Indices, noise, options.Corruption, options.Loss, batch.LearningRate, batch.Losses);
    }

    public void Dispose()
    {
    }
}
