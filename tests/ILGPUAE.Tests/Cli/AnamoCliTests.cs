namespace ILGPUAE.Tests.Cli;

using System.Text.Json;
using ILGPUAE.Data;
using ILGPUAE.IO;
using ILGPUAE.Tests.IO;
using ILGPUAE.Training;
using ILGPUAE.Training.Anamo;

/// <summary>
/// `ilgpuae train anamo` and `ilgpuae compare anamo` as a user runs them on halves, on host: the run's files and a test bias that a
/// double forward pass of the saved model reproduces; a killed run resumed to the bytes of one never interrupted; the comparison's
/// files and its resumption; bad options refused in one line.
/// </summary>
[Collection(InProcessCliCollection.Name)]
public sealed class AnamoCliTests
{
    // Minibatches of 50: 2 ANAMO iterations an outer iteration, 3 outer iterations, a checkpoint every 2 minibatches.
    private static readonly string[] Short = ["train", "anamo", "--accelerator", "host", "--outer", "3", "--batch", "50", "--enc-iters", "2", "--dec-iters", "3",
        "--checkpoint-every", "2"];

    [Fact]
    public void TrainsOnHalvesAndReportsTheBiasOfTheSavedModel()
    {
        using var dir = new TempDirectory();
        var run = dir.File("run");
        var result = CliProcess.Run([.. Short, "--out", run]);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["curves.png", "metrics.csv", "metrics.json", "model.safetensors", "train_state.safetensors"],
            Directory.GetFiles(run).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        var model = SafeTensorsFile.Read(Path.Combine(run, DaeCheckpoint.ModelFileName));
        Assert.Equal(AnamoTraining.Format, model.Metadata[DaeCheckpoint.FormatKey]);
        Assert.Equal([AnamoNetwork.EncoderWeight, AnamoNetwork.EncoderBias, AnamoNetwork.DecoderWeight, AnamoNetwork.DecoderBias], model.Tensors.Select(t => t.Name));
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, DaeCheckpoint.MetricsFileName)));
        var epochs = metrics.RootElement.GetProperty("epochs");
        Assert.Equal(3, epochs.GetArrayLength());
        var reported = epochs[2].GetProperty("test_bias").GetDouble();

        // The saved model's reconstructions of halves' 10 test images, in double: (1/M)Σ‖x − x̂‖₂.
        var test = Datasets.Load(DatasetKind.Halves, null, null).Test;
        double[] we = [.. model.Tensors[0].Data], be = [.. model.Tensors[1].Data], wd = [.. model.Tensors[2].Data], bd = [.. model.Tensors[3].Data];
        const int visible = 100, hidden = 10;
        var total = 0.0;
        for (var m = 0; m < test.Count; m++)
        {
            var x = test.Pixels.AsSpan(m * visible, visible);
            var h = new double[hidden];
            for (var j = 0; j < hidden; j++)
            {
                var a = be[j];
                for (var i = 0; i < visible; i++)
                    a += we[j * visible + i] * x[i];
                h[j] = 1 / (1 + Math.Exp(-a));
            }
            var sum = 0.0;
            for (var i = 0; i < visible; i++)
            {
                var z = bd[i];
                for (var j = 0; j < hidden; j++)
                    z += wd[i * hidden + j] * h[j];
                var d = x[i] - 1 / (1 + Math.Exp(-z));
                sum += d * d;
            }
            total += Math.Sqrt(sum);
        }
        Assert.Equal(total / test.Count, reported, 4);
        // Training moved the model: its first outer iteration's bias is above its last.
        Assert.True(epochs[0].GetProperty("train_bias").GetDouble() > epochs[2].GetProperty("train_bias").GetDouble());
    }

    // Killed after minibatch 3 (mid-way through the second outer iteration, after the checkpoint at minibatch 2); resumed to the end.
    [Fact]
    public void AKilledRunResumesToTheBytesOfAnUninterruptedOne() => KilledRun.AssertResumesToTheSameBytes(Short, "step-3",
        run => ["train", "anamo", "--resume", run, "--accelerator", "host", "--checkpoint-every", "2"]);

    [Fact]
    public void AResumedRunRefusesAnotherSchedule()
    {
        using var dir = new TempDirectory();
        var run = dir.File("run");
        var first = CliProcess.Run([.. Short, "--out", run]);
        Assert.True(first.ExitCode == 0, first.ToString());
        var resumed = CliProcess.Run("train", "anamo", "--resume", run, "--accelerator", "host", "--enc-iters", "4", "--l1-encoder-weights", "0.2");
        Assert.True(resumed.ExitCode == 2, resumed.ToString());
        Assert.Contains("--enc-iters 4 differs from the run's 2, --l1-encoder-weights 0.2 differs from the run's 0", resumed.Stderr);
    }

    [Theory]
    [InlineData("--enc-step", "0", "--enc-step 0: expected a finite number > 0")]
    [InlineData("--hidden", "0", "--hidden 0: expected an integer ≥ 1")]
    [InlineData("--lambda", "-0.5", "--lambda -0.5: expected a finite number ≥ 0")]
    [InlineData("--epsilon", "0", "--epsilon 0: expected a finite number > 0")]
    public void BadOptionsAreRefusedInOneLine(string flag, string value, string message)
    {
        using var dir = new TempDirectory();
        var run = dir.File("run");
        var result = CliProcess.Run([.. Short, flag, value, "--out", run]);
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Single(result.Stderr.Trim().Split('\n'));
        Assert.Contains(message, result.Stderr);
        Assert.False(Directory.Exists(run));
    }

    [Fact]
    public void CompareWritesItsTableAndPlotAndSkipsTheSeedsItHas()
    {
        using var dir = new TempDirectory();
        var out1 = dir.File("compare");
        string[] args = ["compare", "anamo", "--accelerator", "host", "--seeds", "2", "--outer", "2", "--out", out1];
        var first = CliProcess.Run(args);
        Assert.True(first.ExitCode == 0, first.ToString());
        var rows = File.ReadAllLines(Path.Combine(out1, AnamoComparison.RowsFile));
        Assert.Equal(ComparisonRow.Header, rows[0]);
        Assert.Equal(["1,anamo", "1,adam", "2,anamo", "2,adam"], rows[1..].Select(r => string.Join(',', r.Split(',')[..2])));
        // Both methods get 2 × (5 + 15) = 40 gradient evaluations of the whole training set.
        Assert.All(rows[1..], r => Assert.Equal("40", r.Split(',')[2]));
        Assert.True(File.Exists(Path.Combine(out1, AnamoComparison.PlotFile)));
        var summary = File.ReadAllText(Path.Combine(out1, AnamoComparison.SummaryFile));
        Assert.Contains("| ANAMO | 2 | 40 |", summary);
        Assert.Contains("| 1.850 |", summary);
        Assert.Contains("| 3.700 |", summary);

        // The same initial weights and the same first minibatch: both methods' first gradient is taken at the same objective value.
        static double[] Curve(string path) => [.. File.ReadLines(path).Skip(1).Select(l => double.Parse(l.Split(',')[1], System.Globalization.CultureInfo.InvariantCulture))];
        foreach (var seed in new[] { 1, 2 })
        {
            var anamo = Curve(Path.Combine(out1, AnamoComparison.CurvesFolder, $"{seed}-anamo.csv"));
            var adam = Curve(Path.Combine(out1, AnamoComparison.CurvesFolder, $"{seed}-adam.csv"));
            Assert.Equal((40, 40), (anamo.Length, adam.Length));
            Assert.Equal(anamo[0], adam[0], 6);
            // Both moved the model down their objective (Adam at lr 0.001 by a little over its 40 steps, ANAMO by much more).
            Assert.True(adam[^1] < adam[0] - 0.01, $"seed {seed}: Adam's objective went from {adam[0]} to {adam[^1]}");
            Assert.True(anamo[^1] < adam[^1], $"seed {seed}: ANAMO ended at {anamo[^1]}, Adam at {adam[^1]}");
        }

        var again = CliProcess.Run(args);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.DoesNotContain("seed 1 anamo", again.Stdout);
        Assert.Equal(rows, File.ReadAllLines(Path.Combine(out1, AnamoComparison.RowsFile)));
    }
}
