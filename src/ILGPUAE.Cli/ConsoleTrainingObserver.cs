namespace ILGPUAE.Cli;

using ILGPUAE.Training;
using Spectre.Console;

/// <summary>A live progress bar per epoch and one summary line when each epoch ends.</summary>
public sealed class ConsoleTrainingObserver : ITrainingObserver
{
    private readonly ProgressContext context;
    private ProgressTask? task;
    private int epochs;

    private ConsoleTrainingObserver(ProgressContext context) => this.context = context;

    /// <summary>Runs <paramref name="work"/> under a progress display and returns its result.</summary>
    public static T Run<T>(Func<ITrainingObserver, T> work) =>
        AnsiConsole.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx => work(new ConsoleTrainingObserver(ctx)));

    public void Note(string message) => AnsiConsole.WriteLine(message);

    public void Started(string accelerator, DaeOptions options, int trainExamples, int testExamples, int firstEpoch)
    {
        epochs = options.Epochs;
        AnsiConsole.WriteLine($"accelerator: {accelerator}");
        AnsiConsole.WriteLine($"data: {trainExamples} train / {testExamples} test; hidden {options.Hidden}, corruption {options.Corruption}, " +
            $"loss {options.Loss}, lr {options.LearningRate}, momentum {options.Momentum}, batch {options.Batch}, seed {options.Seed}");
        if (firstEpoch > 1)
            AnsiConsole.WriteLine($"resuming at epoch {firstEpoch} of {epochs}");
    }

    public void Progress(StepProgress p)
    {
        task ??= context.AddTask($"epoch {p.Epoch}/{epochs}", maxValue: p.Total);
        task.Value = p.Processed;
        task.Description = $"epoch {p.Epoch}/{epochs} · loss {p.RunningLoss:F4} · {p.SamplesPerSecond:F0} samples/s";
    }

    public void EpochDone(EpochReport r)
    {
        // One bar serves every epoch: the next epoch's first report sets it back.
        if (task is not null)
            task.Value = task.MaxValue;
        AnsiConsole.WriteLine($"epoch {r.Epoch}/{epochs}  train loss {r.TrainLoss:F4}  test loss {r.TestLoss:F4}  {r.Seconds:F1} s  {r.SamplesPerSecond:F0} samples/s");
    }
}
