namespace ILGPUAE.Tests.Training;

using System.Text.Json;
using ILGPUAE.Backends;
using ILGPUAE.Data;
using ILGPUAE.IO;
using ILGPUAE.Tests.Cli;
using ILGPUAE.Tests.IO;
using ILGPUAE.Training;
using ILGPUAE.Training.Stacked;

/// <summary>
/// on_nan halve-lr (issue 13): on a non-finite loss, test loss or weight the run goes back to the last good state at half the
/// rate, says so in one line and records it in metrics.json; the halved rate is saved, so --resume keeps it; after
/// <see cref="NanPolicies.MaxHalvings"/> restarts it stops as the default policy does.
/// </summary>
public sealed class HalveLearningRateTests
{
    /// <summary>Keeps the notes, the lines a run prints besides its epochs.</summary>
    private sealed class NoteTaker : ITrainingObserver
    {
        public List<string> Notes { get; } = [];

        public void Note(string message) => Notes.Add(message);

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

    /// <summary>
    /// At lr 2e38 a cross-entropy DAE diverges; halved three times (to 2.5e37) it trains on. The third restart is the weight
    /// scan's: at 5e37 W overflows while the losses stay finite (the cross-entropy clamps its logs).
    /// </summary>
    [Fact]
    public void TrainDaeHalvesTheRateUntilItTrainsAndResumeKeepsTheHalvedRate()
    {
        using var dir = new TempDirectory();
        var run = dir.File("dae");
        string[] small = ["--hidden", "12", "--batch", "10", "--train-limit", "200", "--test-limit", "50", "--accelerator", "host"];

        var trained = CliProcess.Run(["train", "dae", "--loss", "xent", "--lr", "2e38", "--epochs", "2", "--on-nan", "halve-lr", "--out", run, .. small]);

        Assert.True(trained.ExitCode == 0, trained.ToString());
        var lines = trained.Stdout.Replace("\n", " ").Split("halvings)");
        Assert.Equal(4, lines.Length);
        Assert.Contains("loss became NaN at epoch 1, step 3: back to the state after epoch 0, learning rate halved to 1E+38 (1 of 5", trained.Stdout.Replace("\n", ""));
        Assert.Contains("a value of parameter 'W' is not finite at epoch 1, step 20: back to the state after epoch 0", trained.Stdout.Replace("\n", ""));
        using (var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "metrics.json"))))
        {
            var epochs = metrics.RootElement.GetProperty("epochs");
            var restarts = epochs[0].GetProperty("nan_restarts").EnumerateArray().Select(r => (float)r.GetProperty("learning_rate").GetDouble()).ToArray();
            Assert.Equal([1e38f, 5e37f, 2.5e37f], restarts);
            Assert.False(epochs[1].TryGetProperty("nan_restarts", out _));
        }
        foreach (var file in new[] { "model.safetensors", "train_state.safetensors" })
            Assert.All(SafeTensorsFile.Read(Path.Combine(run, file)).Tensors, t => Assert.True(t.Data.All(float.IsFinite), $"{file}: {t.Name}"));

        var resumed = CliProcess.Run("train", "dae", "--resume", run, "--epochs", "3", "--accelerator", "host");
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains("lr 2.5E+37", resumed.Stdout.Replace("\n", ""));
    }

    /// <summary>A training example holding a NaN diverges at every rate: five restarts, then the stop names the layer's state.</summary>
    [Fact]
    public void PretrainStopsAfterFiveHalvings()
    {
        using var dir = new TempDirectory();
        var splits = MnistSplits.Value;
        var pixels = splits.Train.Take(100).Pixels;
        pixels[37 * splits.Train.Features + 200] = float.NaN;
        var train = new Dataset("poisoned", 100, splits.Train.Shape, pixels, splits.Train.Take(100).Labels);
        var options = new StackOptions { Hidden = [8], Corruption = [0.2f], Batch = 10, Epochs = 1, LearningRate = 0.1f, TestLimit = 20, OnNan = NanPolicy.HalveLearningRate };
        var observer = new NoteTaker();

        var error = Assert.Throws<TrainingDivergedException>(() => StackPretraining.Run(
            new StackRunRequest(options, AcceleratorKind.Host, 0, null, dir.Path, Resume: false, Force: true, splits with { Train = train }), observer));

        var restarts = observer.Notes.Where(n => n.Contains("learning rate halved")).ToList();
        Assert.Equal(NanPolicies.MaxHalvings, restarts.Count);
        Assert.EndsWith("learning rate halved to 0.003125 (5 of 5 halvings)", restarts[^1]);
        Assert.EndsWith("; no checkpoint of this layer was written", error.Message);
        Assert.False(File.Exists(Path.Combine(dir.Path, "layer0", "model.safetensors")));
    }

    [Fact]
    public void FinetuneRefusesHalveLrInOneLine()
    {
        var options = new FinetuneOptions { OnNan = NanPolicy.HalveLearningRate };

        var error = Assert.Throws<InputException>(options.Validate);

        Assert.StartsWith("on_nan halve-lr: expected stop or skip-batch", error.Message);
    }
}
