namespace ILGPUAE.Tests.Cli;

using System.Text.Json;
using ILGPUAE.Backend;
using ILGPUAE.Data;
using ILGPUAE.IO;
using ILGPUAE.Tests.IO;
using ILGPUAE.Training;
using ILGPUAE.Training.Cae;

/// <summary>
/// `ilgpuae train cae` as a user runs it: a short sparse run on host end to end (files, model metadata, options, the 59000 / 1000
/// split), a run killed after a checkpoint and resumed to the bytes of one never interrupted, and bad options refused in one line.
/// </summary>
[Collection(InProcessCliCollection.Name)]
public sealed class TrainCaeCliTests
{
    // 64 images in batches of 16: 4 steps an epoch, a mid-epoch checkpoint every 2 steps.
    private static readonly string[] Short = ["train", "cae", "--accelerator", "host", "--epochs", "2", "--batch", "16", "--train-limit", "64",
        "--valid-limit", "32", "--test-limit", "20", "--checkpoint-every", "2"];

    [Fact]
    public void TrainsTheSparseConvolutionalAutoencoderEndToEndOnHost()
    {
        using var dir = new TempDirectory();
        var run = dir.File("run");
        var result = CliProcess.Run([.. Short, "--sparse", "--l1-codes", "0.01", "--out", run]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("done: kept epoch ", result.Stdout);
        Assert.Equal(["curves.png", "metrics.csv", "metrics.json", "model.safetensors", "reconstructions.png", "train_state.safetensors"],
            Directory.GetFiles(run).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        var model = SafeTensorsFile.Read(Path.Combine(run, DaeCheckpoint.ModelFileName));
        Assert.Equal(CaeTraining.Format, model.Metadata[DaeCheckpoint.FormatKey]);
        Assert.Equal("mnist", model.Metadata[CaeTraining.DatasetKey]);
        Assert.Equal("true", model.Metadata[CaeTraining.SparseKey]);
        Assert.Equal(nameof(LossKind.CrossEntropy), model.Metadata[CaeTraining.LossKey]);
        Assert.Equal(0.001, double.Parse(model.Metadata[CaeTraining.WeightL1Key], System.Globalization.CultureInfo.InvariantCulture), 1e-9);
        Assert.Equal(0.01, double.Parse(model.Metadata[CaeTraining.CodeL1Key], System.Globalization.CultureInfo.InvariantCulture), 1e-9);
        Assert.Equal(["enc1.W", "enc1.b", "enc2.W", "enc2.b", "dec1.W", "dec1.b", "dec2.W", "dec2.b", "dec3.W", "dec3.b"], model.Tensors.Select(t => t.Name));
        Assert.Equal([8, 1, 3, 3], model.Tensors[0].Shape);

        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, DaeCheckpoint.MetricsFileName)));
        var root = metrics.RootElement;
        var options = root.GetProperty("options");
        Assert.Equal(0.001, options.GetProperty("learning_rate").GetDouble(), 1e-9);
        Assert.Equal("Adam", options.GetProperty("optimizer").GetProperty("kind").GetString());
        Assert.Equal(1000, options.GetProperty("holdout").GetInt32());
        Assert.Equal(nameof(LossKind.CrossEntropy), options.GetProperty("loss").GetString());
        // The study's split: the first 59000 training images train (64 of them here), the last 1000 validate (32 of them here).
        Assert.Equal("MNIST train[0:59000]", root.GetProperty("dataset").GetString());
        Assert.Equal(64, root.GetProperty("train_examples").GetInt32());
        Assert.Equal(32, root.GetProperty("valid_examples").GetInt32());
        Assert.Equal(2, root.GetProperty("epochs").GetArrayLength());
        // `plot` tells the run's metrics.json apart from the other runs' and draws its two panels.
        Assert.Equal(2, ILGPUAE.Evaluation.TrainingCurves.OfRun(run).Count);
    }

    /// <summary>
    /// The default setup learns where the study's squared error collapses: 2048 MNIST images, batch 16, two epochs (256 Adam steps at
    /// 0.001, seed 1). With squared error this run ends at the all-black output's loss (41.78 against ½Σx² = 41.73 on these 200 held-out
    /// images), with cross-entropy at 14.9; the bound, half the all-black loss, is far from both.
    /// </summary>
    [Fact]
    public void TheDefaultLossIsCrossEntropyAndAShortMnistRunDoesNotCollapseToBlack()
    {
        Assert.Equal(LossKind.CrossEntropy, new CaeOptions().Loss);
        using var dir = new TempDirectory();
        var run = dir.File("run");
        var result = InProcessCli.Run("train", "cae", "--accelerator", "host", "--epochs", "2", "--batch", "16", "--train-limit", "2048",
            "--valid-limit", "200", "--test-limit", "10", "--out", run);
        Assert.True(result.ExitCode == 0, result.ToString());

        var model = SafeTensorsFile.Read(Path.Combine(run, DaeCheckpoint.ModelFileName));
        Assert.Equal(nameof(LossKind.CrossEntropy), model.Metadata[CaeTraining.LossKey]);
        var valid = Datasets.Load(DatasetKind.Mnist, null, null).WithValidation(CaeOptions.DefaultHoldout).Validation.Take(200);
        var black = Enumerable.Range(0, valid.Count).Average(i => valid.Pixels.AsSpan(i * valid.Features, valid.Features).ToArray().Sum(x => 0.5 * x * x));
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, DaeCheckpoint.MetricsFileName)));
        var validLoss = metrics.RootElement.GetProperty("best_valid_loss").GetDouble();
        Assert.True(validLoss < black / 2, $"validation loss {validLoss:F2}: the all-black output's is {black:F2}");
    }

    // Killed once the third commit (step 4, the first epoch's end after step 2's) is recorded; resumed to the end.
    [Fact]
    public void AKilledRunResumesToTheBytesOfAnUninterruptedOne() => KilledRun.AssertResumesToTheSameBytes(Short, "recorded@3",
        run => ["train", "cae", "--resume", run, "--accelerator", "host", "--checkpoint-every", "2"], CaeTraining.ReconstructionsFileName);

    /// <summary>
    /// A run saved before the loss was a setting (its options JSON has no "loss") trained on squared error: resumed, it goes on with
    /// squared error, not today's default. The old file is today's with the key taken out of its options.
    /// </summary>
    [Fact]
    public void ARunSavedBeforeTheLossSettingResumesOnSquaredError()
    {
        using var dir = new TempDirectory();
        var run = dir.File("run");
        var killed = CliProcess.Run(new Dictionary<string, string?> { [CheckpointCommit.KillVariable] = "step-3" },
            [.. Short, "--loss", "mse", "--out", run]);
        Assert.True(killed.ExitCode == 137, killed.ToString());
        var statePath = Path.Combine(run, DaeCheckpoint.StateFileName);
        var state = SafeTensorsFile.Read(statePath);
        var options = System.Text.Json.Nodes.JsonNode.Parse(state.Metadata[DaeCheckpoint.OptionsKey])!.AsObject();
        Assert.True(options.Remove(CaeTraining.LossKey));
        var metadata = state.Metadata.ToDictionary(kv => kv.Key, kv => kv.Value);
        metadata[DaeCheckpoint.OptionsKey] = options.ToJsonString();
        new SafeTensorsFile(state.Tensors, metadata).Write(statePath);

        var resumed = InProcessCli.Run("train", "cae", "--resume", run, "--accelerator", "host", "--checkpoint-every", "2");
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Equal(nameof(LossKind.SquaredError), SafeTensorsFile.Read(Path.Combine(run, DaeCheckpoint.ModelFileName)).Metadata[CaeTraining.LossKey]);
    }

    public static TheoryData<string[], string> BadOptions => new()
    {
        { ["--l1-weights", "-1"], "--l1-weights -1" },
        { ["--l1-codes", "NaN"], "--l1-codes" },
        { ["--holdout", "0"], "--holdout 0" },
        { ["--holdout", "60000"], "--holdout 60000" },
        { ["--batch", "0"], "--batch" },
        { ["--on-nan", "halve-lr"], "--on-nan" },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void BadOptionIsRefusedInOneLine(string[] bad, string named)
    {
        using var dir = new TempDirectory();
        var result = InProcessCli.Run(["train", "cae", "--accelerator", "host", "--epochs", "1", "--train-limit", "20", "--out", dir.File("out"), .. bad]);
        InProcessCli.AssertRefused(result, named);
        Assert.False(Directory.Exists(dir.File("out")), result.ToString());
    }
}
