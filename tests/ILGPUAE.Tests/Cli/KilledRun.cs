namespace ILGPUAE.Tests.Cli;

using ILGPUAE.IO;
using ILGPUAE.Tests.IO;
using ILGPUAE.Training;

/// <summary>The kill-and-resume check the training verbs' CLI tests share (train cae, train anamo, train ga).</summary>
public static class KilledRun
{
    /// <summary>
    /// <paramref name="args"/> (without --out) run to the end, and run again killed by the engine's hook at <paramref name="killAt"/>
    /// (exit 137) then resumed by <paramref name="resume"/> (given the run directory) to the end: the model, the training state and
    /// <paramref name="alsoCompared"/> must be the uninterrupted run's bytes, and metrics.json its text but for the timings.
    /// </summary>
    public static void AssertResumesToTheSameBytes(string[] args, string killAt, Func<string, string[]> resume, params string[] alsoCompared)
    {
        using var dir = new TempDirectory();
        var reference = dir.File("reference");
        var uninterrupted = CliProcess.Run([.. args, "--out", reference]);
        Assert.True(uninterrupted.ExitCode == 0, uninterrupted.ToString());
        var run = dir.File("killed");
        var killed = CliProcess.Run(new Dictionary<string, string?> { [CheckpointCommit.KillVariable] = killAt }, [.. args, "--out", run]);
        Assert.True(killed.ExitCode == 137, killed.ToString());
        var resumed = CliProcess.Run(resume(run));
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        foreach (var name in new[] { DaeCheckpoint.ModelFileName, DaeCheckpoint.StateFileName }.Concat(alsoCompared))
            Assert.True(File.ReadAllBytes(Path.Combine(reference, name)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(run, name))), $"{name} differs");
        Assert.Equal(KillAndResumeTests.WithoutTimings(Path.Combine(reference, DaeCheckpoint.MetricsFileName)), KillAndResumeTests.WithoutTimings(Path.Combine(run, DaeCheckpoint.MetricsFileName)));
    }
}
