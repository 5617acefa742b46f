namespace ILGPUAE.Cli;

using ILGPUAE.Training;
using ILGPUAE.Training.Stacked;

/// <summary>
/// Every training verb's display: a live progress bar per epoch and one summary line when each epoch ends, with the score
/// the run reports (the test loss of a reconstruction run; the validation error, best mark, rate and patience of fine-tuning).
/// </summary>
public sealed class ConsoleTrainingObserver : ITrainingObserver
{
    private readonly ConsoleProgress console;
    private int epochs;

    private ConsoleTrainingObserver(ConsoleProgress console) => this.console = console;

    /// <summary>Runs <paramref name="work"/> under a progress display and returns its result.</summary>
    public static T Run<T>(Func<ITrainingObserver, T> work) => ConsoleProgress.Run(console => work(new ConsoleTrainingObserver(console)));

    public void Note(string message) => console.Line(message);

    public void Started(RunStart start)
    {
        epochs = start.Epochs;
        console.Line($"accelerator: {start.Accelerator}");
        console.Line(start.Summary);
        if (start.FirstEpoch > 1)
            console.Line($"resuming at epoch {start.FirstEpoch} of {epochs}");
    }

    public void Progress(StepProgress p)
    {
        // Hogwild reports no running loss (NaN): the workers' losses are only summed at the epoch's end.
        var loss = double.IsNaN(p.RunningLoss) ? "" : $" · loss {p.RunningLoss:F4}";
        console.Update($"epoch {p.Epoch}/{epochs} · {p.Processed}/{p.Total}{loss} · {p.SamplesPerSecond:F0} samples/s", p.Processed, p.Total);
    }

    public void EpochDone(EpochResult epoch)
    {
        console.Complete();
        console.Line(epoch switch
        {
            EpochReport r => $"epoch {r.Epoch}/{epochs}  train loss {r.TrainLoss:F4}  test loss {r.TestLoss:F4}  {r.Seconds:F1} s  {r.SamplesPerSecond:F0} samples/s",
            Training.Deep.DeepEpochReport r => $"{r.Phase} epoch {r.Epoch}/{epochs}  train loss {r.TrainLoss:F4}  input-space reconstruction: train {r.TrainReconstruction:F4}  " +
                $"validation {r.ValidLoss:F4}{(r.Best ? " (best)" : "")}  test {r.TestLoss:F4}  {r.Seconds:F1} s  {r.SamplesPerSecond:F0} samples/s",
            FinetuneEpochReport r => $"epoch {r.Epoch}/{epochs}  train loss {r.TrainLoss:F4}  validation error {100 * r.ValidError:F2} %{(r.Best ? " (best)" : "")}  " +
                $"lr {r.LearningRate:G4}  {r.Seconds:F1} s  {r.SamplesPerSecond:F0} samples/s" +
                (r.Patience == long.MaxValue ? "" : $"  patience {r.Patience} steps"),
            _ => $"epoch {epoch.Epoch}/{epochs}  train loss {epoch.TrainLoss:F4}  {epoch.Seconds:F1} s  {epoch.SamplesPerSecond:F0} samples/s",
        });
        if (epoch.SkippedLine is { } skipped)
            console.Line(skipped);
    }
}
