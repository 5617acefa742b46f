namespace ILGPUAE.Tests.Training.Sweeps;

using ILGPUAE.IO;
using ILGPUAE.Tests.IO;
using ILGPUAE.Training.Deep;
using ILGPUAE.Training.Sweeps;
using ILGPUAE.Training;

public sealed class SweepRunnerTests
{
    public static readonly SweepCell Cell = SweepCell.Of("mnist", DeepScheme.J, DeepRegularizer.Denoise, [3, 2], generated: false);

    public static SweepPlan Plan(SweepShard? shard = null, string settings = "epochs=5") =>
        new(Cell, settings, SweepGrid.Create(DeepRegularizer.Denoise), shard ?? SweepShard.Whole);

    private readonly List<string> notes = [];

    private SweepResult Run(SweepPlan plan, string dir, ISweepTrial trial, CancellationToken stop = default) =>
        SweepRunner.Run(plan, dir, trial, stop, notes.Add);

    private static string[] DataLines(string dir) => File.ReadAllLines(Path.Combine(dir, SweepRowsFile.FileName)).Skip(1).ToArray();

    [Fact]
    public void EachRowIsOnDiskBeforeTheNextConfigurationStarts()
    {
        using var temp = new TempDirectory();
        var dir = temp.File("sweep");
        var seen = new List<int>();
        var trial = new FakeTrial { During = (_, _) => seen.Add(DataLines(dir).Length) };

        var result = Run(Plan(), dir, trial);

        // Call k (0-based) sees the k rows of the calls before it.
        Assert.Equal(Enumerable.Range(0, 20), seen);
        Assert.Equal(20, result.Ran);
        Assert.Equal(SweepGrid.Create(DeepRegularizer.Denoise).Configs.Select(c => c.Key), DataLines(dir).Select(l => l.Split(',')[8]));
        Assert.Equal(SweepRowsFile.HeaderLine, File.ReadLines(Path.Combine(dir, SweepRowsFile.FileName)).First());
    }

    [Fact]
    public void AKilledSweepResumesWithoutRedoingFinishedConfigurations()
    {
        using var temp = new TempDirectory();
        var dir = temp.File("sweep");
        var first = new FakeTrial { KillAtCall = 8 };
        Assert.Throws<SimulatedKill>(() => Run(Plan(), dir, first));
        Assert.Equal(7, DataLines(dir).Length);
        // The kill left the lock file of a process that is gone in this test's terms; the same process takes it again.

        var second = new FakeTrial();
        var result = Run(Plan(), dir, second);

        var keys = SweepGrid.Create(DeepRegularizer.Denoise).Configs.Select(c => c.Key).ToList();
        Assert.Equal(keys[7..], second.Calls);
        Assert.Equal((13, 7, 0), (result.Ran, result.Skipped, result.Missing));
        Assert.Equal(keys, DataLines(dir).Select(l => l.Split(',')[8]));
        Assert.Equal(7, result.Best!.Config.Ordinal);

        var third = new FakeTrial();
        Run(Plan(), dir, third);
        Assert.Empty(third.Calls);
        Assert.Equal(20, DataLines(dir).Length);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ATornLastLineIsDroppedAndItsConfigurationRunAgain(bool wholeRowWithoutLineEnd)
    {
        using var temp = new TempDirectory();
        var dir = temp.File("sweep");
        Assert.Throws<SimulatedKill>(() => Run(Plan(), dir, new FakeTrial { KillAtCall = 4 }));
        var rowsPath = Path.Combine(dir, SweepRowsFile.FileName);
        var fourth = CsvLine.Format(new SweepRow(Cell, "epochs=5", 20, SweepGrid.Create(DeepRegularizer.Denoise).Configs[3], SweepStatus.Done,
            FakeTrial.OutcomeOf(SweepGrid.Create(DeepRegularizer.Denoise).Configs[3]), 1.5).Fields());
        // What a kill during the append of the fourth row leaves: a prefix of its line, without the line ending.
        File.AppendAllText(rowsPath, wholeRowWithoutLineEnd ? fourth : fourth[..25]);

        var again = new FakeTrial();
        Run(Plan(), dir, again);

        Assert.Equal("lr0.001-noise0.7", again.Calls[0]);
        Assert.Equal(17, again.Calls.Count);
        Assert.Contains(notes, n => n.StartsWith($"{rowsPath}: dropped a torn last line", StringComparison.Ordinal));
        var lines = DataLines(dir);
        Assert.Equal(20, lines.Length);
        Assert.All(lines, l => Assert.Equal(SweepRow.Header.Length, CsvLine.Parse(l)!.Count));
        Assert.EndsWith("\n", File.ReadAllText(rowsPath));
    }

    [Fact]
    public void ATornHeaderIsWrittenAgain()
    {
        using var temp = new TempDirectory();
        var dir = temp.File("sweep");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, SweepRowsFile.FileName), SweepRowsFile.HeaderLine[..10]);

        Run(Plan(SweepShard.Parse("1/10")), dir, new FakeTrial());

        Assert.Equal([SweepRowsFile.HeaderLine, .. DataLines(dir)], File.ReadAllLines(Path.Combine(dir, SweepRowsFile.FileName)));
        Assert.Equal(2, DataLines(dir).Length);
    }

    [Fact]
    public void AStopBetweenConfigurationsKeepsTheFinishedRowAndRecordsNothingForTheInterruptedOne()
    {
        using var temp = new TempDirectory();
        var dir = temp.File("sweep");
        using var stop = new CancellationTokenSource();
        // The third configuration finishes as the signal arrives; the fourth never starts.
        var trial = new FakeTrial { During = (_, _) => { if (stop.IsCancellationRequested is false && DataLines(dir).Length == 2) stop.Cancel(); } };

        var e = Assert.Throws<RunInterruptedException>(() => Run(Plan(), dir, trial, stop.Token));

        Assert.Equal(3, trial.Calls.Count);
        Assert.Equal(3, DataLines(dir).Length);
        Assert.Equal("3 of the 20 configurations of shard 1/1 done", e.Where);

        // A trial that stops itself mid-way (its own checkpoint) leaves no row either.
        using var stop2 = new CancellationTokenSource();
        var interrupted = new FakeTrial
        {
            During = (context, token) =>
            {
                stop2.Cancel();
                token.ThrowIfCancellationRequested();
            },
        };
        var e2 = Assert.Throws<RunInterruptedException>(() => Run(Plan(), dir, interrupted, stop2.Token));
        Assert.Equal(3, DataLines(dir).Length);
        Assert.StartsWith("#3 learning_rate 0.001, noise 0.7", e2.Where);
        Assert.Equal(["lr0.001-noise0.7"], interrupted.Calls);
    }

    [Fact]
    public void ADivergedConfigurationIsRecordedNotRetriedAndNeverPicked()
    {
        using var temp = new TempDirectory();
        var dir = temp.File("sweep");
        var best = SweepGrid.Create(DeepRegularizer.Denoise).Configs[7].Key;

        var result = Run(Plan(), dir, new FakeTrial { Diverging = [best] });

        Assert.Equal(SweepStatus.Diverged, result.Rows.Single(r => r.Config.Key == best).Status);
        Assert.Contains($",{best},0.005,0.5,diverged,,,,,", File.ReadAllText(Path.Combine(dir, SweepRowsFile.FileName)));
        // #6 and #8 tie at 1.1 %: the lower ordinal wins.
        Assert.Equal(6, result.Best!.Config.Ordinal);
        var rerun = new FakeTrial();
        Run(Plan(), dir, rerun);
        Assert.Empty(rerun.Calls);
    }

    [Fact]
    public void TheBestIsPickedByValidationErrorNeverByTest()
    {
        var configs = SweepGrid.Create(DeepRegularizer.Denoise).Configs;
        SweepRow Row(int ordinal, double valid, int testErrors) =>
            new(Cell, "s", 20, configs[ordinal], SweepStatus.Done, new SweepOutcome(valid, testErrors, 1000, 3), 0);

        // #2 has the lowest test error but not the lowest validation error; #5 and #9 tie on validation.
        var best = SweepBest.Of([Row(9, 0.02, 30), Row(2, 0.03, 1), Row(5, 0.02, 40)]);

        Assert.Equal(5, best!.Config.Ordinal);
        Assert.Null(SweepBest.Of([]));
    }

    [Fact]
    public void RowsOfAnotherSweepInTheDirectoryAreRefusedBeforeAnyWork()
    {
        using var temp = new TempDirectory();
        var dir = temp.File("sweep");
        Assert.Throws<SimulatedKill>(() => Run(Plan(), dir, new FakeTrial { KillAtCall = 3 }));
        var rowsPath = Path.Combine(dir, SweepRowsFile.FileName);
        var before = File.ReadAllBytes(rowsPath);

        var trial = new FakeTrial();
        var e = Assert.Throws<InputException>(() => Run(Plan(settings: "epochs=6"), dir, trial));
        var grid = Assert.Throws<InputException>(() =>
            Run(new SweepPlan(Cell, "epochs=5", SweepGrid.Create(DeepRegularizer.Denoise, [0.1f], [0.1f, 0.3f])), dir, trial));

        Assert.Equal("out", e.Setting);
        Assert.Contains($"{rowsPath} line 2 has the settings 'epochs=5'; expected rows of this sweep only", e.Message);
        Assert.Contains("has configuration #0 lr0.001-noise0.1 of a grid of 20", grid.Message);
        Assert.Empty(trial.Calls);
        Assert.Equal(before, File.ReadAllBytes(rowsPath));
    }

    [Fact]
    public void ADirectoryOfSomethingElseIsRefusedAndLeftAsItWas()
    {
        using var temp = new TempDirectory();
        var dir = temp.File("other");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "notes.txt"), "mine");

        var e = Assert.Throws<InputException>(() => Run(Plan(), dir, new FakeTrial()));

        Assert.Equal($"out {dir}: holds files but no rows.csv; expected a new or empty directory, or a sweep's to resume", e.Message);
        Assert.Equal(["notes.txt"], Directory.GetFileSystemEntries(dir).Select(Path.GetFileName));
    }

    [Fact]
    public void ShardsRunApartMergeIntoTheUnshardedSweep()
    {
        using var temp = new TempDirectory();
        var whole = Run(Plan(), temp.File("whole"), new FakeTrial());
        var calls = 0;
        for (var i = 1; i <= 3; i++)
        {
            var trial = new FakeTrial();
            var shard = Run(Plan(SweepShard.Parse($"{i}/3")), temp.File($"shards/{i}"), trial);
            calls += trial.Calls.Count;
            Assert.Equal(i == 1 ? 7 : 7 - (i - 1) / 2, shard.Rows.Count);
        }

        var merged = SweepRowsFile.Merge([temp.File("shards")], notes.Add);

        Assert.Equal(20, calls);
        Assert.Equal(whole.Rows.Select(r => r with { Seconds = 0 }), merged.OrderBy(r => r.Config.Ordinal).Select(r => r with { Seconds = 0 }));
        Assert.Equal(ResultsTable.Of(whole.Rows).Markdown(), ResultsTable.Of(merged).Markdown());
    }
}
