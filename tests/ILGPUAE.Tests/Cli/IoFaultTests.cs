namespace ILGPUAE.Tests.Cli;

using System.Diagnostics;
using System.Text.Json.Nodes;
using ILGPUAE.Backends;
using ILGPUAE.IO;
using ILGPUAE.Tests.IO;
using ILGPUAE.Tests.Training;
using ILGPUAE.Training;
using ILGPUAE.Training.Stacked;
using Xunit.Abstractions;

/// <summary>
/// Issue 13, finding 5: a full disk, a read-only --out, a --data-dir naming a file, empty paths and a model too large for the
/// machine each end in ONE stderr line naming the path (or option) and the cause, with exit 2 (bad input) or 1 (the environment),
/// no stack trace, nothing already written lost, and no work done first. The full-disk and read-only cases run `train dae` on a
/// small tmpfs, which needs root: elsewhere they return early, writing the reason to the test output (xunit 2 has no
/// Assert.Skip; a runtime check keeps the suite free of another package).
/// </summary>
public sealed class IoFaultTests(ITestOutputHelper output)
{
    private static readonly string[] Small = ["--accelerator", "host", "--train-limit", "100", "--test-limit", "50"];

    [Fact]
    public void AFullDiskBeforeTheFirstCheckpointIsOneLineNamingTheModelFileWithExitCode1()
    {
        using var fs = Tmpfs.TryMount("256k", output);
        if (fs is null)
            return;
        // A [200, 784] model is 627 kB: the first checkpoint cannot fit in 256 kB.
        var run = Path.Combine(fs.Path, "run");
        var result = Train(run, "--hidden", "200", "--epochs", "1");

        Assert.True(result.ExitCode == 1, result.ToString());
        AssertOneLine(result, $"error: {run}/model.safetensors: no space left on device");
        Assert.DoesNotContain(Directory.EnumerateFiles(run), f => Path.GetFileName(f).StartsWith('.'));
    }

    [Fact]
    public void AFullDiskOnResumeFailsBeforeWorkAndKeepsTheCheckpoint()
    {
        using var fs = Tmpfs.TryMount("512k", output);
        if (fs is null)
            return;
        var run = Path.Combine(fs.Path, "run");
        var first = Train(run, "--hidden", "20", "--epochs", "1");
        Assert.True(first.ExitCode == 0, first.ToString());
        var before = Snapshot(run);
        Fill(fs.Path);

        var resumed = CliProcess.Run([.. "train dae --epochs 2 --resume".Split(' '), run, .. Small]);

        Assert.True(resumed.ExitCode == 1, resumed.ToString());
        AssertOneLine(resumed, $"error: {run}: no space left on device");
        Assert.DoesNotContain("epoch 2/2", resumed.Stdout);
        AssertUnchanged(before, run);
    }

    [Fact]
    public void AReadOnlyOutIsOneLineWithExitCode2ForANewRunAndForAResumeBeforeAnyEpoch()
    {
        using var fs = Tmpfs.TryMount("1m", output);
        if (fs is null)
            return;
        var run = Path.Combine(fs.Path, "run");
        var first = Train(run, "--hidden", "20", "--epochs", "1");
        Assert.True(first.ExitCode == 0, first.ToString());
        var before = Snapshot(run);
        fs.RemountReadOnly();

        var fresh = Train(Path.Combine(fs.Path, "new"), "--hidden", "20", "--epochs", "1");
        Assert.True(fresh.ExitCode == 2, fresh.ToString());
        AssertOneLine(fresh, $"error: {fs.Path}/new: read-only file system");

        var resumed = CliProcess.Run([.. "train dae --epochs 2 --resume".Split(' '), run, .. Small]);
        Assert.True(resumed.ExitCode == 2, resumed.ToString());
        AssertOneLine(resumed, $"error: {run}: read-only file system");
        // Refused before the data loads, let alone an epoch.
        Assert.DoesNotContain("loading", resumed.Stdout);
        AssertUnchanged(before, run);
    }

    [Fact]
    public void ADataDirThatIsAFileIsOneLineAndNothingIsFetched()
    {
        using var dir = new TempDirectory();
        var file = dir.File("data");
        File.WriteAllText(file, "not a directory");
        var result = Train(dir.File("run"), "--hidden", "5", "--epochs", "1", "--data-dir", file);

        Assert.True(result.ExitCode == 2, result.ToString());
        AssertOneLine(result, $"error: --data-dir {file} is a file; expected a directory");
        Assert.DoesNotContain("fetching", result.Stdout);
        Assert.Equal("not a directory", File.ReadAllText(file));
    }

    [Theory]
    [InlineData("--out")]
    [InlineData("--data-dir")]
    public void AnEmptyTrainingPathIsOneLineNamingTheOption(string flag)
    {
        using var dir = new TempDirectory();
        string[] args = flag == "--out" ? ["--out", ""] : ["--out", dir.File("run"), flag, ""];
        var result = CliProcess.Run([.. "train dae --hidden 5 --epochs 1".Split(' '), .. Small, .. args]);

        // The command line refuses an empty value before the engine sees it; the engine refuses it too, for other callers.
        Assert.True(result.ExitCode == 2, result.ToString());
        AssertParseError(result, $"error: {flag} \"\": empty; expected a non-empty value");
        var setting = flag == "--out" ? "out" : "data_dir";
        var request = new DaeRunRequest(new DaeOptions { Hidden = 5, Epochs = 1, TrainLimit = 100, TestLimit = 50 }, AcceleratorKind.Host, 0,
            setting == "data_dir" ? "" : null, setting == "out" ? "" : dir.File("run"), Resume: false, Force: false);
        var error = Assert.Throws<InputException>(() => DaeTraining.Run(request, new QuietObserver()));
        Assert.Equal(setting, error.Setting);
    }

    [Fact]
    public void AnEmptyModelPathIsOneLineNamingTheOption()
    {
        var result = CliProcess.Run("eval", "--model", "", "--accelerator", "host");

        Assert.True(result.ExitCode == 2, result.ToString());
        AssertParseError(result, "error: --model \"\": empty; expected a non-empty value");
    }

    [Fact]
    public void AHiddenLayerTooLargeForTheMachineIsRefusedBeforeTheDataLoads()
    {
        using var dir = new TempDirectory();
        var run = dir.File("run");
        var result = Train(run, "--hidden", "2147483647", "--epochs", "1");

        Assert.True(result.ExitCode == 2, result.ToString());
        var line = AssertOneLine(result, "error: --hidden 2147483647 needs ");
        Assert.Matches(@"needs [\d.]+ [kMGTPE]?B of host memory, this machine has [\d.]+ [kMGTPE]?B; lower --hidden, --batch, --train-limit or --test-limit$", line);
        Assert.DoesNotContain("loading", result.Stdout);
        Assert.False(Directory.Exists(run));
    }

    [Fact]
    public void PretrainChecksEveryLayerBeforeTheFirstTrains()
    {
        using var dir = new TempDirectory();
        var run = dir.File("run");
        var result = CliProcess.Run([.. "pretrain --hidden 50,2147483647 --corruption 0.1 --epochs 1 --out".Split(' '), run, .. Small]);

        Assert.True(result.ExitCode == 2, result.ToString());
        AssertOneLine(result, "error: --hidden 50,2147483647 needs ");
        Assert.DoesNotContain("epoch 1/1", result.Stdout);
        Assert.False(Directory.Exists(run));
    }

    [Fact]
    public void PlotOnMetricsWithANullRecordIsOneLineNamingIt()
    {
        using var dir = new TempDirectory();
        // One small pretraining run, in process, whose metrics.json each case spoils in its own copy.
        var run = dir.File("run");
        StackPretraining.Run(new StackRunRequest(StackPretrainingTests.Small with { Epochs = 1, TrainLimit = 50, TestLimit = 20 }, AcceleratorKind.Host, 0, null,
            run, false, false, MnistSplits.Value), new QuietObserver());
        (string At, string Expected, Action<JsonNode> Spoil)[] cases =
        [
            ("layers[1]", "is null; expected a value", json => json["layers"]!.AsArray()[1] = null),
            ("layers[0].epochs", "is null; expected an array", json => json["layers"]![0]!["epochs"] = null),
            ("layers[0].epochs[0]", "is null; expected a value", json => json["layers"]![0]!["epochs"]!.AsArray()[0] = null),
        ];
        foreach (var (at, expected, spoil) in cases)
        {
            var copy = Directory.CreateDirectory(dir.File(at)).FullName;
            var json = JsonNode.Parse(File.ReadAllText(Path.Combine(run, "metrics.json")))!;
            spoil(json);
            var metrics = Path.Combine(copy, "metrics.json");
            File.WriteAllText(metrics, json.ToJsonString());

            var result = CliProcess.Run("plot", copy);

            Assert.True(result.ExitCode == 2, result.ToString());
            AssertOneLine(result, $"error: {metrics}: {at} {expected}");
        }
    }

    private static CliResult Train(string outDir, params string[] args) =>
        CliProcess.Run([.. "train dae".Split(' '), .. Small, .. args, "--out", outDir]);

    /// <summary>The whole of stderr is one line that starts with <paramref name="start"/>, with no stack trace.</summary>
    /// <summary>A refusal of the command line: its one line, then the pointer to the verb's help.</summary>
    private static void AssertParseError(CliResult result, string line)
    {
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 2, result.ToString());
        Assert.Equal(line, lines[0].TrimEnd());
        Assert.StartsWith("run 'ilgpuae ", lines[1]);
    }

    private static string AssertOneLine(CliResult result, string start)
    {
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, result.ToString());
        Assert.StartsWith(start, lines[0]);
        Assert.DoesNotContain("   at ", result.Stderr);
        return lines[0].TrimEnd();
    }

    private static Dictionary<string, byte[]> Snapshot(string dir) =>
        Directory.EnumerateFiles(dir).ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes);

    private static void AssertUnchanged(Dictionary<string, byte[]> before, string dir)
    {
        var after = Snapshot(dir);
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        foreach (var (name, bytes) in before)
            Assert.True(bytes.AsSpan().SequenceEqual(after[name]), $"{name} changed");
    }

    /// <summary>Writes a filler file until the file system is full.</summary>
    private static void Fill(string dir)
    {
        using var filler = new FileStream(Path.Combine(dir, "filler"), FileMode.CreateNew);
        var block = new byte[4096];
        try
        {
            while (true)
            {
                filler.Write(block);
                filler.Flush();
            }
        }
        catch (IOException e) when (e.HResult == 28)
        {
            // ENOSPC: full, as wanted. The stream's buffer is empty (flushed after every block), so closing it writes nothing.
        }
    }
}

/// <summary>A small tmpfs mounted for one test (root only), unmounted on dispose.</summary>
internal sealed class Tmpfs : IDisposable
{
    private readonly TempDirectory mountPoint;

    private Tmpfs(TempDirectory mountPoint) => this.mountPoint = mountPoint;

    public string Path => mountPoint.Path;

    /// <summary>A tmpfs of <paramref name="size"/> (mount's syntax: "256k"), or null with the reason written to <paramref name="output"/>.</summary>
    public static Tmpfs? TryMount(string size, ITestOutputHelper output)
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
        {
            output.WriteLine($"skipped: mounting a tmpfs needs root on Linux (running as {Environment.UserName} on {Environment.OSVersion})");
            return null;
        }
        var dir = new TempDirectory();
        var (code, error) = Run("mount", "-t", "tmpfs", "-o", $"size={size}", "tmpfs", dir.Path);
        if (code == 0)
            return new Tmpfs(dir);
        output.WriteLine($"skipped: mount -t tmpfs failed ({code}): {error}");
        dir.Dispose();
        return null;
    }

    public void RemountReadOnly()
    {
        var (code, error) = Run("mount", "-o", "remount,ro", Path);
        Assert.True(code == 0, $"remount,ro failed ({code}): {error}");
    }

    public void Dispose()
    {
        var (code, error) = Run("umount", Path);
        Assert.True(code == 0, $"umount {Path} failed ({code}): {error}");
        mountPoint.Dispose();
    }

    private static (int Code, string Error) Run(string command, params string[] args)
    {
        var start = new ProcessStartInfo(command) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in args)
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, error.Trim());
    }
}
