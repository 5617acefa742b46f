namespace ILGPUAE.Tests.Cli;

using System.Text.Json;
using ILGPUAE.Tests.IO;

/// <summary>
/// Finding 3 of issue 13, each case as the issue reports it: options read as something else (a decimal comma, a missing value,
/// a stray word, --resume beside options that differ), an error blaming an option never given, and parse errors that printed
/// the whole help. In process, but for the few that check what the real program prints.
/// </summary>
[Collection(InProcessCliCollection.Name)]
public sealed class StrictParsingTests
{
    private static readonly string[] Small = ["--accelerator", "host", "--epochs", "1", "--train-limit", "20", "--test-limit", "10"];

    [Fact]
    public void ADecimalCommaIsRefusedNotReadAsAThousandsSeparator()
    {
        using var dir = new TempDirectory();
        var result = InProcessCli.Run(["train", "dae", .. Small, "--hidden", "3", "--lr", "0,05", "--out", dir.File("out")]);

        var line = InProcessCli.AssertRefused(result, "--lr 0,05");
        Assert.Contains("0.05 (a dot for decimals", line);
        Assert.False(Directory.Exists(dir.File("out")));
    }

    [Theory]
    [InlineData("last")]
    [InlineData("before another option")]
    public void AMissingValueIsRefusedNotReadAsTheDefault(string where)
    {
        using var dir = new TempDirectory();
        string[] tail = where == "last" ? ["--hidden"] : ["--hidden", "--seed", "2"];
        var result = InProcessCli.Run(["train", "dae", .. Small, "--out", dir.File("out"), .. tail]);

        Assert.Contains("missing value", InProcessCli.AssertRefused(result, "--hidden"));
        Assert.False(Directory.Exists(dir.File("out")));
    }

    [Theory]
    [InlineData("--out")]
    [InlineData("--lr")]
    [InlineData("--data-dir")]
    public void AnEmptyValueIsRefused(string option)
    {
        using var dir = new TempDirectory();
        string[] outDir = option == "--out" ? [] : ["--out", dir.File("out")];
        var result = InProcessCli.Run(["train", "dae", .. Small, "--hidden", "3", .. outDir, option, ""]);

        InProcessCli.AssertRefused(result, $"{option} \"\"");
        Assert.False(Directory.Exists(dir.File("out")));
    }

    [Fact]
    public void AStrayWordIsRefusedNotIgnored()
    {
        using var dir = new TempDirectory();
        var result = InProcessCli.Run(["train", "dae", .. Small, "--hidden", "3", "--out", dir.File("out"), "stray"]);

        InProcessCli.AssertRefused(result, "'stray': unexpected word");
        Assert.False(Directory.Exists(dir.File("out")));
    }

    [Fact]
    public void AResumeWithOptionsThatDifferIsRefusedNamingEachWithTheSavedValue()
    {
        using var dir = new TempDirectory();
        var run = dir.File("run");
        Assert.Equal(0, InProcessCli.Run(["train", "dae", .. Small, "--hidden", "3", "--lr", "0.1", "--out", run]).ExitCode);
        var saved = Files(run);

        var result = InProcessCli.Run(["train", "dae", "--resume", run, "--epochs", "2", "--hidden", "50", "--lr", "5", "--out", dir.File("other")]);

        var line = InProcessCli.AssertRefused(result, $"--resume {run}: ");
        Assert.Contains("--hidden 50 differs from the run's 3", line);
        Assert.Contains("--lr 5 differs from the run's 0.1", line);
        Assert.Contains($"--out {dir.File("other")} is not the run's directory", line);
        Assert.Contains("only --epochs, --accelerator, --device, --data-dir, --checkpoint-every may change", line);
        Assert.Equal(saved, Files(run));
        Assert.False(Directory.Exists(dir.File("other")));
    }

    [Fact]
    public void AResumeWithTheSavedValuesAndANewEpochTotalContinues()
    {
        using var dir = new TempDirectory();
        var run = dir.File("run");
        Assert.Equal(0, InProcessCli.Run(["train", "dae", .. Small, "--hidden", "3", "--lr", "0.1", "--out", run]).ExitCode);

        // The first command line again, with --resume and a new total: every option the same as saved, --epochs changeable.
        var result = InProcessCli.Run(["train", "dae", .. Small[..2], "--epochs", "2", .. Small[4..], "--hidden", "3", "--lr", "0.10", "--out", run + "/", "--resume", run]);

        Assert.True(result.ExitCode == 0, result.ToString());
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "metrics.json")));
        Assert.Equal(2, metrics.RootElement.GetProperty("epochs").GetArrayLength());
    }

    [Fact]
    public void APretrainResumeWithOtherOptionsIsRefusedToo()
    {
        using var dir = new TempDirectory();
        var run = dir.File("run");
        Assert.Equal(0, InProcessCli.Run(["pretrain", .. Small, "--hidden", "3,2", "--out", run]).ExitCode);

        var result = InProcessCli.Run(["pretrain", "--resume", run, "--hidden", "3,2", "--batch", "4", "--seed", "1"]);

        var line = InProcessCli.AssertRefused(result, "--batch 4 differs from the run's 1");
        Assert.DoesNotContain("--hidden", line);
        Assert.DoesNotContain("--seed", line);
    }

    [Fact]
    public void PretrainWithHiddenAloneRunsInsteadOfBlamingCorruption()
    {
        using var dir = new TempDirectory();
        var run = dir.File("run");
        var result = InProcessCli.Run(["pretrain", .. Small, "--hidden", "3,2", "--out", run]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.DoesNotContain("--corruption", result.Stderr);
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "metrics.json")));
        var corruption = metrics.RootElement.GetProperty("options").GetProperty("corruption").EnumerateArray().Select(e => e.GetSingle());
        Assert.Equal([0.1f, 0.2f], corruption);
    }

    [Theory]
    [InlineData("--weight-decay", "-1")]
    [InlineData("--eps", "-1")]
    [InlineData("--rmsprop-alpha", "2")]
    [InlineData("--clip-grad-norm", "0")]
    public void AnOptimizerSettingOutOfRangeBlamesItsOwnOptionNotOptimizer(string option, string value)
    {
        using var dir = new TempDirectory();
        var result = InProcessCli.Run(["train", "dae", .. Small, "--hidden", "3", "--out", dir.File("out"), option, value]);

        var line = InProcessCli.AssertRefused(result, $"{option} {value}");
        Assert.DoesNotContain("--optimizer", line);
    }

    [Fact]
    public void FinetuneRandomStackWidthsOutOfRangeBlameHidden()
    {
        using var dir = new TempDirectory();
        var result = InProcessCli.Run(["finetune", "--init", "random", "--hidden", "0,3", "--accelerator", "host", "--out", dir.File("out")]);

        InProcessCli.AssertRefused(result, "--hidden 0,3");
    }

    /// <summary>The real program: one line and the pointer to the verb's help on stderr, not the help itself.</summary>
    [Fact]
    public void AParseErrorPrintsOneLineAndAPointerToTheHelp()
    {
        var result = CliProcess.Run("train", "dae", "--bogus", "1");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(["error: --bogus: unknown option", "run 'ilgpuae train dae --help' for the options"],
            result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    [Fact]
    public void HelpStillPrintsTheHelp()
    {
        var result = CliProcess.Run("train", "dae", "--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("--hidden", result.Stderr + result.Stdout);
        Assert.Contains("--resume", result.Stderr + result.Stdout);
    }

    [Fact]
    public void TheRealProgramRefusesADecimalComma()
    {
        using var dir = new TempDirectory();
        var result = CliProcess.Run(["pretrain", .. Small, "--lr", "0,001", "--out", dir.File("out")]);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: --lr 0,001: expected a number such as 0.05", result.Stderr);
        Assert.False(Directory.Exists(dir.File("out")));
    }

    private static string[] Files(string run) =>
        [.. Directory.EnumerateFiles(run, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Select(f => $"{f} {File.GetLastWriteTimeUtc(f):O}")];
}
