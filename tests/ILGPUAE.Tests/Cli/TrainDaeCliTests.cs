namespace ILGPUAE.Tests.Cli;

using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using ILGPUAE.Backend;
using ILGPUAE.Random;
using ILGPUAE.Tests.Evaluation;
using ILGPUAE.Tests.IO;
using ILGPUAE.Tests.Training;

/// <summary>Two short `train dae` runs shared by the tests below; each test copies what it changes.</summary>
public sealed class TrainDaeRuns : IDisposable
{
    private readonly TempDirectory root = new();

    public TrainDaeRuns()
    {
        // The run of the spec: per-sample SGD, mse, 1 epoch of 300 images, test loss on 200.
        ShortRun = Path.Combine(root.Path, "short");
        Short = CliProcess.Run("train", "dae", "--hidden", "20", "--epochs", "1", "--train-limit", "300", "--test-limit", "200",
            "--accelerator", "cpu", "--out", ShortRun);
        // One epoch of a cross-entropy run with momentum and minibatches, to resume from.
        OneEpochRun = Path.Combine(root.Path, "one-epoch");
        OneEpoch = CliProcess.Run([.. MomentumRunArgs, "--epochs", "1", "--out", OneEpochRun]);
    }

    public static string[] MomentumRunArgs =>
    [
        "train", "dae", "--hidden", "20", "--loss", "xent", "--lr", "0.02", "--momentum", "0.9", "--batch", "4",
        "--train-limit", "100", "--test-limit", "50", "--seed", "7", "--accelerator", "cpu",
    ];

    public string ShortRun { get; }
    public CliResult Short { get; }
    public string OneEpochRun { get; }
    public CliResult OneEpoch { get; }

    public string NewDirectory(string name) => Path.Combine(root.Path, name);

    public void Dispose() => root.Dispose();
}

public sealed class TrainDaeCliTests(TrainDaeRuns runs) : IClassFixture<TrainDaeRuns>
{
    private const int Visible = 784, Hidden = 20, TestImages = 200;

    [Fact]
    public void ShortRunWritesItsFilesAndMetrics()
    {
        Assert.True(runs.Short.ExitCode == 0, runs.Short.ToString());
        Assert.Equal(["curves.png", "metrics.csv", "metrics.json", "model.safetensors", "train_state.safetensors"],
            Directory.GetFiles(runs.ShortRun).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(ILGPUAE.Evaluation.TrainingCurves.Size(1), PngFile.Size(Path.Combine(runs.ShortRun, "curves.png")));

        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(runs.ShortRun, "metrics.json")));
        var root = metrics.RootElement;
        Assert.StartsWith("cpu", root.GetProperty("accelerator").GetString());
        var options = root.GetProperty("options");
        Assert.Equal(Hidden, options.GetProperty("hidden").GetInt32());
        Assert.Equal(1, options.GetProperty("epochs").GetInt32());
        Assert.Equal(300, options.GetProperty("train_limit").GetInt32());
        Assert.Equal(TestImages, options.GetProperty("test_limit").GetInt32());
        Assert.Equal("SquaredError", options.GetProperty("loss").GetString());
        var epoch = Assert.Single(root.GetProperty("epochs").EnumerateArray());
        Assert.Equal(1, epoch.GetProperty("epoch").GetInt32());
        var trainLoss = epoch.GetProperty("train_loss").GetDouble();
        var testLoss = epoch.GetProperty("test_loss").GetDouble();
        var seconds = epoch.GetProperty("seconds").GetDouble();
        var rate = epoch.GetProperty("samples_per_second").GetDouble();
        Assert.True(double.IsFinite(trainLoss) && trainLoss > 0, $"train_loss {trainLoss}");
        Assert.True(double.IsFinite(testLoss) && testLoss > 0, $"test_loss {testLoss}");
        Assert.True(seconds > 0, $"seconds {seconds}");
        Assert.Equal(300 / seconds, rate, 1e-9 * rate);

        var model = SpecSafeTensors.Read(Path.Combine(runs.ShortRun, "model.safetensors"));
        Assert.Equal(["W", "b_hidden", "b_visible"], model.Order);
        Assert.Equal("1", model.Metadata["epochs"]);
        var state = SpecSafeTensors.Read(Path.Combine(runs.ShortRun, "train_state.safetensors"));
        Assert.Equal("1", state.Metadata["epochs"]);
        Assert.Equal("300", state.Metadata["steps"]);
        Assert.Empty(state.Tensors); // momentum 0: no velocity buffers
    }

    [Fact]
    public void EvalPrintsTheTestLossTheRunRecorded()
    {
        Assert.True(runs.Short.ExitCode == 0, runs.Short.ToString());
        var eval = CliProcess.Run("eval", "--model", runs.ShortRun, "--accelerator", "cpu");

        Assert.True(eval.ExitCode == 0, eval.ToString());
        var match = Regex.Match(eval.Stdout, @"test loss \((\w+), (\d+) examples\): (\S+)");
        Assert.True(match.Success, eval.ToString());
        Assert.Equal("SquaredError", match.Groups[1].Value);
        Assert.Equal(TestImages, int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture));
        var printed = double.Parse(match.Groups[3].Value, CultureInfo.InvariantCulture);
        var recorded = RecordedTestLoss(runs.ShortRun);
        Assert.True(Math.Abs(printed - recorded) <= 1e-6 * recorded, $"eval printed {printed:R}, metrics.json has {recorded:R}");
    }

    [Fact]
    public void AnIndependentReaderAndDoubleForwardPassReproduceTheTestLoss()
    {
        Assert.True(runs.Short.ExitCode == 0, runs.Short.ToString());
        var model = SpecSafeTensors.Read(Path.Combine(runs.ShortRun, "model.safetensors"));
        using var options = JsonDocument.Parse(model.Metadata["options"]);
        Assert.Equal("SquaredError", options.RootElement.GetProperty("loss").GetString());
        var p = DaeParameters.FromFloats(Visible, Hidden,
            model.Data("W", Hidden, Visible), model.Data("b_hidden", Hidden), model.Data("b_visible", Visible));

        var x = Closeness.ToDouble(MnistSample.Test(TestImages));
        var loss = ReferenceDae.MeanLoss(LossKind.SquaredError, p, TestImages, x, x);

        var recorded = RecordedTestLoss(runs.ShortRun);
        Assert.True(Math.Abs(loss - recorded) <= 1e-5 * recorded, $"double forward pass gives {loss:R}, metrics.json has {recorded:R}");
    }

    [Fact]
    public void TrainingLowersTheTestLossBelowTheUntrainedModels()
    {
        // Smoke test, paired with an independent figure: the untrained model's loss, with W drawn here from the
        // spec (U[±4√(6/(h+v))] from the Init stream, biases 0) and evaluated by the double reference.
        Assert.True(runs.Short.ExitCode == 0, runs.Short.ToString());
        const ulong seed = 1; // the CLI's default --seed
        var range = 4 * Math.Sqrt(6.0 / (Hidden + Visible));
        var w = new double[Hidden * Visible];
        for (var h = 0; h < Hidden; h++)
            for (var v = 0; v < Visible; v++)
                w[h * Visible + v] = (float)(range * (2 * CounterRng.Uniform(seed, (uint)RngStream.Init, 0, (uint)h, (uint)v) - 1));
        var untrained = new DaeParameters(Visible, Hidden, w, new double[Hidden], new double[Visible]);
        var x = Closeness.ToDouble(MnistSample.Test(TestImages));
        var untrainedLoss = ReferenceDae.MeanLoss(LossKind.SquaredError, untrained, TestImages, x, x);

        // One epoch of 300 images takes the loss from about 97 to about 21; half is a loose bar for a smoke test.
        var trainedLoss = RecordedTestLoss(runs.ShortRun);
        Assert.True(trainedLoss < 0.5 * untrainedLoss, $"after one epoch the test loss is {trainedLoss:R}, untrained {untrainedLoss:R}");
    }

    [Fact]
    public void ResumingFromTheCliGivesTheSameModelAsTrainingStraight()
    {
        Assert.True(runs.OneEpoch.ExitCode == 0, runs.OneEpoch.ToString());
        var resumedDir = runs.NewDirectory("resumed");
        CopyDirectory(runs.OneEpochRun, resumedDir);
        var straightDir = runs.NewDirectory("straight");

        var straight = CliProcess.Run([.. TrainDaeRuns.MomentumRunArgs, "--epochs", "2", "--out", straightDir]);
        var resumed = CliProcess.Run("train", "dae", "--resume", resumedDir, "--epochs", "2", "--accelerator", "cpu");

        Assert.True(straight.ExitCode == 0, straight.ToString());
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        foreach (var file in new[] { "model.safetensors", "train_state.safetensors" })
        {
            var a = SpecSafeTensors.Read(Path.Combine(straightDir, file));
            var b = SpecSafeTensors.Read(Path.Combine(resumedDir, file));
            Assert.Equal(a.Order, b.Order);
            Assert.NotEmpty(a.Order);
            foreach (var name in a.Order)
                Assert.Equal(a.Tensors[name].Data.Select(BitConverter.SingleToInt32Bits), b.Tensors[name].Data.Select(BitConverter.SingleToInt32Bits));
            Assert.Equal("2", b.Metadata["epochs"]);
        }
        Assert.Equal(["velocity.W", "velocity.b_hidden", "velocity.b_visible"],
            SpecSafeTensors.Read(Path.Combine(resumedDir, "train_state.safetensors")).Order);

        var straightEpochs = Epochs(straightDir);
        var resumedEpochs = Epochs(resumedDir);
        Assert.Equal(2, resumedEpochs.Length);
        for (var e = 0; e < 2; e++)
        {
            Assert.Equal(straightEpochs[e].TrainLoss, resumedEpochs[e].TrainLoss);
            Assert.Equal(straightEpochs[e].TestLoss, resumedEpochs[e].TestLoss);
        }
    }

    [Fact]
    public void ANaNLossInEpochTwoStopsTheRunAndKeepsTheEpochOneCheckpoint()
    {
        // Epoch 1 ran fine (lr 0.02); its saved options are then edited to lr 1e37, which the resumed run keeps,
        // so epoch 2 blows W past float's range and the loss becomes NaN.
        Assert.True(runs.OneEpoch.ExitCode == 0, runs.OneEpoch.ToString());
        var dir = runs.NewDirectory("diverging");
        CopyDirectory(runs.OneEpochRun, dir);
        var modelPath = Path.Combine(dir, "model.safetensors");
        var model = SpecSafeTensors.Read(modelPath);
        var options = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(model.Metadata["options"])!;
        options["learning_rate"] = JsonSerializer.SerializeToElement(1e37);
        model.Metadata["options"] = JsonSerializer.Serialize(options);
        model.Write(modelPath);
        var before = Directory.GetFiles(dir).Order(StringComparer.Ordinal).ToDictionary(f => f, File.ReadAllBytes);

        var result = CliProcess.Run("train", "dae", "--resume", dir, "--epochs", "2", "--accelerator", "cpu");

        Assert.True(result.ExitCode == 2, result.ToString());
        var message = Assert.Single(result.Stderr.TrimEnd().Split('\n'));
        var match = Regex.Match(message, @"^error: loss became NaN at epoch 2, step (\d+);");
        Assert.True(match.Success, message);
        // Steps count over the whole run: epoch 1 had 25 steps of 4 examples.
        Assert.InRange(long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), 26, 50);
        Assert.Contains("--lr", message);
        Assert.Contains("epoch 1", message[match.Length..]);
        Assert.DoesNotContain("   at ", result.Stderr);

        // The epoch-1 checkpoint is intact: the same files, byte for byte, and it still loads.
        Assert.Equal(before.Keys, Directory.GetFiles(dir).Order(StringComparer.Ordinal));
        foreach (var (path, bytes) in before)
            Assert.True(bytes.AsSpan().SequenceEqual(File.ReadAllBytes(path)), $"{path} changed");
        var kept = SpecSafeTensors.Read(modelPath);
        Assert.Equal("1", kept.Metadata["epochs"]);
        Assert.All(kept.Data("W", Hidden, Visible), w => Assert.True(float.IsFinite(w)));
        Assert.Equal(1, ILGPUAE.Training.TrainState.Load(dir).EpochsDone);
        Assert.Single(Epochs(dir));
    }

    [Fact]
    public void ANaNLossInEpochOneNamesTheStepAndWritesNoCheckpoint()
    {
        var dir = runs.NewDirectory("nan-epoch-1");
        var result = CliProcess.Run("train", "dae", "--hidden", "20", "--loss", "xent", "--lr", "1e37", "--epochs", "2",
            "--train-limit", "100", "--test-limit", "20", "--accelerator", "cpu", "--out", dir);

        Assert.True(result.ExitCode == 2, result.ToString());
        var message = Assert.Single(result.Stderr.TrimEnd().Split('\n'));
        Assert.Matches(@"^error: loss became NaN at epoch 1, step \d+; .*no checkpoint was written", message);
        Assert.DoesNotContain("   at ", result.Stderr);
        Assert.Empty(Directory.GetFileSystemEntries(dir));
    }

    private static double RecordedTestLoss(string dir) => Epochs(dir)[^1].TestLoss;

    private static (double TrainLoss, double TestLoss)[] Epochs(string dir)
    {
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "metrics.json")));
        return metrics.RootElement.GetProperty("epochs").EnumerateArray()
            .Select(e => (e.GetProperty("train_loss").GetDouble(), e.GetProperty("test_loss").GetDouble())).ToArray();
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
    }
}
