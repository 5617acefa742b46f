namespace ILGPUAE.Training;

/// <summary>A plain observer for programs that use the engine as a library: notes and one line per finished epoch.</summary>
public sealed class TextTrainingObserver(TextWriter writer) : ITrainingObserver
{
    /// <summary>Writes to the console's standard output.</summary>
    public static TextTrainingObserver Console { get; } = new(System.Console.Out);

    public void Note(string message) => writer.WriteLine(message);

    public void Started(string accelerator, DaeOptions options, int trainExamples, int testExamples, int firstEpoch) =>
        writer.WriteLine($"{accelerator}: {trainExamples} train / {testExamples} test examples, from epoch {firstEpoch} of {options.Epochs}");

    public void Progress(StepProgress progress)
    {
    }

    public void EpochDone(EpochReport report) =>
        writer.WriteLine($"epoch {report.Epoch}: train loss {report.TrainLoss:F4}, test loss {report.TestLoss:F4}, {report.Seconds:F1} s");
}
