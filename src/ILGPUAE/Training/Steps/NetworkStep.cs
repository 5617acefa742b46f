namespace ILGPUAE.Training;

using ILGPUAE.Modules;
using ILGPUAE.Optimizers;

/// <summary>
/// The generic step, for any model: <see cref="Network.ForwardBackward"/> (gather, corrupt, forward, objective, backward into
/// every trained parameter's gradient), then the <see cref="Optimizer"/>'s rule on each (clipping, weight decay and the
/// update, with named state). Any network built from modules runs on it; the fused steps are tested to end at its weights.
/// </summary>
public sealed class NetworkStep : ITrainingStep
{
    private readonly string[] groups;
    private float learningRate;

    /// <param name="learningRate">The rate <paramref name="optimizer"/> was configured with: a later batch at another rate (a
    /// schedule's) sets every group to it.</param>
    public NetworkStep(Network network, Optimizer optimizer, float learningRate)
    {
        Network = network;
        Optimizer = optimizer;
        this.learningRate = learningRate;
        groups = [.. network.TrainedParameters.Select(p => p.Group).Distinct()];
    }

    public Network Network { get; }
    public Optimizer Optimizer { get; }
    Optimizer? ITrainingStep.Optimizer => Optimizer;
    public int Chunk => 0;
    public int Workers => 1;

    public void Run(int worker, in TrainingBatch batch)
    {
        if (batch.LearningRate != learningRate)
        {
            learningRate = batch.LearningRate;
            foreach (var group in groups)
                Optimizer.SetLearningRate(group, learningRate);
        }
        Network.ForwardBackward(batch.Data, batch.Context, batch.Losses, batch.Labels);
        Optimizer.Step();
    }

    public void Dispose()
    {
        Optimizer.Dispose();
        Network.Dispose();
    }
}
