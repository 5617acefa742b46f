namespace ILGPUAE.Training;

using ILGPUAE.Backend;
using ILGPUAE.Checkpoints;
using ILGPUAE.Data;
using ILGPUAE.Evaluation;
using ILGPUAE.IO;

/// <summary>
/// The epoch loop's commit points of one <see cref="Trainer"/> (`train cae`, each phase of `train deep`): model and state mid-epoch
/// (checkpoint_every, a stop request), model, state and metrics.json at an epoch's end, each one commit; and where the last good
/// checkpoint stands when the run diverges.
/// </summary>
/// <param name="stage">Stages the model and the state files as they are now.</param>
internal sealed class EpochCommits(string outDir, Trainer trainer, Action<CheckpointCommit> stage)
{
    // The step of the last checkpoint when it was written inside the epoch (or the one a resumed run started from).
    private long? midEpochStep = trainer.Position > 0 ? trainer.StepsDone : null;
    private int epochsBefore = trainer.EpochsDone;

    /// <summary>Runs the trainer's next epoch with mid-epoch checkpoints; null when it stopped on request (nothing committed yet).</summary>
    public TrainerEpoch? RunEpoch(ITrainingObserver observer, RunControl control)
    {
        epochsBefore = trainer.EpochsDone;
        return trainer.RunEpochOrStop(observer.Progress, control, MidEpoch);
    }

    /// <summary>
    /// <see cref="RunEpoch"/> for a run with no recovery of its own (`train cae`, `train sparse`, `train anamo`): a divergence is thrown
    /// again naming the last good checkpoint, and a stop request commits the current step and throws <see cref="Stopped"/>.
    /// </summary>
    public TrainerEpoch RunEpochOrThrow(ITrainingObserver observer, RunControl control, string? where = null)
    {
        TrainerEpoch? done;
        try
        {
            done = RunEpoch(observer, control);
        }
        catch (TrainingDivergedException e)
        {
            throw WithLastCheckpoint(e);
        }
        if (done is not { } epoch)
        {
            MidEpoch();
            throw Stopped(where);
        }
        return epoch;
    }

    /// <summary>Commits model and state of the current step; metrics.json is unchanged mid-epoch.</summary>
    public void MidEpoch()
    {
        var commit = new CheckpointCommit(outDir);
        stage(commit);
        commit.Commit();
        midEpochStep = trainer.StepsDone;
    }

    /// <summary>Commits model, state and <paramref name="metrics"/> (metrics.json, metrics.csv) of the epoch just done.</summary>
    public void EpochDone<TMetrics>(TMetrics metrics) where TMetrics : notnull
    {
        var commit = new CheckpointCommit(outDir);
        stage(commit);
        MetricsFile.Stage(commit, outDir, metrics);
        commit.Commit();
        midEpochStep = null;
    }

    /// <summary><paramref name="e"/>, raised in the epoch <see cref="RunEpoch"/> last started, naming the last good checkpoint.</summary>
    public TrainingDivergedException WithLastCheckpoint(TrainingDivergedException e, string? part = null, string? alsoKept = null) =>
        e.WithLastCheckpoint(epochsBefore, outDir, part, alsoKept, midEpochStep);

    /// <summary>A stop where the trainer stands now, its checkpoint committed (<paramref name="where"/>: e.g. "layer 2, ").</summary>
    public RunInterruptedException Stopped(string? where = null) => new(RunInterruptedException.At(trainer, where), outDir);
}

/// <summary>
/// The images an epoch is scored on, on the device: the first <see cref="TrainScoredMax"/> training images, the validation and the
/// test set.
/// </summary>
internal sealed class ScoringSets : IDisposable
{
    /// <summary>The training examples scored each epoch (the first ones; all of them when there are fewer).</summary>
    public const int TrainScoredMax = 10000;

    private ScoringSets(Tensor<float> train, Tensor<float> valid, Tensor<float> test, int trainScored)
    {
        (Train, Valid, Test, TrainScored) = (train, valid, test, trainScored);
        Scored = train.Slice(0, trainScored);
    }

    /// <summary>Every training image (a later phase encodes them all).</summary>
    public Tensor<float> Train { get; }
    public Tensor<float> Scored { get; }
    public Tensor<float> Valid { get; }
    public Tensor<float> Test { get; }
    public int TrainScored { get; }

    public static ScoringSets Upload(IBackend backend, Dataset train, Dataset valid, Dataset test) =>
        new(Upload(backend, train), Upload(backend, valid), Upload(backend, test), Math.Min(train.Count, TrainScoredMax));

    /// <summary>
    /// Mean reconstruction loss of <paramref name="evaluator"/>'s network on each set; a non-finite one comes back as the divergence
    /// it is, at <paramref name="trainer"/>'s epoch and step.
    /// </summary>
    public (double Train, double Valid, double Test, TrainingDivergedException? Diverged) Score(NetworkEvaluator evaluator, Trainer trainer)
    {
        var train = evaluator.MeanReconstructionLoss(Scored);
        var valid = evaluator.MeanReconstructionLoss(Valid);
        var test = evaluator.MeanReconstructionLoss(Test);
        var diverged = new[] { (train, "training reconstruction"), (valid, "validation loss"), (test, "test loss") }
            .FirstOrDefault(l => !double.IsFinite(l.Item1)) is (var bad, { } what)
            ? new TrainingDivergedException(trainer.EpochsDone, trainer.StepsDone, bad, quantity: what)
            : null;
        return (train, valid, test, diverged);
    }

    public void Dispose()
    {
        Scored.Dispose();
        Test.Dispose();
        Valid.Dispose();
        Train.Dispose();
    }

    private static Tensor<float> Upload(IBackend backend, Dataset data)
    {
        var tensor = backend.Allocate<float>(data.Count, data.Features);
        tensor.CopyFrom(data.Pixels);
        return tensor;
    }
}
