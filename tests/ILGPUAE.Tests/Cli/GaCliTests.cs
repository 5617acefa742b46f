namespace ILGPUAE.Tests.Cli;

using System.Globalization;
using System.Text.Json;
using ILGPUAE.IO;
using ILGPUAE.Tests.IO;
using ILGPUAE.Training;
using ILGPUAE.Training.Genetic;

/// <summary>
/// `ilgpuae train ga` as a user runs it on halves: the run's files, a model.safetensors in `train dae`'s layout that `eval` reads to the
/// test loss the run reported, a killed run resumed to the bytes of one never interrupted, a fixed seed repeating its bytes on ILGPU's
/// CPU accelerator, and bad options refused in one line.
/// </summary>
[Collection(InProcessCliCollection.Name)]
public sealed class GaCliTests
{
    // Two islands of 8 tied 100 → 5 autoencoders, minibatches of 20: 5 generations an epoch, 2 epochs, a migration every 2 generations,
    // one memetic SGD step per offspring, a checkpoint every 3 generations.
    private static readonly string[] Short = ["train", "ga", "--accelerator", "host", "--dataset", "halves", "--hidden", "5", "--population", "8", "--batch", "20",
        "--epochs", "2", "--islands", "2", "--migration-interval", "2", "--memetic-steps", "1", "--checkpoint-every", "3"];

    [Fact]
    public void WritesTheBestIndividualAsATiedDaeModelThatEvalScoresAsTheRunDid()
    {
        using var dir = new TempDirectory();
        var run = dir.File("run");
        var result = CliProcess.Run([.. Short, "--out", run]);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["filters.png", "fitness.png", "metrics.csv", "metrics.json", "model.safetensors", "reconstructions.png", "train_state.safetensors"],
            Directory.GetFiles(run).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        var model = SafeTensorsFile.Read(Path.Combine(run, DaeCheckpoint.ModelFileName));
        Assert.Equal(DaeCheckpoint.Format, model.Metadata[DaeCheckpoint.FormatKey]);
        Assert.Equal(GaTraining.Format, model.Metadata["trained_by"]);
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, DaeCheckpoint.MetricsFileName)));
        Assert.Equal(2, metrics.RootElement.GetProperty("epochs").GetArrayLength());
        // Every generation on both islands, with the best no worse than the mean.
        var generations = metrics.RootElement.GetProperty("generations").EnumerateArray().ToList();
        Assert.Equal(20, generations.Count);
        Assert.All(generations, g => Assert.True(g.GetProperty("best").GetDouble() <= g.GetProperty("mean").GetDouble()));
        var reported = metrics.RootElement.GetProperty("epochs")[1].GetProperty("test_loss").GetDouble();

        var eval = CliProcess.Run("eval", "--model", run, "--accelerator", "host");
        Assert.True(eval.ExitCode == 0, eval.ToString());
        var line = eval.Stdout.Split('\n').Single(l => l.StartsWith("test loss", StringComparison.Ordinal));
        var evaluated = double.Parse(line[(line.LastIndexOf(':') + 1)..].Trim(), CultureInfo.InvariantCulture);
        Assert.Equal(reported, evaluated, 1e-4 * reported);
    }

    // Killed after generation 7 (in the second epoch, after the checkpoint at generation 6); resumed to the end.
    [Fact]
    public void AKilledRunResumesToTheBytesOfAnUninterruptedOne() => KilledRun.AssertResumesToTheSameBytes(Short, "step-7",
        run => ["train", "ga", "--resume", run, "--accelerator", "host", "--checkpoint-every", "3"]);

    [Fact]
    public void AFixedSeedRepeatsItsBytesOnTheCpuAcceleratorAndAnotherSeedDoesNot()
    {
        using var dir = new TempDirectory();
        string[] tiny = ["train", "ga", "--accelerator", "cpu", "--dataset", "halves", "--hidden", "3", "--population", "4", "--batch", "50", "--islands", "2",
            "--migration-interval", "1"];
        string State(string name, string seed)
        {
            var run = dir.File(name);
            var result = CliProcess.Run([.. tiny, "--seed", seed, "--out", run]);
            Assert.True(result.ExitCode == 0, result.ToString());
            return Convert.ToHexString(File.ReadAllBytes(Path.Combine(run, DaeCheckpoint.StateFileName)));
        }
        var first = State("first", "1");
        Assert.Equal(first, State("again", "1"));
        Assert.NotEqual(first, State("other", "2"));
    }

    [Theory]
    [InlineData("--offspring", "8", "--offspring 8: expected an integer in [1, 7]")]
    [InlineData("--crossover", "three-point", "--crossover three-point: expected uniform, one-point, two-point or blend")]
    [InlineData("--migrants", "8", "--migrants")]
    [InlineData("--mutation-rate", "2", "--mutation-rate")]
    [InlineData("--elites", "8", "--elites 8")]
    [InlineData("--train-limit", "10", "--batch 20: expected at most the 10 training images")]
    public void BadOptionsAreRefusedInOneLine(string flag, string value, string message)
    {
        using var dir = new TempDirectory();
        var result = CliProcess.Run([.. Short, flag, value, "--out", dir.File("run")]);
        InProcessCli.AssertRefused(result, message);
    }

    [Fact]
    public void CompareGaGivesEveryMethodTheBudgetWritesItsRowsAsItGoesAndARerunSkipsThem()
    {
        using var dir = new TempDirectory();
        var run = dir.File("compare");
        string[] args = ["compare", "ga", "--accelerator", "host", "--dataset", "halves", "--hidden", "5", "--population", "8", "--batch", "20",
            "--seconds", "0.2", "--out", run];
        var result = CliProcess.Run(args);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["loss.png", "rows.csv", "summary.md"], Directory.GetFiles(run).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        var rows = File.ReadAllLines(Path.Combine(run, GaComparison.RowsFile));
        Assert.Equal("method,epoch,seconds,test_loss", rows[0]);
        foreach (var method in new[] { GaComparison.Ga, GaComparison.Memetic, GaComparison.Sgd })
        {
            var mine = rows.Skip(1).Select(l => l.Split(',')).Where(f => f[0] == method).ToList();
            Assert.NotEmpty(mine);
            // Epochs 1, 2, … in order, time rising, and the last past the budget, the one before it not.
            Assert.Equal(Enumerable.Range(1, mine.Count).Select(e => e.ToString(CultureInfo.InvariantCulture)), mine.Select(f => f[1]));
            var seconds = mine.Select(f => double.Parse(f[2], CultureInfo.InvariantCulture)).ToList();
            Assert.True(seconds.Zip(seconds.Skip(1)).All(p => p.First < p.Second), method);
            Assert.True(seconds[^1] >= 0.2 && (seconds.Count == 1 || seconds[^2] < 0.2), method);
            Assert.All(mine, f => Assert.True(double.IsFinite(double.Parse(f[3], CultureInfo.InvariantCulture))));
        }
        Assert.Contains("| sgd |", File.ReadAllText(Path.Combine(run, GaComparison.SummaryFile)));

        var rerun = CliProcess.Run(args);
        Assert.True(rerun.ExitCode == 0, rerun.ToString());
        Assert.Equal(rows, File.ReadAllLines(Path.Combine(run, GaComparison.RowsFile)));
        Assert.Equal(3, rerun.Stdout.Split('\n').Count(l => l.EndsWith($"done in {GaComparison.RowsFile}", StringComparison.Ordinal)));
    }

    [Fact]
    public void CompareGaRefusesABudgetOfNoTimeInOneLine()
    {
        using var dir = new TempDirectory();
        InProcessCli.AssertRefused(CliProcess.Run("compare", "ga", "--dataset", "halves", "--seconds", "0", "--out", dir.File("run")), "--seconds 0");
    }
}
