namespace ILGPUAE.Tests.Cli;

using System.Text.Json;
using ILGPUAE.Tests.IO;

/// <summary>
/// `train dae` with the optimizer rules: RMSprop and Adam train (the test loss falls well below the first epoch's), the
/// run saves the rule's named state beside its step counts, a resumed run continues it bit for bit, and bad settings are
/// refused with one line naming the option (exit code 2).
/// </summary>
public sealed class OptimizerCliTests
{
    private static string[] Run(string optimizer, int epochs, string dir) =>
    [
        "train", "dae", "--hidden", "16", "--batch", "10", "--optimizer", optimizer, "--epochs", epochs.ToString(),
        "--train-limit", "200", "--test-limit", "100", "--seed", "4", "--accelerator", "host", "--out", dir,
    ];

    [Theory]
    [InlineData("adam", "W.exp_avg", "W.exp_avg_sq")]
    [InlineData("rmsprop", "W.square_avg", "b_visible.square_avg")]
    public void AnOptimizerTrainsAndResumesBitForBit(string optimizer, string state1, string state2)
    {
        using var dir = new TempDirectory();
        var straight = CliProcess.Run(Run(optimizer, 3, dir.File("straight")));
        Assert.True(straight.ExitCode == 0, straight.ToString());
        using (var metrics = JsonDocument.Parse(File.ReadAllText(dir.File("straight/metrics.json"))))
        {
            var losses = metrics.RootElement.GetProperty("epochs").EnumerateArray().Select(e => e.GetProperty("test_loss").GetDouble()).ToArray();
            Assert.Equal(3, losses.Length);
            // From Glorot-uniform weights the squared-error loss per image starts near 50; three epochs of 20 steps cut it hard.
            Assert.True(losses[2] < 0.8 * losses[0], $"test losses {string.Join(", ", losses)}");
            Assert.Contains(optimizer, metrics.RootElement.GetProperty("options").GetProperty("optimizer").GetProperty("kind").GetString()!,
                StringComparison.OrdinalIgnoreCase);
        }
        var state = SpecSafeTensors.Read(dir.File("straight/train_state.safetensors"));
        Assert.Contains(state1, state.Tensors.Keys);
        Assert.Contains(state2, state.Tensors.Keys);
        Assert.Equal("60", state.Metadata["W.step"]);

        var first = CliProcess.Run(Run(optimizer, 1, dir.File("resumed")));
        Assert.True(first.ExitCode == 0, first.ToString());
        var resumed = CliProcess.Run("train", "dae", "--resume", dir.File("resumed"), "--epochs", "3", "--accelerator", "host");
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        var a = SpecSafeTensors.Read(dir.File("straight/model.safetensors"));
        var b = SpecSafeTensors.Read(dir.File("resumed/model.safetensors"));
        foreach (var (name, (_, data)) in a.Tensors)
            Assert.Equal(data, b.Tensors[name].Data);
    }

    /// <summary>
    /// `--optimizer nesterov` alone trains, at momentum 0.9 (Nesterov needs momentum &gt; 0; was refused with "momentum 0"),
    /// here on train dae (pretrain and finetune resolve it the same way, TrainingVerbOptions.MomentumFor); an explicit --momentum still wins.
    /// </summary>
    [Fact]
    public void NesterovWithoutMomentumTrainsAtPointNine()
    {
        using var dir = new TempDirectory();
        var dae = CliProcess.Run(Run("nesterov", 1, dir.File("dae")));
        Assert.True(dae.ExitCode == 0, dae.ToString());
        Assert.Equal(0.9, MomentumOf(dir.File("dae/metrics.json")), 6);
        Assert.Contains("W.momentum_buffer", SpecSafeTensors.Read(dir.File("dae/train_state.safetensors")).Tensors.Keys);

        var explicitMomentum = CliProcess.Run([.. Run("nesterov", 1, dir.File("dae-0.5")), "--momentum", "0.5"]);
        Assert.True(explicitMomentum.ExitCode == 0, explicitMomentum.ToString());
        Assert.Equal(0.5, MomentumOf(dir.File("dae-0.5/metrics.json")), 6);
    }

    private static double MomentumOf(string metricsPath)
    {
        using var metrics = JsonDocument.Parse(File.ReadAllText(metricsPath));
        return metrics.RootElement.GetProperty("options").GetProperty("momentum").GetDouble();
    }

    [Fact]
    public void PretrainRunsEveryLayerWithTheRule()
    {
        using var dir = new TempDirectory();
        var run = CliProcess.Run("pretrain", "--hidden", "12,6", "--corruption", "0.2", "--optimizer", "rmsprop", "--batch", "10", "--epochs", "1", "--train-limit", "200",
            "--test-limit", "50", "--accelerator", "host", "--out", dir.File("sda"));
        Assert.True(run.ExitCode == 0, run.ToString());
        foreach (var (layer, steps) in new[] { (0, "20"), (1, "20") })
        {
            var state = SpecSafeTensors.Read(dir.File($"sda/layer{layer}/train_state.safetensors"));
            Assert.Contains("W.square_avg", state.Tensors.Keys);
            Assert.Equal(steps, state.Metadata["W.step"]);
        }
    }

    [Fact]
    public void FinetuneTrainsWithAdamAndSavesItsState()
    {
        using var dir = new TempDirectory();
        var run = CliProcess.Run("finetune", "--init", "random", "--hidden", "20", "--optimizer", "adam", "--lr", "0.01", "--batch", "10", "--max-epochs", "3",
            "--patience", "0", "--train-limit", "500", "--test-limit", "100", "--seed", "2", "--accelerator", "host", "--out", dir.File("ft"));
        Assert.True(run.ExitCode == 0, run.ToString());
        using var metrics = JsonDocument.Parse(File.ReadAllText(dir.File("ft/metrics.json")));
        var losses = metrics.RootElement.GetProperty("epochs").EnumerateArray().Select(e => e.GetProperty("train_loss").GetDouble()).ToArray();
        // Softmax cross-entropy starts at ln 10 ≈ 2.3 from a zero top layer; Adam at 0.01 over 150 steps brings it well down.
        Assert.True(losses[^1] < 0.7 * losses[0], $"train losses {string.Join(", ", losses)}");
        var state = SpecSafeTensors.Read(dir.File("ft/train_state.safetensors"));
        Assert.Contains("layer0.W.exp_avg", state.Tensors.Keys);
        Assert.Contains("mlp0.b.exp_avg_sq", state.Tensors.Keys);
        Assert.Equal("150", state.Metadata["layer0.W.step"]);
    }

    [Theory]
    [InlineData("--optimizer", "lion", "--optimizer")]
    [InlineData("--betas", "0.9", "--betas")]
    [InlineData("--betas", "1.5,0.999", "--betas 1.5: expected β₁")]
    [InlineData("--rmsprop-alpha", "-1", "--rmsprop-alpha -1")]
    public void BadOptimizerSettingsAreRefusedInOneLine(string option, string value, string named)
    {
        using var dir = new TempDirectory();
        string[] setting = option == "--optimizer" ? ["--optimizer", value] : ["--optimizer", "adam", option, value];
        var result = CliProcess.Run(["train", "dae", .. setting, "--epochs", "1", "--train-limit", "10", "--accelerator", "host", "--out", dir.File("run")]);
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains(named, result.Stderr);
        Assert.False(Directory.Exists(dir.File("run")), "a refused run must leave nothing behind");
    }
}

/// <summary>`train dae --activation`: the hidden layer's activation is the run's, saved with it and used by `eval`.</summary>
public sealed class ActivationCliTests
{
    [Theory]
    [InlineData("relu")]
    [InlineData("tanh")]
    public void ADaeWithAnotherHiddenActivationTrainsAndEvaluates(string activation)
    {
        using var dir = new TempDirectory();
        var run = CliProcess.Run("train", "dae", "--activation", activation, "--hidden", "30", "--batch", "10", "--lr", "0.02", "--epochs", "2",
            "--train-limit", "300", "--accelerator", "host", "--out", dir.File("run"));
        Assert.True(run.ExitCode == 0, run.ToString());
        using var metrics = JsonDocument.Parse(File.ReadAllText(dir.File("run/metrics.json")));
        var options = metrics.RootElement.GetProperty("options");
        Assert.Equal(activation, options.GetProperty("activation").GetString(), ignoreCase: true);
        var testLoss = metrics.RootElement.GetProperty("epochs").EnumerateArray().Last().GetProperty("test_loss").GetDouble();
        var eval = CliProcess.Run("eval", "--model", dir.File("run"), "--accelerator", "host");
        Assert.True(eval.ExitCode == 0, eval.ToString());
        // eval rebuilds the model with the run's activation: the same test loss, to the digits it prints.
        Assert.Contains(testLoss.ToString("F4", System.Globalization.CultureInfo.InvariantCulture), eval.Stdout);
        var spec = ILGPUAE.Checkpoints.Checkpoint.SpecOf(dir.File("run/model.safetensors"), ILGPUAE.IO.SafeTensorsFile.Read(dir.File("run/model.safetensors")));
        Assert.Equal(activation, Assert.IsType<ILGPUAE.Modules.DenseSpec>(spec.Modules[1]).Activation.ToString(), ignoreCase: true);
    }
}

/// <summary>The engine names settings in its own terms (the options' JSON names); the CLI shows its flags in their place.</summary>
public sealed class EngineTermsTests
{
    [Fact]
    public void TheEngineNamesItsSettingAndTheCliItsFlag()
    {
        var e = Assert.Throws<ILGPUAE.IO.InputException>(() => new ILGPUAE.Training.DaeOptions { LearningRate = 0 }.Validate());
        Assert.Equal("learning_rate", e.Setting);
        Assert.StartsWith("learning_rate 0: expected", e.Message);
        Assert.DoesNotContain("--", e.Message);
        Assert.StartsWith("--lr 0: expected", ILGPUAE.Cli.OptionNames.Message(e));

        using var dir = new TempDirectory();
        var run = CliProcess.Run("train", "dae", "--lr", "0", "--accelerator", "host", "--out", dir.File("run"));
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal("error: --lr 0: expected a finite number > 0", run.Stderr.Trim());
    }
}
