namespace ILGPUAE.Tests.Cli;

using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ILGPUAE.Evaluation;
using ILGPUAE.IO;
using ILGPUAE.Tests.IO;
using ILGPUAE.Training;
using ILGPUAE.Training.Deep;
using ILGPUAE.Training.Sweeps;
using Xunit.Abstractions;

/// <summary>
/// `train deep` and `sweep deep` as real processes ended by SIGKILL (issue 14 on issue 13's commit points). A deep run killed once
/// a checkpoint of a later phase is on disk, and again in its joint phase, resumes to the bytes of a run never interrupted; one
/// killed just before its first commit point has nothing to resume and the same command starts it afresh. A sweep
/// killed inside its second trial, rerun, leaves the finished trial alone, resumes the killed one from its checkpoint, and ends
/// with the rows of a sweep never interrupted.
/// </summary>
[Trait("Category", "Process")]
public sealed class DeepKillAndResumeTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    // UJ on 784-8-6: layer 1 (1 epoch), layer 2 on its codes (1 epoch), then joint (2 epochs), each epoch 100 steps; with a
    // mid-epoch checkpoint every 30 steps (each commit fsyncs its files: few enough to keep the test short).
    private const string Every = "30";

    private static readonly string[] Deep = ["train", "deep", "--accelerator", "host", "--layers", "8,6", "--scheme", "UJ", "--regularizer", "denoise",
        "--noise", "0.3", "--epochs", "1", "--joint-epochs", "2", "--batch", "10", "--train-limit", "1000", "--valid-limit", "100", "--test-limit", "100",
        "--checkpoint-every", Every];

    private const int JointPhase = 2;
    private const int JointEpochs = 2;

    // 2 learning rates × 2 noise levels, each configuration a UJ run of one epoch per phase (a checkpoint at each phase's end) and
    // its SVM probe.
    private static readonly string[] Sweep = ["sweep", "deep", "--accelerator", "host", "--layers", "8,6", "--scheme", "UJ", "--regularizer", "denoise",
        "--lr", "0.005,0.02", "--noise", "0.1,0.5", "--epochs", "1", "--batch", "10", "--train-limit", "500", "--valid-limit", "100", "--test-limit", "100"];

    // The sweep's trial directories in the order it runs them (ordinal order: learning rate, then noise), checked against the
    // uninterrupted sweep's rows.
    private static readonly string[] SweepKeys = ["lr0.005-noise0.1", "lr0.005-noise0.5", "lr0.02-noise0.1", "lr0.02-noise0.5"];

    private static readonly string[] Compared = [DaeCheckpoint.ModelFileName, DaeCheckpoint.StateFileName, DaeCheckpoint.MetricsFileName];

    [Fact]
    public async Task TrainDeepKilledInItsLaterPhasesResumesToTheBytesOfAnUninterruptedRun()
    {
        using var dir = new TempDirectory();
        string[] Resume(string run) => ["train", "deep", "--resume", run, "--accelerator", "host", "--checkpoint-every", Every];

        // Beside the kills below (each process is mostly single-threaded start-up and loading): a run killed at the last instant
        // before its first commit point (both files of the first checkpoint staged, not yet recorded) left only its lock and
        // pending files, nothing to resume; the same command, without --force, then starts it afresh in that directory (deleting
        // the pending files, with a note) and runs it to the end uninterrupted.
        var reference = dir.File("reference");
        var referenceRun = Task.Run(() =>
        {
            var early = CliProcess.Run(new Dictionary<string, string?> { [CheckpointCommit.KillVariable] = "staged-2" }, [.. Deep, "--out", reference]);
            Assert.True(early.ExitCode == 137, early.ToString());
            Assert.False(File.Exists(Path.Combine(reference, DaeCheckpoint.ModelFileName)), early.ToString());
            Assert.NotEmpty(Directory.GetFiles(reference, "*.pending"));
            var uninterrupted = CliProcess.Run([.. Deep, "--out", reference]);
            Assert.True(uninterrupted.ExitCode == 0, uninterrupted.ToString());
            // The console wraps long lines: compare with the line breaks taken out.
            Assert.True(string.Join(' ', uninterrupted.Stdout.Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries))
                .Contains("removed 2 unfinished file(s) of an interrupted write", StringComparison.Ordinal), uninterrupted.ToString());
        });

        // Killed once a checkpoint of layer 2 or of the joint phase is on disk; resumed and killed again once it has checkpointed
        // further in the joint phase; resumed to the end.
        var run = dir.File("killed");
        var first = KillOnceCheckpointed([.. Deep, "--out", run], run, s => s.Phase >= 1);
        var second = KillOnceCheckpointed(Resume(run), run, s => s.Phase == JointPhase && s.CompareTo(first) > 0);
        var finished = CliProcess.Run(Resume(run));
        Assert.True(finished.ExitCode == 0, finished.ToString());
        await referenceRun;

        foreach (var file in Compared)
            AssertSame(Path.Combine(reference, file), Path.Combine(run, file));
        // Nothing of the kills is left: no lock, commit record, pending or temp file.
        Assert.Empty(Directory.EnumerateFiles(run, ".*", SearchOption.AllDirectories));
        output.WriteLine($"train deep: killed with checkpoints at {first} and {second}; resumed byte-identical to the uninterrupted run");
    }

    [Fact]
    public async Task SweepDeepKilledInsideItsSecondTrialResumesItAndRedoesNoFinishedRow()
    {
        using var dir = new TempDirectory();
        var reference = dir.File("reference");
        var referenceRun = Task.Run(() => CliProcess.Run([.. Sweep, "--out", reference]));

        var sweep = dir.File("sweep");
        string[] args = [.. Sweep, "--out", sweep];
        var (finishedTrial, killedTrial) = (Trial(sweep, SweepKeys[0]), Trial(sweep, SweepKeys[1]));
        using (var cli = new RunningCli(args))
        {
            // The second trial starts once the first one's row is in rows.csv; its first checkpoint is at layer 1's end.
            WaitFor(cli, () => State(killedTrial) is not null, $"{killedTrial} holds a checkpoint");
            Assert.True(cli.Kill(), $"the sweep ended before it was killed: {cli.Wait()}");
        }
        Assert.Equal([SweepKeys[0]], Column(sweep, "key"));
        var atKill = State(killedTrial)!.Value;
        var finishedFiles = Written(finishedTrial);
        var epochsAtKill = Epochs(killedTrial);
        Assert.NotEmpty(epochsAtKill);

        var rerun = CliProcess.Run(args);

        Assert.True(rerun.ExitCode == 0, rerun.ToString());
        // The finished trial was not run again: its model and probe files are the ones written before the kill.
        Assert.Equal(finishedFiles, Written(finishedTrial));
        Assert.Contains($"{Path.Combine(sweep, SweepRowsFile.FileName)}: 1 of this shard's 4 configurations already done; running the other 3", rerun.Stdout);
        Assert.Contains("ran 3, 1 already done", rerun.Stdout);
        // The killed trial went on from its checkpoint: the epochs it had recorded are kept, timings and all (an epoch trained again
        // would have its own), and its phases after them were trained now.
        var epochs = Epochs(killedTrial);
        Assert.Subset(epochs.ToHashSet(), epochsAtKill.ToHashSet());
        Assert.Equal(3, epochs.Count);
        // The rerun announced the phases the killed trial had left (none its checkpoint had finished), then the two other trials' three.
        var phasesLeft = 3 - atKill.Phase - (atKill.Epochs == 1 ? 1 : 0);
        Assert.True(Regex.Matches(rerun.Stdout, @"^(layer \d|joint) of 3 phases \(", RegexOptions.Multiline).Count == phasesLeft + (2 * 3), rerun.ToString());
        // Every trial's model, and every row but its time, are the uninterrupted sweep's.
        var uninterrupted = await referenceRun;
        Assert.True(uninterrupted.ExitCode == 0, uninterrupted.ToString());
        Assert.Equal(SweepKeys, Column(reference, "key"));
        foreach (var key in SweepKeys)
            AssertSame(Path.Combine(Trial(reference, key), DaeCheckpoint.ModelFileName), Path.Combine(Trial(sweep, key), DaeCheckpoint.ModelFileName));
        Assert.Equal(RowsWithoutTimes(reference), RowsWithoutTimes(sweep));
        Assert.Empty(Directory.EnumerateFiles(sweep, ".*", SearchOption.AllDirectories));
        output.WriteLine($"sweep deep: killed in {SweepKeys[1]} with its checkpoint at {atKill} ({epochsAtKill.Count} of 3 epochs recorded); the rerun resumed it, " +
            "left the finished trial untouched and ended with the uninterrupted sweep's rows and models");
    }

    /// <summary>Where a `train deep` directory's checkpoint stands: phase, epochs done in it, and steps done in it.</summary>
    private readonly record struct Saved(int Phase, int Epochs, long Steps) : IComparable<Saved>
    {
        public int CompareTo(Saved other) => (Phase, Steps).CompareTo((other.Phase, other.Steps));

        public override string ToString() => $"phase {Phase}, step {Steps} (epochs done {Epochs})";
    }

    /// <summary>
    /// Starts the CLI with <paramref name="args"/>, polls <paramref name="run"/>'s train_state.safetensors until <paramref name="when"/>
    /// holds for it, sends SIGKILL at once, and returns where the checkpoint left stands (never the run's last: it must still have
    /// work to do).
    /// </summary>
    private static Saved KillOnceCheckpointed(string[] args, string run, Func<Saved, bool> when)
    {
        using (var cli = new RunningCli(args))
        {
            WaitFor(cli, () => State(run) is { } s && when(s), $"a checkpoint in {run} that the test waits for");
            Assert.True(cli.Kill(), $"the run ended before it was killed: {cli.Wait()}");
        }
        var saved = State(run)!.Value;
        Assert.True(saved is not { Phase: JointPhase, Epochs: JointEpochs }, $"killed after its last checkpoint ({saved}): nothing left to resume");
        return saved;
    }

    private static void WaitFor(RunningCli cli, Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (cli.HasExited)
                Assert.Fail($"the run ended before {what}: {cli.Wait()}");
            if (clock.Elapsed > Patience)
                Assert.Fail($"no {what} after {Patience}");
            Thread.Sleep(1);
        }
    }

    private static Saved? State(string run)
    {
        var path = Path.Combine(run, DaeCheckpoint.StateFileName);
        // Renamed into place whole (CheckpointCommit): the path holds a complete file or none.
        if (!File.Exists(path))
            return null;
        var metadata = SafeTensorsFile.Read(path).Metadata;
        return new Saved(int.Parse(metadata[DeepTraining.PhaseIndexKey], CultureInfo.InvariantCulture),
            int.Parse(metadata[DaeCheckpoint.EpochsKey], CultureInfo.InvariantCulture), long.Parse(metadata[DaeCheckpoint.StepsKey], CultureInfo.InvariantCulture));
    }

    private static void AssertSame(string expected, string actual)
    {
        if (expected.EndsWith(".json", StringComparison.Ordinal))
            Assert.Equal(KillAndResumeTests.WithoutTimings(expected), KillAndResumeTests.WithoutTimings(actual));
        else
            Assert.True(File.ReadAllBytes(expected).AsSpan().SequenceEqual(File.ReadAllBytes(actual)), $"{actual} differs from {expected}");
    }

    private static string Trial(string sweep, string key) => Path.Combine(sweep, SweepRunner.TrialsDirectoryName, key);

    /// <summary>When the trial's model and probe result were last written.</summary>
    private static DateTime[] Written(string trial) =>
        [File.GetLastWriteTimeUtc(Path.Combine(trial, DaeCheckpoint.ModelFileName)), File.GetLastWriteTimeUtc(Path.Combine(trial, SvmProbe.ResultFileName))];

    /// <summary>Every epoch metrics.json records, as "PHASE: JSON" with its timings.</summary>
    private static List<string> Epochs(string trial)
    {
        var path = Path.Combine(trial, DaeCheckpoint.MetricsFileName);
        if (!File.Exists(path))
            return [];
        return JsonNode.Parse(File.ReadAllText(path))!["phases"]!.AsArray()
            .SelectMany(p => p!["epochs"]!.AsArray().Select(e => $"{p["name"]}: {e!.ToJsonString()}"))
            .ToList();
    }

    private static string[] Column(string sweep, string name)
    {
        var lines = File.ReadAllLines(Path.Combine(sweep, SweepRowsFile.FileName));
        var index = Array.IndexOf(SweepRow.Header, name);
        return [.. lines.Skip(1).Select(l => CsvLine.Parse(l)![index])];
    }

    /// <summary>rows.csv without the seconds each configuration took (the one column that differs between two runs).</summary>
    private static string[] RowsWithoutTimes(string sweep)
    {
        var seconds = Array.IndexOf(SweepRow.Header, "seconds");
        return [.. File.ReadAllLines(Path.Combine(sweep, SweepRowsFile.FileName)).Select(l => CsvLine.Format(CsvLine.Parse(l)!.Where((_, i) => i != seconds)))];
    }
}
