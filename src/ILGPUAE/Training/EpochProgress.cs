namespace ILGPUAE.Training;

using System.Diagnostics;

/// <summary>
/// One epoch's running loss for progress reports: the steps write per-example losses on the device
/// (<see cref="EpochLosses"/>, in visiting order); at most every <see cref="Interval"/> the examples done
/// so far are read back, summed and reported, and <see cref="Finish"/> sums the rest.
/// </summary>
public sealed class EpochProgress(EpochLosses losses, int epoch, long epochStartStep, int batch, int total, Stopwatch clock,
    Action<StepProgress>? progress)
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);

    private TimeSpan lastReport;
    private int read;
    private double sum;

    /// <summary>The first <paramref name="processed"/> examples of the epoch are done: reports them if the interval has passed.</summary>
    public void Done(int processed)
    {
        if (progress is null || clock.Elapsed - lastReport < Interval)
            return;
        lastReport = clock.Elapsed;
        sum += losses.Sum(read, processed, epoch, epochStartStep, batch);
        read = processed;
        progress(new StepProgress(epoch + 1, read, total, sum / read, read / clock.Elapsed.TotalSeconds));
    }

    /// <summary>The epoch's summed loss; throws <see cref="TrainingDivergedException"/> at the first non-finite one.</summary>
    public double Finish() => sum + losses.Sum(read, total, epoch, epochStartStep, batch);
}
