namespace ILGPUAE.Training;

using ILGPUAE.Training.Stacked;

/// <summary>A plain observer for programs that use the engine as a library: notes and one line per finished epoch.</summary>
public sealed class TextTrainingObserver(TextWriter writer) : ITrainingObserver
{
    /// <summary>Writes to the console's standard output.</summary>
    public static TextTrainingObserver Console { get; } = new(System.Console.Out);

    public void Note(string message) => writer.WriteLine(message);

    public void Started(RunStart start) =>
        writer.WriteLine($"{start.Accelerator}: {start.Summary}; from epoch {start.FirstEpoch} of {start.Epochs}");

    public void Progress(StepProgress progress)
    {
    }

    public void EpochDone(EpochResult epoch)
    {
        writer.WriteLine($"epoch {epoch.Epoch}: train loss {epoch.TrainLoss:F4}, " + epoch switch
        {
            EpochReport r => $"test loss {r.TestLoss:F4}, ",
            FinetuneEpochReport r => $"validation error {100 * r.ValidError:F2} %{(r.Best ? " (best)" : "")}, ",
            _ => "",
        } + $"{epoch.Seconds:F1} s");
        if (epoch.SkippedLine is { } skipped)
            writer.WriteLine(skipped);
    }
}
