namespace ILGPUAE.Training.Sweeps;

using System.Diagnostics;
using ILGPUAE.IO;

/// <summary>
/// The seam between a sweep and what it sweeps: trains and evaluates one configuration of a cell. `sweep deep` plugs in
/// `train deep` followed by `probe svm` on the model's top codes; tests plug in fakes.
/// </summary>
public interface ISweepTrial
{
    /// <summary>
    /// Trains <paramref name="trial"/>'s configuration into <see cref="SweepTrialContext.Directory"/> and returns its validation
    /// error (the figure the best configuration is picked by) and its test result. <see cref="SweepTrialContext.Directory"/> may hold
    /// what a killed sweep left of the same configuration, to be resumed or started over; it does not exist otherwise.
    /// Throw <see cref="TrainingDivergedException"/> when the configuration diverges: the sweep records it as diverged and goes on.
    /// On <paramref name="stop"/>, stop (with <see cref="RunInterruptedException"/> after a checkpoint, or
    /// <see cref="OperationCanceledException"/>): the sweep records nothing for this configuration, and a rerun runs it again.
    /// </summary>
    SweepOutcome Run(SweepTrialContext trial, CancellationToken stop);
}

/// <summary>One configuration to run: the cell, the settings shared by the cell's configurations, and its own directory.</summary>
public sealed record SweepTrialContext(SweepCell Cell, string Settings, SweepConfig Config, string Directory);

/// <summary>
/// A sweep of one cell: its grid, the settings every configuration shares (written into every row, free text such as
/// "epochs=300 batch=100 seed=1"; rows of one cell with other settings are refused), and the shard of the grid to run.
/// </summary>
public sealed record SweepPlan(SweepCell Cell, string Settings, SweepGrid Grid, SweepShard Shard)
{
    public SweepPlan(SweepCell cell, string settings, SweepGrid grid) : this(cell, settings, grid, SweepShard.Whole)
    {
    }

    /// <summary>The configurations of <see cref="Shard"/>, in ordinal order.</summary>
    public IEnumerable<SweepConfig> Mine => Grid.Configs.Where(Shard.Contains);
}

/// <summary>What a sweep's out directory holds after a run: every row in it (other shards' too), and the configurations run now.</summary>
/// <param name="Best">The best finished row by validation error (<see cref="SweepBest.Of"/>), or null when none finished.</param>
/// <param name="Missing">Configurations of this shard not in the rows (none once the shard finished).</param>
public sealed record SweepResult(IReadOnlyList<SweepRow> Rows, int Ran, int Skipped, SweepRow? Best, int Missing);

/// <summary>The pick of a sweep: by validation error alone, never by a test figure.</summary>
public static class SweepBest
{
    /// <summary>The finished row with the lowest validation error, the lowest ordinal among equals; null when none finished.</summary>
    public static SweepRow? Of(IEnumerable<SweepRow> rows) =>
        rows.Where(r => r is { Status: SweepStatus.Done, Outcome: not null })
            .OrderBy(r => r.Outcome!.ValidError)
            .ThenBy(r => r.Config.Ordinal)
            .FirstOrDefault();
}

/// <summary>
/// Runs a <see cref="SweepPlan"/> into an out directory: rows.csv (<see cref="SweepRowsFile"/>) gets one row per configuration
/// as it finishes, and each configuration trains in trials/KEY. Rerun with the same plan, it skips every configuration already in
/// rows.csv, so a killed sweep resumes where it stopped; rows of another cell, settings or grid there are refused before any
/// work. The directory is locked for the run (<see cref="OutputDirectory.Open"/>).
/// </summary>
public static class SweepRunner
{
    public const string TrialsDirectoryName = "trials";

    public static SweepResult Run(SweepPlan plan, string outDirectory, ISweepTrial trial, CancellationToken stop, Action<string> log)
    {
        var full = OutputDirectory.Check(outDirectory, resume: true, force: false);
        var rowsPath = Path.Combine(full, SweepRowsFile.FileName);
        // A directory of something else is refused before the lock file is written into it.
        if (OutputDirectory.HoldsFiles(full) && !File.Exists(rowsPath))
            throw InputException.AboutSetting("out", $"out {outDirectory}: holds files but no {SweepRowsFile.FileName}; expected a new or empty directory, or a sweep's to resume");
        using var run = OutputDirectory.Open(outDirectory, resume: true, force: false, log);
        var (existing, completeBytes) = File.Exists(rowsPath) ? SweepRowsFile.Read(rowsPath, log) : (new List<SourcedRow>(), 0L);
        existing = SweepRowsFile.Distinct(existing);
        foreach (var sourced in existing)
            RequireOfPlan(sourced, plan);
        run.Create();

        var rows = existing.Select(r => r.Row).ToList();
        var done = rows.Select(r => r.Config.Ordinal).ToHashSet();
        var mine = plan.Mine.ToList();
        var skipped = mine.Count(c => done.Contains(c.Ordinal));
        if (skipped > 0)
            log($"{rowsPath}: {skipped} of this shard's {mine.Count} configurations already done; running the other {mine.Count - skipped}");
        var ran = 0;
        using (var appender = new SweepRowsFile.Appender(rowsPath, completeBytes))
        {
            foreach (var config in mine.Where(c => !done.Contains(c.Ordinal)))
            {
                if (stop.IsCancellationRequested)
                    throw new RunInterruptedException($"{ran + skipped} of the {mine.Count} configurations of shard {plan.Shard} done", full);
                var context = new SweepTrialContext(plan.Cell, plan.Settings, config, Path.Combine(full, TrialsDirectoryName, config.Key));
                var clock = Stopwatch.StartNew();
                SweepStatus status;
                SweepOutcome? outcome;
                string? diverged = null;
                try
                {
                    outcome = trial.Run(context, stop);
                    outcome.Validate();
                    status = SweepStatus.Done;
                }
                catch (Exception e) when (e is RunInterruptedException or OperationCanceledException && stop.IsCancellationRequested)
                {
                    // Nothing is recorded for it: a rerun runs it again (resuming its directory if the trial can).
                    var inside = e is RunInterruptedException r ? $", stopped at {r.Where}" : "";
                    throw new RunInterruptedException($"{config}{inside}, {ran + skipped} of the {mine.Count} configurations of shard {plan.Shard} done", full);
                }
                catch (TrainingDivergedException e)
                {
                    (status, outcome, diverged) = (SweepStatus.Diverged, null, e.What);
                }
                var row = new SweepRow(plan.Cell, plan.Settings, plan.Grid.Configs.Count, config, status, outcome, clock.Elapsed.TotalSeconds);
                appender.Append(row);
                rows.Add(row);
                ran++;
                log(outcome is null
                    ? $"{config}: diverged, {diverged} ({ran + skipped}/{mine.Count} of shard {plan.Shard})"
                    : $"{config}: valid error {100 * outcome.ValidError:F2} %, test error {100 * outcome.Test.Error:F2} % ± {100 * outcome.Test.HalfWidth95:F2} % ({ran + skipped}/{mine.Count} of shard {plan.Shard})");
            }
        }
        return new SweepResult(rows, ran, skipped, SweepBest.Of(rows), mine.Count(c => !rows.Any(r => r.Config.Ordinal == c.Ordinal)));
    }

    private static void RequireOfPlan(SourcedRow sourced, SweepPlan plan)
    {
        var row = sourced.Row;
        string? differs =
            row.Cell != plan.Cell ? $"is of {row.Cell}{(row.Cell.Generated != plan.Cell.Generated ? $" (generated {row.Cell.Generated})" : "")}"
            : row.Settings != plan.Settings ? $"has the settings '{row.Settings}'"
            : row.GridSize != plan.Grid.Configs.Count || plan.Grid.Configs[row.Config.Ordinal] != row.Config
                ? $"has configuration #{row.Config.Ordinal} {row.Config.Key} of a grid of {row.GridSize}"
            : null;
        if (differs is not null)
        {
            var wanted = $"{plan.Cell}, settings '{plan.Settings}', {plan.Grid}";
            throw InputException.AboutSetting("out", $"out {Path.GetDirectoryName(sourced.File)}: {sourced.Where} {differs}; expected rows of this sweep only ({wanted}), or a new directory");
        }
    }
}
