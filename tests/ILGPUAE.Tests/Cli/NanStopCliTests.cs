namespace ILGPUAE.Tests.Cli;

using ILGPUAE.IO;
using ILGPUAE.Tests.IO;

/// <summary>
/// A diverging `pretrain` and `finetune` through the CLI (issue 13, finding 2; `train dae` is covered by TrainDaeCliTests):
/// exit 2 with one line naming the epoch, the step and what checkpoint is kept; nothing non-finite on disk; `--resume` and
/// `eval` answer in one line, exit 2. And --on-nan: skip-batch is saved with the run, a bad value is one line, and a
/// weight that overflows while every applied batch's loss was finite is still caught by the guard's scan.
/// </summary>
public sealed class NanStopCliTests
{
    private static readonly string[] Small = ["--batch", "10", "--train-limit", "200", "--test-limit", "50", "--accelerator", "host"];

    private static CliResult Cli(params string[] args) => CliProcess.Run([.. args, .. Small]);

    /// <summary>The run failed in exactly one line (stderr), starting with <paramref name="start"/>, without a stack trace.</summary>
    private static void AssertOneLine(CliResult run, string start)
    {
        Assert.True(run.ExitCode == 2, run.ToString());
        var lines = run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length == 1, run.ToString());
        Assert.StartsWith(start, lines[0]);
    }

    /// <summary>Every safetensors file under <paramref name="directory"/> holds finite values only, and no metrics.json holds a NaN.</summary>
    private static void AssertNothingNonFinite(string directory)
    {
        foreach (var path in Directory.EnumerateFiles(directory, "*.safetensors", SearchOption.AllDirectories))
            foreach (var tensor in SafeTensorsFile.Read(path).Tensors)
                Assert.True(tensor.Data.All(float.IsFinite), $"{path}: tensor {tensor.Name} holds a non-finite value");
        foreach (var path in Directory.EnumerateFiles(directory, "metrics.json", SearchOption.AllDirectories))
            Assert.DoesNotContain("NaN", File.ReadAllText(path));
    }

    [Fact]
    public void PretrainAtAHugeRateStopsInOneLineAndItsResumeAndEvalToo()
    {
        using var dir = new TempDirectory();
        var run = dir.File("sda");

        var first = Cli("pretrain", "--hidden", "12,6", "--corruption", "0.2", "--epochs", "2", "--lr", "2e38", "--out", run);

        AssertOneLine(first, "error: loss became NaN at epoch 1, step ");
        Assert.EndsWith("training stopped (try a lower --lr); no checkpoint of this layer was written", first.Stderr.Trim());
        AssertNothingNonFinite(run);
        Assert.False(File.Exists(Path.Combine(run, "layer0", "model.safetensors")), "a checkpoint of the diverged layer was written");

        // The saved options (the same rate) diverge again at the same step: the same line, never a crash.
        AssertOneLine(CliProcess.Run("pretrain", "--resume", run, "--accelerator", "host"), first.Stderr.Trim());
        AssertNothingNonFinite(run);
        AssertOneLine(CliProcess.Run("eval", "--model", run, "--accelerator", "host"), $"error: --model {run}: ");
    }

    [Fact]
    public void FinetuneAtAHugeRateStopsInOneLineAndItsResumeAndEvalToo()
    {
        using var dir = new TempDirectory();
        var stack = dir.File("sda");
        var pretrained = Cli("pretrain", "--hidden", "12,6", "--corruption", "0.2", "--epochs", "1", "--out", stack);
        Assert.True(pretrained.ExitCode == 0, pretrained.ToString());
        var run = dir.File("tuned");

        var first = Cli("finetune", "--pretrained", stack, "--max-epochs", "2", "--lr", "1e30", "--out", run);

        AssertOneLine(first, "error: loss became NaN at epoch 1, step ");
        Assert.EndsWith("training stopped (try a lower --lr); no checkpoint was written", first.Stderr.Trim());
        AssertNothingNonFinite(run);
        AssertOneLine(CliProcess.Run("finetune", "--resume", run, "--accelerator", "host"), $"error: --resume {run}: ");
        AssertOneLine(CliProcess.Run("eval", "--model", run, "--accelerator", "host"), $"error: --model {run}: ");

        // With skip-batch the batches whose loss is NaN are not applied, but one whose loss and gradient were finite pushed the
        // first layer's weights past float's range: the guard's scan of the weights stops the run at the epoch's end.
        var skipping = Cli("finetune", "--pretrained", stack, "--max-epochs", "2", "--lr", "1e30", "--on-nan", "skip-batch", "--out", dir.File("skipping"));

        AssertOneLine(skipping, "error: a value of parameter 'layer0.W' is not finite at epoch 1, step 20; training stopped (try a lower --lr)");
        AssertNothingNonFinite(dir.File("skipping"));
    }

    [Fact]
    public void SkipBatchIsSavedWithTheRunAndABadPolicyIsOneLine()
    {
        using var dir = new TempDirectory();
        var run = dir.File("dae");

        var trained = Cli("train", "dae", "--hidden", "8", "--epochs", "1", "--on-nan", "skip-batch", "--out", run);

        Assert.True(trained.ExitCode == 0, trained.ToString());
        Assert.Contains("on NaN skip-batch", trained.Stdout);
        Assert.Contains("\"on_nan\": \"skip-batch\"", File.ReadAllText(Path.Combine(run, "metrics.json")));
        var resumed = CliProcess.Run("train", "dae", "--resume", run, "--epochs", "2", "--accelerator", "host");
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains("on NaN skip-batch", resumed.Stdout);

        AssertOneLine(Cli("train", "dae", "--hidden", "8", "--epochs", "1", "--on-nan", "skip", "--out", dir.File("bad")),
            "error: --on-nan skip: expected stop, skip-batch or halve-lr");
        Assert.False(Directory.Exists(dir.File("bad")));
    }
}
