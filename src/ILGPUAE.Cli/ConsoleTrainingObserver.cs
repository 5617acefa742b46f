namespace ILGPUAE.Cli;

using ILGPUAE.Training;
using Spectre.Console;

/// <summary>
/// A live progress bar per epoch and one summary line when each epoch ends. When the output is not a
/// terminal (a log, CI) the bar is replaced by a progress line every <see cref="LogInterval"/>.
/// </summary>
public sealed class ConsoleTrainingObserver : ITrainingObserver
{
    private static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(15);

    private readonly ProgressContext? context;
    private readonly System.Diagnostics.Stopwatch sinceLog = System.Diagnostics.Stopwatch.StartNew();
    private ProgressTask? task;
    private int epochs;

    private ConsoleTrainingObserver(ProgressContext? context) => this.context = context;

    /// <summary>Runs <paramref name="work"/> under a progress display and returns its result.</summary>
    public static T Run<T>(Func<ITrainingObserver, T> work)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive)
            return work(new ConsoleTrainingObserver(null));
        return AnsiConsole.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx => work(new ConsoleTrainingObserver(ctx)));
    }

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
        // Hogwild reports no running loss (NaN): the workers' losses are only summed at the epoch's end.
        var loss = double.IsNaN(p.RunningLoss) ? "" : $" · loss {p.RunningLoss:F4}";
        var description = $"epoch {p.Epoch}/{epochs} · {p.Processed}/{p.Total}{loss} · {p.SamplesPerSecond:F0} samples/s";
        if (context is null)
        {
            if (sinceLog.Elapsed >= LogInterval)
            {
                AnsiConsole.WriteLine(description);
                sinceLog.Restart();
            }
            return;
        }
        task ??= context.AddTask(description, maxValue: p.Total);
        task.Value = p.Processed;
        task.Description = description;
    }

    public void EpochDone(EpochReport r)
    {
        // One bar serves every epoch: the next epoch's first report sets it back.
        if (task is not null)
            task.Value = task.MaxValue;
        AnsiConsole.WriteLine($"epoch {r.Epoch}/{epochs}  train loss {r.TrainLoss:F4}  test loss {r.TestLoss:F4}  {r.Seconds:F1} s  {r.SamplesPerSecond:F0} samples/s");
    }
}
