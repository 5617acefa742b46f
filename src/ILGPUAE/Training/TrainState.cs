namespace ILGPUAE.Training;

using ILGPUAE.Backend;
using ILGPUAE.Checkpoints;
using ILGPUAE.IO;
using ILGPUAE.Models;

/// <summary>
/// A checkpointed run read back from disk: the parameters (model.safetensors) and what exact
/// continuation needs (train_state.safetensors): momentum buffers, epochs and steps done. The random
/// streams are keyed by (seed, epoch, example), so the epoch count is the whole generator state.
/// </summary>
public sealed class TrainState
{
    private readonly string modelPath, statePath;
    private readonly SafeTensorsFile model, state;

    private TrainState(string modelPath, SafeTensorsFile model, string statePath, SafeTensorsFile state, DaeOptions options, int epochsDone, long stepsDone,
        int position, float[] partialLosses)
    {
        Position = position;
        PartialLosses = partialLosses;
        this.modelPath = modelPath;
        this.model = model;
        this.statePath = statePath;
        this.state = state;
        Options = options;
        EpochsDone = epochsDone;
        StepsDone = stepsDone;
    }

    public DaeOptions Options { get; }
    public int EpochsDone { get; }
    public long StepsDone { get; }

    /// <summary>Examples of the next epoch done when the checkpoint was written mid-epoch (0 at an epoch's end), and their losses.</summary>
    public int Position { get; }
    public float[] PartialLosses { get; }

    public static TrainState Load(string directory)
    {
        var modelPath = Path.Combine(directory, DaeCheckpoint.ModelFileName);
        var statePath = Path.Combine(directory, DaeCheckpoint.StateFileName);
        foreach (var path in new[] { modelPath, statePath })
            if (!File.Exists(path))
                throw InputException.AboutSetting("resume", $"resume {directory}: {path} does not exist; expected a directory written by `train dae`");
        var (options, model) = DaeCheckpoint.ReadModel(modelPath);
        var state = SafeTensorsFile.Read(statePath);
        var epochs = DaeCheckpoint.ReadInt32(statePath, state, DaeCheckpoint.EpochsKey);
        var modelEpochs = DaeCheckpoint.ReadInt32(modelPath, model, DaeCheckpoint.EpochsKey);
        if (epochs != modelEpochs)
            throw new InputException($"{statePath}: epochs {epochs} does not match {modelPath}'s {modelEpochs}; expected files saved together");
        var steps = DaeCheckpoint.ReadInt(statePath, state, DaeCheckpoint.StepsKey);
        var (position, losses) = DaeCheckpoint.ReadPosition(statePath, state, options.Batch);
        return new TrainState(modelPath, model, statePath, state, options, epochs, steps, position, losses);
    }

    public TiedAutoencoder CreateModel(IBackend backend, int visible, int hidden, Activation hiddenActivation) =>
        DaeCheckpoint.ModelFrom(modelPath, model, backend, visible, hidden, hiddenActivation);

    /// <summary>Copies the saved state of the run's optimizer (when its step is not SGD's fused path) into <paramref name="optimizer"/>.</summary>
    public void RestoreOptimizer(Optimizers.Optimizer optimizer) => OptimizerCheckpoint.Restore(statePath, state, optimizer);

    /// <summary>Copies the saved momentum buffers into <paramref name="velocities"/> (null entries: momentum 0).</summary>
    public void RestoreVelocities(IReadOnlyList<Tensor<float>?> velocities)
    {
        string[] names = [TiedAutoencoder.WeightName, TiedAutoencoder.HiddenBiasName, TiedAutoencoder.VisibleBiasName];
        for (var i = 0; i < names.Length; i++)
            velocities[i]?.CopyFrom(DaeCheckpoint.Tensor(statePath, state, DaeCheckpoint.VelocityPrefix + names[i], [.. velocities[i]!.Shape.Dimensions]));
    }
}
