namespace ILGPUAE.Tests.Training;

using System.Text.Json;
using ILGPUAE.Backend;
using ILGPUAE.Checkpoints;
using ILGPUAE.IO;
using ILGPUAE.Modules;
using ILGPUAE.Tests.Cli;
using ILGPUAE.Tests.Host;
using ILGPUAE.Tests.IO;
using ILGPUAE.Training;

/// <summary>
/// `train dae --activity-l1 λ`: the tied DAE with an L1 penalty on its hidden code, run by the generic step (modules + the
/// optimizer rule; the fused steps know no penalty). The penalty does what it is for — the code's mean Σ|h| falls well below
/// the unpenalised run's from the same start — the run's file records it, `eval` rebuilds it and scores the reconstruction
/// alone, and a bad λ is refused in one line.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class ActivityL1TrainingTests(HostFixture fixture)
{
    private const int Rows = 120, Visible = 64, Hidden = 24;

    private double MeanCodeL1(float activityL1, out StepPath path)
    {
        var pixels = Synthetic.Pixels(Rows, Visible, seed: 31);
        var options = new DaeOptions { Hidden = Hidden, Batch = 10, LearningRate = 0.5f, Loss = LossKind.CrossEntropy, ActivityL1 = activityL1, Seed = 6 };
        using var session = new DaeSession(fixture.Backend, options, Visible, pixels, pixels);
        path = session.Path;
        for (var e = 0; e < 8; e++)
            session.RunEpoch();
        using var x = fixture.Backend.Allocate<float>(Rows, Visible);
        x.CopyFrom(pixels);
        using var h = fixture.Backend.Allocate<float>(Rows, Hidden);
        session.Model.Encode(x, h);
        return h.ToArray().Sum(Math.Abs) / Rows;
    }

    [Fact]
    public void ThePenaltyShrinksTheCode()
    {
        var plain = MeanCodeL1(0f, out var plainPath);
        var penalised = MeanCodeL1(0.5f, out var penalisedPath);
        Assert.Equal(StepPath.FusedSgd, plainPath);
        Assert.Equal(StepPath.GradientsThenOptimizer, penalisedPath);
        Assert.True(penalised < 0.7 * plain, $"mean Σ|h| {penalised:F3} with the penalty, {plain:F3} without");
    }

    [Fact]
    public void TheCliTrainsSavesAndEvaluatesIt()
    {
        using var dir = new TempDirectory();
        var run = CliProcess.Run("train", "dae", "--activity-l1", "0.01", "--hidden", "20", "--batch", "10", "--epochs", "2", "--train-limit", "300",
            "--test-limit", "100", "--accelerator", "host", "--out", dir.File("run"));
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("activity L1 0.01", run.Stdout);
        var path = dir.File("run/model.safetensors");
        var spec = Checkpoint.SpecOf(path, SafeTensorsFile.Read(path));
        Assert.Equal(0.01f, Assert.IsType<ActivityL1Spec>(spec.Modules[2]).Lambda);
        Assert.Equal(1, Assert.IsType<TiedDenseSpec>(spec.Modules[3]).Encoder);
        using var metrics = JsonDocument.Parse(File.ReadAllText(dir.File("run/metrics.json")));
        var testLoss = metrics.RootElement.GetProperty("epochs").EnumerateArray().Last().GetProperty("test_loss").GetDouble();
        var eval = CliProcess.Run("eval", "--model", dir.File("run"), "--accelerator", "host");
        Assert.True(eval.ExitCode == 0, eval.ToString());
        // eval rebuilds the network with its penalty module from the file and scores the reconstruction alone: the run's test loss.
        var shown = System.Text.RegularExpressions.Regex.Match(eval.Stdout, @"test loss \([^)]*\): ([0-9.]+)");
        Assert.True(shown.Success, eval.Stdout);
        Assert.Equal(testLoss, double.Parse(shown.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), 1e-9 * testLoss);

        var bad = CliProcess.Run("train", "dae", "--activity-l1", "-1", "--epochs", "1", "--train-limit", "10", "--accelerator", "host", "--out", dir.File("bad"));
        Assert.True(bad.ExitCode == 2, bad.ToString());
        Assert.Contains("--activity-l1 -1: expected a finite number ≥ 0", bad.Stderr);
        Assert.False(Directory.Exists(dir.File("bad")));
    }
}
