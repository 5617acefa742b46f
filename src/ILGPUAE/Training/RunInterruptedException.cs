namespace ILGPUAE.Training;

/// <summary>
/// A run stopped on request (<see cref="RunControl.Stop"/>: a signal) after its checkpoint was committed: where it stopped, and
/// the directory a resumed run continues from.
/// </summary>
/// <param name="where">E.g. "epoch 3, step 412" or "layer 2, epoch 1, step 40": the epoch in progress (or just finished) and the steps done.</param>
/// <param name="directory">The run's directory: what a resumed run continues from.</param>
public sealed class RunInterruptedException(string where, string directory)
    : Exception($"stopped at {where}: checkpoint written to {directory}")
{
    public string Where { get; } = where;
    public string Directory { get; } = directory;

    /// <summary>Where <paramref name="trainer"/> stands: the epoch it is in (mid-epoch) or has just finished, and its steps.</summary>
    public static string At(Trainer trainer, string? prefix = null) =>
        $"{prefix}epoch {trainer.EpochsDone + (trainer.Position > 0 ? 1 : 0)}, step {trainer.StepsDone}";
}
