namespace ILGPUAE.Tests.Cli;

using ILGPUAE.IO;
using ILGPUAE.Tests.IO;
using ILGPUAE.Training.Labels;

/// <summary>
/// `sweep labels --quick`, what CI runs of the label sweep: all five models end to end from one command (three encoders pretrained
/// by `train cae`, one of them on Fashion-MNIST v2), and its files; a rerun resumes to nothing to do; bad options are one line, exit 2.
/// </summary>
public sealed class SweepLabelsCliTests
{
    [Fact]
    public void TheQuickSweepRunsEveryModelAndWritesItsFiles()
    {
        using var temp = new TempDirectory();
        var outDir = temp.File("labels");
        string[] args = ["sweep", "labels", "--quick", "--accelerator", "host", "--out", outDir];
        var result = CliProcess.Run(args);
        Assert.True(result.ExitCode == 0, result.ToString());

        var lines = File.ReadAllLines(Path.Combine(outDir, "rows.csv"));
        Assert.Equal(CsvLine.Format(LabelSweepRow.Header), lines[0]);
        var rows = lines[1..].Select(l => LabelSweepRow.TryParse(CsvLine.Parse(l)!, out _)!).ToList();
        Assert.Equal(LabelSweep.Plan(LabelSweepOptions.Quick).Select(p => p.Key.ToString()).Order(), rows.Select(r => r.Key.ToString()).Order());
        Assert.All(rows, r => Assert.Equal((350, 10000, 2), (r.FixedCount, r.TestCount, r.Losses.Length)));
        foreach (var model in new[] { "ae-mnist", "sparse-ae-mnist", "sparse-ae-fashion" })
            Assert.True(File.Exists(Path.Combine(outDir, "encoders", model, "model.safetensors")), model);
        Assert.Contains("Fashion-MNIST v2", File.ReadAllText(Path.Combine(outDir, "encoders", "sparse-ae-fashion", "metrics.json")));
        foreach (var png in new[] { "accuracy-fixed.png", "accuracy-test.png", "loss-curves.png", "confusion-sparse-ae-mnist-480.png" })
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(Path.Combine(outDir, png))[..4]);
        Assert.Equal(1 + 5 * 3, File.ReadAllLines(Path.Combine(outDir, "summary.csv")).Length);

        var again = CliProcess.Run(args);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("ran 0, 30 already done", again.Stdout.ReplaceLineEndings("").Replace("\n", ""));
    }

    [Theory]
    [InlineData("--models", "cnn,lenet", "--models lenet")]
    [InlineData("--confusion", "cnn", "--confusion cnn")]
    [InlineData("--sizes", "0", "--sizes 0")]
    [InlineData("--max-labels", "60000", "--max-labels 60000")]
    [InlineData("--shard", "3/2", "--shard 3/2")]
    public void ABadOptionIsOneLineAndExit2(string option, string value, string named)
    {
        using var temp = new TempDirectory();
        var outDir = temp.File("labels");
        var result = CliProcess.Run("sweep", "labels", "--quick", "--accelerator", "host", "--out", outDir, option, value);
        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"error: {named}", line);
        Assert.False(File.Exists(Path.Combine(outDir, "rows.csv")));
    }
}
