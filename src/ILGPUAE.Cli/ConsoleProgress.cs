namespace ILGPUAE.Cli;

using Spectre.Console;

/// <summary>
/// One live progress bar that every epoch reuses, and plain lines above it. When the output is not a
/// terminal (a log, CI) the bar is replaced by a progress line every <see cref="LogInterval"/>.
/// </summary>
public sealed class ConsoleProgress
{
    private static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(15);

    private readonly ProgressContext? context;
    private readonly System.Diagnostics.Stopwatch sinceLog = System.Diagnostics.Stopwatch.StartNew();
    private ProgressTask? task;

    private ConsoleProgress(ProgressContext? context) => this.context = context;

    /// <summary>Runs <paramref name="work"/> under a progress display and returns its result.</summary>
    public static T Run<T>(Func<ConsoleProgress, T> work)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive)
            return work(new ConsoleProgress(null));
        return AnsiConsole.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx => work(new ConsoleProgress(ctx)));
    }

    public void Line(string text) => AnsiConsole.WriteLine(text);

    public void Update(string description, int processed, int total)
    {
        if (context is null)
        {
            if (sinceLog.Elapsed >= LogInterval)
            {
                AnsiConsole.WriteLine(description);
                sinceLog.Restart();
            }
            return;
        }
        task ??= context.AddTask(description, maxValue: total);
        task.MaxValue = total;
        task.Value = processed;
        task.Description = description;
    }

    /// <summary>Fills the bar; the next epoch's first update sets it back.</summary>
    public void Complete()
    {
        if (task is not null)
            task.Value = task.MaxValue;
    }
}
