namespace ILGPUAE.Tests.Cli;

using System.Diagnostics;
using System.Text.Json;
using ILGPUAE.Tests.IO;
using Xunit.Abstractions;

/// <summary>
/// The out directory of a run: locked while the run lasts (a second run is refused naming the holder's pid, a dead run's lock
/// is taken over), cleaned of a killed run's temporary files at the next start, and checked writable before any work.
/// </summary>
public sealed class RunDirectoryCliTests(ITestOutputHelper output)
{
    private static readonly string[] Tiny = ["--train-limit", "200", "--test-limit", "50", "--batch", "10", "--accelerator", "host"];

    [Fact]
    public void ASecondRunIntoALockedDirectoryIsRefusedNamingTheHoldersPid()
    {
        using var dir = new TempDirectory();
        var out_ = dir.File("run");
        // Long enough (a few seconds) for three refused starts while it runs.
        using var first = new RunningCli("train", "dae", "--hidden", "32", "--epochs", "40", "--train-limit", "3000", "--test-limit", "50", "--batch", "10",
            "--accelerator", "host", "--out", out_);
        var model = Path.Combine(out_, "model.safetensors");
        var clock = Stopwatch.StartNew();
        while (!File.Exists(model) && !first.HasExited && clock.Elapsed < TimeSpan.FromSeconds(60))
            Thread.Sleep(20);
        Assert.False(first.HasExited, first.HasExited ? first.Wait().ToString() : "");

        // A resumed run is given only what may change on resume (a differing option is refused before the lock is tried).
        string[] fresh = ["--hidden", "8", "--epochs", "1", .. Tiny, "--out", out_];
        var attempts = new (string[] Args, string Flag)[] { (fresh, "--out"), ([.. fresh, "--force"], "--out"), (["--epochs", "41", "--resume", out_], "--resume") };
        foreach (var (how, flag) in attempts)
        {
            var second = CliProcess.Run(["train", "dae", .. how]);
            Assert.True(second.ExitCode == 2, second.ToString());
            var line = Assert.Single(second.Stderr.TrimEnd().Split('\n'));
            Assert.Equal($"error: {flag} {out_}: in use by another run (pid {first.Id}); expected a directory no other run writes to", line);
            // Refused before it read data or wrote anything.
            Assert.Equal("", second.Stdout);
        }
        Assert.False(first.HasExited, "the first run ended before the second runs were tried; make it longer");

        var result = first.Wait();
        Assert.True(result.ExitCode == 0, result.ToString());
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(out_, "metrics.json")));
        Assert.Equal(32, metrics.RootElement.GetProperty("options").GetProperty("hidden").GetInt32());
        Assert.Equal(40, metrics.RootElement.GetProperty("epochs").GetArrayLength());
        Assert.Equal(["curves.png", "metrics.csv", "metrics.json", "model.safetensors", "train_state.safetensors"],
            Directory.GetFileSystemEntries(out_).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void ALockLeftByADeadRunIsTakenOver()
    {
        using var dir = new TempDirectory();
        var out_ = dir.File("run");
        Directory.CreateDirectory(out_);
        // What a SIGKILLed run leaves: its pid and token, no flock (the kernel dropped it). No process has pid 2^31 − 1.
        File.WriteAllText(Path.Combine(out_, ".lock"), "2147483647 0123456789abcdef");

        var result = CliProcess.Run(["train", "dae", "--hidden", "8", "--epochs", "1", .. Tiny, "--out", out_]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"{out_}: took over the lock of pid 2147483647, which is no longer running", result.Stdout.ReplaceLineEndings(""));
        Assert.False(File.Exists(Path.Combine(out_, ".lock")));
    }

    [Fact]
    public void TemporaryFilesOfAKilledRunAreRemovedAtTheNextStart()
    {
        using var dir = new TempDirectory();
        var out_ = dir.File("run");
        var first = CliProcess.Run(["train", "dae", "--hidden", "8", "--epochs", "1", .. Tiny, "--out", out_]);
        Assert.True(first.ExitCode == 0, first.ToString());
        // An AtomicFile temp (today's writer) and a checkpoint's staged file whose commit record was never written.
        string[] leftovers = [".model.safetensors.tmp-5f2938a72345048dd3cdd7e77aebe47d", ".train_state.safetensors.pending"];
        foreach (var name in leftovers)
            File.WriteAllText(Path.Combine(out_, name), "partial");

        var resumed = CliProcess.Run("train", "dae", "--resume", out_, "--epochs", "2", "--accelerator", "host");

        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Equal(["curves.png", "metrics.csv", "metrics.json", "model.safetensors", "train_state.safetensors"],
            Directory.GetFileSystemEntries(out_).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void AReadOnlyOutIsRefusedBeforeAnyWork()
    {
        using var fs = Tmpfs.TryMount("4m", output);
        if (fs is null)
            return;
        var mount = fs.Path;
        // A resumable run on a file system that then turns read-only: today it trained a whole epoch before failing.
        var run = Path.Combine(mount, "run");
        var first = CliProcess.Run(["train", "dae", "--hidden", "8", "--epochs", "1", .. Tiny, "--out", run]);
        Assert.True(first.ExitCode == 0, first.ToString());
        fs.RemountReadOnly();

        foreach (var args in new[]
        {
            new[] { "train", "dae", "--resume", run, "--epochs", "2", "--accelerator", "host" },
            ["train", "dae", "--hidden", "8", "--epochs", "1", .. Tiny, "--out", Path.Combine(mount, "new", "run")],
            ["pretrain", "--hidden", "8", "--corruption", "0.2", "--epochs", "1", .. Tiny, "--out", Path.Combine(mount, "pretrain")],
        })
        {
            var result = CliProcess.Run(args);
            Assert.True(result.ExitCode == 2, result.ToString());
            var line = Assert.Single(result.Stderr.TrimEnd().Split('\n'));
            Assert.Matches($@"^error: {System.Text.RegularExpressions.Regex.Escape(mount)}\S*: read-only file system$", line);
            // Before the data was loaded or the accelerator opened.
            Assert.Equal("", result.Stdout);
        }
    }
}
