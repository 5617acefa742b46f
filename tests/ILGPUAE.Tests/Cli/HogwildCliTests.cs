namespace ILGPUAE.Tests.Cli;

using System.Text.Json;
using ILGPUAE.Tests.IO;

/// <summary>
/// `--hogwild K` end to end on ILGPU's CPU accelerator, where K workers of the Hogwild kernel run: the run
/// learns, and metrics.json records K and that the run is not reproducible; bad combinations are refused.
/// </summary>
public sealed class HogwildCliTests
{
    [Fact]
    public void TrainDaeWithHogwildOnTheCpuAcceleratorRecordsItAndLearns()
    {
        using var dir = new TempDirectory();
        var outDir = dir.File("run");
        var result = CliProcess.Run("train", "dae", "--accelerator", "cpu", "--hogwild", "4", "--hidden", "20", "--epochs", "2",
            "--train-limit", "500", "--test-limit", "100", "--out", outDir);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("hogwild 4 (not reproducible)", result.Stdout);

        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "metrics.json")));
        var options = metrics.RootElement.GetProperty("options");
        Assert.Equal(4, options.GetProperty("hogwild").GetInt32());
        Assert.False(options.GetProperty("reproducible").GetBoolean());
        var epochs = metrics.RootElement.GetProperty("epochs").EnumerateArray().ToList();
        Assert.Equal(2, epochs.Count);
        var (first, second) = (epochs[0].GetProperty("train_loss").GetDouble(), epochs[1].GetProperty("train_loss").GetDouble());
        // Squared error of an untrained 784→20 model is ≈ 50 per image; per-sample SGD roughly halves it in one epoch.
        Assert.True(double.IsFinite(first) && second < first && second < 30, $"train losses {first}, {second}");
    }

    [Fact]
    public void PretrainWithHogwildRecordsItForTheStack()
    {
        using var dir = new TempDirectory();
        var outDir = dir.File("stack");
        var result = CliProcess.Run("pretrain", "--accelerator", "cpu", "--hogwild", "2", "--hidden", "20,10", "--corruption", "0.2", "--epochs", "1",
            "--train-limit", "300", "--test-limit", "50", "--out", outDir);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("hogwild 2 (not reproducible)", result.Stdout);

        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "metrics.json")));
        var options = metrics.RootElement.GetProperty("options");
        Assert.Equal(2, options.GetProperty("hogwild").GetInt32());
        Assert.False(options.GetProperty("reproducible").GetBoolean());
        Assert.Equal(2, metrics.RootElement.GetProperty("layers").GetArrayLength());
    }

    [Fact]
    public void SequentialRunsRecordThatTheyAreReproducible()
    {
        using var dir = new TempDirectory();
        var outDir = dir.File("run");
        var result = CliProcess.Run("train", "dae", "--accelerator", "host", "--hidden", "5", "--epochs", "1",
            "--train-limit", "50", "--test-limit", "20", "--out", outDir);
        Assert.True(result.ExitCode == 0, result.ToString());
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "metrics.json")));
        var options = metrics.RootElement.GetProperty("options");
        Assert.Equal(0, options.GetProperty("hogwild").GetInt32());
        Assert.True(options.GetProperty("reproducible").GetBoolean());
    }

    [Fact]
    public void PretrainRefusesAHogwildCountOutOfRange()
    {
        using var dir = new TempDirectory();
        var outDir = dir.File("stack");
        var result = CliProcess.Run("pretrain", "--accelerator", "host", "--hogwild", "300", "--hidden", "5", "--corruption", "0.2", "--epochs", "1",
            "--train-limit", "50", "--out", outDir);
        Assert.Equal("error: --hogwild 300: expected an integer from 0 (sequential) to 256", BadInputCliTests.AssertBadInput(result));
        Assert.False(Directory.Exists(outDir), $"{outDir} was created");
    }

    [Fact]
    public void HogwildOnTheCpuAcceleratorRefusesMinibatches()
    {
        using var dir = new TempDirectory();
        var outDir = dir.File("run");
        var result = CliProcess.Run("train", "dae", "--accelerator", "cpu", "--hogwild", "2", "--batch", "10", "--hidden", "5", "--epochs", "1",
            "--train-limit", "50", "--test-limit", "20", "--out", outDir);
        var message = BadInputCliTests.AssertBadInput(result);
        Assert.StartsWith("error: --hogwild 2 with --batch 10:", message);
        Assert.Contains("expected --batch 1", message);
    }
}
