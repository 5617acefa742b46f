namespace ILGPUAE.Tests.Training.Labels;

using ILGPUAE.Backends;
using ILGPUAE.Data;
using ILGPUAE.IO;
using ILGPUAE.Tests.IO;
using ILGPUAE.Tests.Training;
using ILGPUAE.Training;
using ILGPUAE.Training.Labels;
using ILGPUAE.Training.Sweeps;

/// <summary>
/// `sweep labels` in process, on the first 2000 MNIST training and 300 test images, with the two models that need no pretraining
/// (random encoder, CNN), so each run takes a fraction of a second: its plan, its rows, resuming after a kill, shards and their
/// merge, and the summary's statistics.
/// </summary>
public sealed class LabelSweepTests
{
    private static readonly ClassificationSplits Small = MnistSplits.Value.Limit(2000, 300);

    private static LabelSweepOptions Tiny => new()
    {
        MinLabels = 40, MaxLabels = 120, Sizes = 3, Repeats = 2, Epochs = 2, FixedTest = 50,
        Models = [SweepModel.Random, SweepModel.Cnn], ConfusionModel = SweepModel.Cnn, ConfusionLabels = 80,
    };

    private static LabelSweepResult Run(LabelSweepOptions o, string outDir, SweepShard? shard = null, IReadOnlyList<string>? import = null,
        CancellationToken stop = default, Action<string>? note = null) =>
        LabelSweep.Run(new LabelSweepRequest(o, shard ?? SweepShard.Whole, AcceleratorKind.Host, 0, null, outDir, import ?? [], Small),
            new NoteObserver(note ?? (_ => { })), stop);

    [Fact]
    public void TheStudysSizesAreFiftyFrom160To8000InStepsOf160()
    {
        var sizes = new LabelSweepOptions().SizeList();
        Assert.Equal(Enumerable.Range(1, 50).Select(i => 160 * i), sizes);
        Assert.Equal([160, 320, 480], LabelSweepOptions.Quick.SizeList());
        Assert.Equal(5 * 50 * 3, LabelSweep.Plan(new LabelSweepOptions()).Count);
    }

    /// <summary>The shards of a plan are disjoint and together the whole plan, for several n.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(7)]
    public void ShardsPartitionThePlan(int n)
    {
        var plan = LabelSweep.Plan(new LabelSweepOptions());
        var owners = plan.Select(p => Enumerable.Range(1, n).Where(i => new SweepShard(i, n).Contains(p.Ordinal)).ToList()).ToList();
        Assert.All(owners, o => Assert.Single(o));
        Assert.Equal(plan.Count, plan.Select(p => p.Key).Distinct().Count());
    }

    /// <summary>
    /// A whole run writes one row per model × size × seed, each row scoring what its confusion matrix says; a row survives being
    /// written and read back; and a rerun of a finished sweep runs nothing and leaves rows.csv byte for byte.
    /// </summary>
    [Fact]
    public void ASweepWritesEveryRunOnceAndARerunRunsNothing()
    {
        using var temp = new TempDirectory();
        var outDir = temp.File("sweep");
        var first = Run(Tiny, outDir);
        Assert.Equal(12, first.Ran);
        Assert.Equal(LabelSweep.Plan(Tiny).Select(p => p.Key.ToString()).Order(), first.Rows.Select(r => r.Key.ToString()).Order());
        foreach (var row in first.Rows)
        {
            Assert.Equal(row.TestCorrect, Enumerable.Range(0, 10).Sum(c => row.Confusion[c][c]));
            Assert.Equal(300, row.TestCount);
            Assert.Equal(50, row.FixedCount);
            Assert.Equal(Tiny.Epochs, row.Losses.Length);
            var back = LabelSweepRow.TryParse(CsvLine.Parse(CsvLine.Format(row.Fields()))!, out var problem);
            Assert.Null(problem);
            Assert.Equal(row.Fields(), back!.Fields());
        }
        foreach (var name in first.Written)
            Assert.True(new FileInfo(Path.Combine(outDir, name)).Length > 0, name);
        Assert.Contains(LabelSweepReport.ConfusionFileName(SweepModel.Cnn, 80), first.Written);

        var rows = File.ReadAllBytes(Path.Combine(outDir, SweepRowsFile.FileName));
        var again = Run(Tiny, outDir);
        Assert.Equal((0, 12), (again.Ran, again.Skipped));
        Assert.Equal(rows, File.ReadAllBytes(Path.Combine(outDir, SweepRowsFile.FileName)));
    }

    /// <summary>
    /// A sweep stopped after its third run (the stop request arrives as the run's row is noted), and the same rows file cut to two
    /// rows and a torn line, as a kill during an append leaves it: rerunning completes it with rows identical to an uninterrupted sweep's.
    /// </summary>
    [Fact]
    public void AStoppedOrKilledSweepResumesToTheSameRows()
    {
        using var temp = new TempDirectory();
        var whole = Run(Tiny, temp.File("whole"));
        var expected = whole.Rows.ToDictionary(r => r.Key, r => string.Join(",", r.Fields().Where((_, i) => LabelSweepRow.Header[i] != "seconds")));

        var stopped = temp.File("stopped");
        using var stop = new CancellationTokenSource();
        var noted = 0;
        var e = Assert.Throws<RunInterruptedException>(() => Run(Tiny, stopped, stop: stop.Token, note: line =>
        {
            if (line.Contains("% on the fixed", StringComparison.Ordinal) && ++noted == 3)
                stop.Cancel();
        }));
        Assert.Contains("3 of shard 1/1's 12 runs done", e.Where);
        var path = Path.Combine(stopped, SweepRowsFile.FileName);
        var lines = File.ReadAllLines(path);
        Assert.Equal(1 + 3, lines.Length);
        // A kill in the middle of the third row's append.
        File.WriteAllText(path, string.Join("\n", lines[..3]) + "\n" + lines[3][..40]);
        var notes = new List<string>();
        var resumed = Run(Tiny, stopped, note: notes.Add);
        Assert.Contains(notes, n => n.Contains("dropped a torn last line", StringComparison.Ordinal));
        Assert.Equal((10, 2), (resumed.Ran, resumed.Skipped));
        Assert.Equal(expected, resumed.Rows.ToDictionary(r => r.Key, r => string.Join(",", r.Fields().Where((_, i) => LabelSweepRow.Header[i] != "seconds"))));
    }

    /// <summary>
    /// Three shards run apart and imported into one directory give the whole sweep's results in its run order (rows.csv as the
    /// one-process sweep writes it, but for the seconds), and nothing runs again.
    /// </summary>
    [Fact]
    public void ShardsImportedIntoOneDirectoryAreTheWholeSweep()
    {
        using var temp = new TempDirectory();
        var o = Tiny with { Repeats = 1 };
        var whole = Run(o, temp.File("whole"));
        var shards = Enumerable.Range(1, 3).Select(i =>
        {
            var dir = temp.File($"shard{i}");
            var r = Run(o, dir, new SweepShard(i, 3));
            Assert.True(r.Missing > 0);
            return dir;
        }).ToList();
        var merged = Run(o, temp.File("merged"), import: shards);
        Assert.Equal((0, 6), (merged.Ran, merged.Imported));
        static string Result(LabelSweepRow r) => $"{r.Key} {r.FixedCorrect} {r.TestCorrect} {string.Join(";", r.Losses)}";
        Assert.Equal(whole.Rows.Select(Result), merged.Rows.Select(Result));
        static IEnumerable<string> WithoutSeconds(string dir) => File.ReadAllLines(Path.Combine(dir, SweepRowsFile.FileName))
            .Select(line => CsvLine.Parse(line)!).Select(f => string.Join(",", f.Where((_, i) => LabelSweepRow.Header[i] != "seconds")));
        Assert.Equal(WithoutSeconds(temp.File("whole")), WithoutSeconds(temp.File("merged")));
    }

    [Fact]
    public void RowsOfOtherSettingsAreRefusedBeforeAnyWork()
    {
        using var temp = new TempDirectory();
        var outDir = temp.File("sweep");
        Run(Tiny with { Sizes = 1, Repeats = 1 }, outDir);
        var before = File.ReadAllBytes(Path.Combine(outDir, SweepRowsFile.FileName));
        var e = Assert.Throws<InputException>(() => Run(Tiny with { Sizes = 1, Repeats = 1, Epochs = 3 }, outDir));
        Assert.Contains("rows.csv line 2: a run with the settings 'epochs=2", e.Message);
        Assert.Contains("expected this sweep's 'epochs=3", e.Message);
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(outDir, SweepRowsFile.FileName)));
    }

    /// <summary>The summary's mean, sample standard deviation, minimum and maximum, against a direct computation over the rows.</summary>
    [Fact]
    public void TheSummaryIsEachModelAndSizesSpreadOverSeeds()
    {
        using var temp = new TempDirectory();
        var rows = Run(Tiny with { Repeats = 3, Sizes = 2 }, temp.File("sweep")).Rows;
        var summary = LabelSweepReport.Summarize(rows);
        Assert.Equal(4, summary.Count);
        foreach (var s in summary)
        {
            var runs = rows.Where(r => r.Key.Model == s.Model && r.Key.Labels == s.Labels).Select(r => 100 * ((double)r.TestCorrect / r.TestCount)).ToList();
            Assert.Equal(3, runs.Count);
            var mean = runs.Sum() / 3;
            Assert.Equal(mean, s.Test.Mean, 10);
            Assert.Equal(Math.Sqrt(runs.Sum(v => (v - mean) * (v - mean)) / 2), s.Test.Sd, 10);
            Assert.Equal((runs.Min(), runs.Max()), (s.Test.Min, s.Test.Max));
        }
        var csv = File.ReadAllLines(temp.File("sweep/summary.csv"));
        Assert.Equal(CsvLine.Format(LabelSweepReport.SummaryHeader), csv[0]);
        Assert.Equal(5, csv.Length);
    }

    [Theory]
    [InlineData("cnn,40,1,s,1,10,5,10,0.5,1,0.5", "11 fields; expected 12")]
    [InlineData("cnn,x,1,s,1,10,5,10,0.5,1,0.5,5;0;0;5", "labels 'x'")]
    [InlineData("cnnx,40,1,s,1,10,5,10,0.5,1,0.5,5;0;0;5", "model 'cnnx'")]
    [InlineData("cnn,40,1,s,11,10,5,10,0.5,1,0.5,5;0;0;5", "correct answers and test counts")]
    [InlineData("cnn,40,1,s,1,10,5,10,0.5,1,0.5,5;0;0;4", "does not add up to test_count")]
    public void ARowThatIsNotASweepsIsRefusedWithWhy(string line, string expected)
    {
        var row = LabelSweepRow.TryParse(CsvLine.Parse(line)!, out var problem);
        Assert.Null(row);
        Assert.Contains(expected, problem);
    }

    private sealed class NoteObserver(Action<string> note) : ITrainingObserver
    {
        public void Note(string message) => note(message);

        public void Started(RunStart start)
        {
        }

        public void Progress(StepProgress progress)
        {
        }

        public void EpochDone(EpochResult epoch)
        {
        }
    }
}
