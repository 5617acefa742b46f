namespace ILGPUAE.Training;

using ILGPUAE.Backend;
using ILGPUAE.Modules;
using ILGPUAE.Optimizers;

/// <summary>
/// The generic step, for any model: <see cref="Network.ForwardBackward"/> (gather, corrupt, forward, objective, backward into
/// every trained parameter's gradient), then the <see cref="Optimizer"/>'s rule on each (clipping, weight decay and the
/// update, with named state). Any network built from modules runs on it; the fused steps are tested to end at its weights.
/// With <see cref="NanPolicy.SkipBatch"/> it scans the batch's losses and every gradient (<see cref="INonFinite"/>) between
/// the two and leaves a batch with a non-finite one unapplied: parameters, optimizer state and step counts stay as they
/// were. That decision reads one int from the device per step; only this policy pays it.
/// </summary>
public sealed class NetworkStep : ITrainingStep
{
    private readonly string[] groups;
    private readonly Tensor<int>? flag;
    private readonly int[] host = new int[1];
    private readonly float[] zeros;
    private float learningRate;

    /// <param name="learningRate">The rate <paramref name="optimizer"/> was configured with: a later batch at another rate (a
    /// schedule's) sets every group to it.</param>
    /// <param name="onNan">SkipBatch checks each batch before its update; Stop leaves the check to the trainer's guard.</param>
    public NetworkStep(Network network, Optimizer optimizer, float learningRate, NanPolicy onNan = NanPolicy.Stop)
    {
        Network = network;
        Optimizer = optimizer;
        this.learningRate = learningRate;
        groups = [.. network.TrainedParameters.Select(p => p.Group).Distinct()];
        if (onNan == NanPolicy.SkipBatch)
            flag = network.Backend.Allocate<int>(1);
        zeros = new float[onNan == NanPolicy.SkipBatch ? network.MaxBatch : 0];
    }

    /// <summary>Batches left unapplied for a non-finite loss or gradient, over this step's life.</summary>
    public long SkippedBatches { get; private set; }

    /// <summary>The examples of those batches.</summary>
    public long SkippedExamples { get; private set; }

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
        if (flag is not null && !Finite(batch.Losses))
        {
            // The trainer sums what the steps left in the losses: a skipped batch's count for nothing there.
            batch.Losses.CopyFrom(zeros.AsSpan(0, batch.Losses.Length));
            SkippedBatches++;
            SkippedExamples += batch.Losses.Length;
            return;
        }
        Optimizer.Step();
    }

    /// <summary>Whether the batch's losses and every gradient written for it are finite; leaves the flag clear.</summary>
    private bool Finite(Tensor<float> losses)
    {
        var scan = Network.Backend.NonFinite;
        scan.Flag(losses, 1, flag!);
        foreach (var p in Network.TrainedParameters)
            if (p.HasGradient)
                scan.Flag(p.Grad, 1, flag!);
        Network.Backend.Synchronize();
        flag!.CopyTo(host);
        if (host[0] == 0)
            return true;
        host[0] = 0;
        flag.CopyFrom(host);
        return false;
    }

    public void Dispose()
    {
        flag?.Dispose();
        Optimizer.Dispose();
        Network.Dispose();
    }
}
