namespace ILGPUAE.Tests.Cli;

using System.Text.Json;
using ILGPUAE.Data;
using ILGPUAE.IO;
using ILGPUAE.Tests.IO;
using ILGPUAE.Training.Deep;
using ILGPUAE.Training;

/// <summary>`ilgpuae train deep` as a user runs it: a short run on host end to end, and bad options refused in one line.</summary>
[Collection(InProcessCliCollection.Name)]
public sealed class TrainDeepCliTests
{
    [Fact]
    public void TrainsADeepAutoencoderEndToEndOnHost()
    {
        using var dir = new TempDirectory();
        var run = dir.File("run");
        var result = CliProcess.Run("train", "deep", "--accelerator", "host", "--layers", "8,6", "--scheme", "U", "--regularizer", "contract", "--contraction", "0.3",
            "--epochs", "1", "--joint-epochs", "2", "--train-limit", "200", "--valid-limit", "100", "--test-limit", "100", "--out", run);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("done: kept ", result.Stdout);
        Assert.Equal(["curves.png", "metrics.csv", "metrics.json", "model.safetensors", "train_state.safetensors"],
            Directory.GetFiles(run).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        var model = SafeTensorsFile.Read(Path.Combine(run, DaeCheckpoint.ModelFileName));
        Assert.Equal("mnist", model.Metadata[DeepTraining.DatasetKey]);
        Assert.Equal("U", model.Metadata[DeepTraining.SchemeKey]);
        Assert.Equal("contract", model.Metadata[DeepTraining.RegularizerKey]);
        Assert.Equal("1", model.Metadata[DeepTraining.SeedKey]);
        Assert.Equal(["layer0.W", "layer0.b_hidden", "layer1.W", "layer1.b_hidden", "layer1.b_visible", "layer0.b_visible"], model.Tensors.Select(t => t.Name));

        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, DaeCheckpoint.MetricsFileName)));
        var options = metrics.RootElement.GetProperty("options");
        Assert.Equal(0.005, options.GetProperty("learning_rate").GetDouble(), 1e-9);
        Assert.Equal(100, options.GetProperty("batch").GetInt32());
        Assert.Equal("RmsProp", options.GetProperty("optimizer").GetProperty("kind").GetString());
        Assert.Equal(0.9, options.GetProperty("optimizer").GetProperty("rms_prop_alpha").GetDouble(), 1e-6);
        var phases = metrics.RootElement.GetProperty("phases").EnumerateArray().ToList();
        Assert.Equal(["layer 1", "layer 2", "joint"], phases.Select(p => p.GetProperty("name").GetString()));
        Assert.Equal([1, 1, 2], phases.Select(p => p.GetProperty("epochs").GetArrayLength()));
        Assert.False(phases[2].GetProperty("regularized").GetBoolean());
        // One summary line per epoch, with the input-space figures.
        Assert.Equal(4, result.Stdout.Split('\n').Count(l => l.Contains("input-space reconstruction", StringComparison.Ordinal)));
    }

    public static TheoryData<string[], string> BadOptions => new()
    {
        { ["--scheme", "X"], "--scheme" },
        { ["--layers", "8,0"], "--layers" },
        { ["--noise", "-1"], "--noise" },
        { ["--noise-kind", "masking", "--noise", "1.5"], "--noise 1.5" },
        { ["--noise-kind", "salt-and-pepper", "--noise", "1.5"], "--noise 1.5: expected a salt-and-pepper probability in [0, 1]" },
        { ["--noise-kind", "salt_and_pepper"], "--noise-kind salt_and_pepper: expected gaussian, masking or salt-and-pepper" },
        { ["--noise-kind", "SaltAndPepper"], "--noise-kind SaltAndPepper" },
        { ["--regularizer", "l2", "--weight-decay", "0"], "--weight-decay 0" },
        { ["--contraction", "-0.5"], "--contraction" },
        { ["--joint-epochs", "0"], "--joint-epochs" },
        { ["--valid-limit", "0"], "--valid-limit" },
        // Refused by the memory check before any data is read or anything written.
        { ["--layers", "70000,70000"], "--layers 70000,70000" },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void BadOptionIsRefusedInOneLine(string[] bad, string named)
    {
        using var dir = new TempDirectory();
        var result = InProcessCli.Run(["train", "deep", "--accelerator", "host", "--epochs", "1", "--train-limit", "20", "--out", dir.File("out"), .. bad]);
        InProcessCli.AssertRefused(result, named);
        Assert.False(Directory.Exists(dir.File("out")), result.ToString());
    }

    /// <summary>
    /// Table I's GSN setup end to end on a tiny limit: `train deep` with salt-and-pepper noise on binarised data says so in its summary
    /// line and its model's metadata, and `sample` on that run starts its chain binarised and says so in parzen.json.
    /// </summary>
    [Fact]
    public void TrainsTheGsnSetupAndSamplesIt()
    {
        using var dir = new TempDirectory();
        var run = dir.File("run");
        var train = InProcessCli.Run("train", "deep", "--accelerator", "host", "--layers", "20", "--scheme", "J", "--regularizer", "denoise",
            "--noise-kind", "salt-and-pepper", "--noise", "0.4", "--binarize", "--epochs", "1", "--train-limit", "200", "--valid-limit", "100",
            "--test-limit", "100", "--out", run);

        Assert.True(train.ExitCode == 0, train.ToString());
        // The console wraps the summary line at its width.
        var words = string.Join(" ", train.Stdout.Split([' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("data: MNIST binarised (x > 0.5), 200 train / 100 validation / 100 test; deep autoencoder 784-20, scheme J, denoise (salt-and-pepper 0.4)",
            words);
        var model = SafeTensorsFile.Read(Path.Combine(run, DaeCheckpoint.ModelFileName));
        Assert.Equal("true", model.Metadata[Binarization.MetadataKey]);
        Assert.Equal("salt-and-pepper", model.Metadata[DeepTraining.NoiseKindKey]);
        Assert.Equal("0.4", model.Metadata[DeepTraining.NoiseKey]);

        var sample = InProcessCli.Run("sample", "--model", run, "--accelerator", "host", "--samples", "40", "--test-limit", "20");

        Assert.True(sample.ExitCode == 0, sample.ToString());
        Assert.Contains("from the binarised test image", sample.Stdout);
        using var parzen = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "parzen.json")));
        Assert.True(parzen.RootElement.GetProperty("binarize").GetBoolean());
    }

    /// <summary>--binarize is saved with the run: resuming a run made without it, with it, is refused in one line and leaves the run as it was.</summary>
    [Fact]
    public void ResumeRefusesAChangedBinarize()
    {
        using var dir = new TempDirectory();
        var run = dir.File("run");
        var train = InProcessCli.Run("train", "deep", "--accelerator", "host", "--layers", "3", "--epochs", "1", "--train-limit", "20", "--valid-limit", "10",
            "--test-limit", "10", "--out", run);
        Assert.True(train.ExitCode == 0, train.ToString());
        var before = Directory.GetFiles(run).ToDictionary(f => f, File.ReadAllBytes);

        var resumed = InProcessCli.Run("train", "deep", "--accelerator", "host", "--resume", run, "--binarize");

        InProcessCli.AssertRefused(resumed, $"--resume {run}: --binarize differs from the run's false");
        Assert.All(before, f => Assert.Equal(f.Value, File.ReadAllBytes(f.Key)));
    }

    /// <summary>A diverging run stops at the first non-finite loss in one line naming the step, the phase and what is kept (on_nan stop).</summary>
    [Fact]
    public void DivergingRunStopsInOneLine()
    {
        using var dir = new TempDirectory();
        var result = InProcessCli.Run("train", "deep", "--accelerator", "host", "--layers", "8,6", "--scheme", "L", "--regularizer", "contract", "--optimizer", "sgd",
            "--lr", "1e30", "--epochs", "1", "--train-limit", "200", "--valid-limit", "100", "--test-limit", "100", "--out", dir.File("out"));
        var line = InProcessCli.AssertRefused(result, "became NaN at epoch 1, step ");
        Assert.Contains("try a lower --lr", line);
        Assert.Contains("no checkpoint of layer 1 was written", line);
    }
}
