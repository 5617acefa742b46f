namespace ILGPUAE.Tests.Cli;

using ILGPUAE.Backends;
using ILGPUAE.Evaluation;
using ILGPUAE.Tests.Evaluation;
using ILGPUAE.Tests.IO;
using ILGPUAE.Tests.Training;
using ILGPUAE.Training;
using ILGPUAE.Training.Stacked;

/// <summary>
/// `ilgpuae plot DIR` redraws curves.png from metrics.json for each kind of run, and refuses bad input with exit
/// code 2 and one line, writing nothing.
/// </summary>
public sealed class PlotCliTests
{
    private static readonly Dictionary<string, string?> NoFontVariable = new() { [CurveFonts.Variable] = null };

    [Fact]
    public void PlotRedrawsATrainDaeRunsCurves()
    {
        using var dir = new TempDirectory();
        var run = dir.File("dae");
        var train = CliProcess.Run("train", "dae", "--hidden", "5", "--epochs", "2", "--train-limit", "50", "--test-limit", "20", "--accelerator", "cpu", "--out", run);
        Assert.True(train.ExitCode == 0, train.ToString());

        AssertRedrawn(run, panels: 1);
    }

    [Fact]
    public void PlotRedrawsAPretrainRunsCurvesWithAPanelPerLayer()
    {
        using var run = new TempDirectory();
        StackPretraining.Run(new StackRunRequest(StackPretrainingTests.Small with { Epochs = 1 }, AcceleratorKind.Host, 0, null, run.Path, false, true, MnistSplits.Value),
            new QuietObserver());

        AssertRedrawn(run.Path, panels: StackPretrainingTests.Small.Hidden.Length);
    }

    [Fact]
    public void PlotRedrawsAFinetuneRunsCurves()
    {
        using var stack = new TempDirectory();
        using var run = new TempDirectory();
        StackPretraining.Run(new StackRunRequest(StackPretrainingTests.Small with { Epochs = 1 }, AcceleratorKind.Host, 0, null, stack.Path, false, true, MnistSplits.Value),
            new QuietObserver());
        var options = new FinetuneOptions { MaxEpochs = 2, TrainLimit = 100, TestLimit = 100, Mlp = [8] };
        Finetuning.Run(new FinetuneRunRequest(options, null, stack.Path, AcceleratorKind.Host, 0, null, run.Path, Resume: false, Force: true, MnistSplits.Value),
            new QuietFinetuneObserver());

        AssertRedrawn(run.Path, panels: 2);
    }

    [Fact]
    public void PlotRedrawsATrainAnamoRunsCurves()
    {
        using var dir = new TempDirectory();
        var run = dir.File("anamo");
        var train = CliProcess.Run("train", "anamo", "--accelerator", "host", "--outer", "2", "--batch", "50", "--enc-iters", "1", "--dec-iters", "1", "--out", run);
        Assert.True(train.ExitCode == 0, train.ToString());

        // The objective and the reconstruction bias: the panels `train anamo` draws.
        AssertRedrawn(run, panels: 2);
    }

    [Fact]
    public void AMissingDirectoryIsRefused()
    {
        using var dir = new TempDirectory();
        var missing = dir.File("no-such-run");

        var message = BadInputCliTests.AssertBadInput(CliProcess.Run(NoFontVariable, "plot", missing));

        Assert.StartsWith($"error: {missing}: no such directory; expected", message);
        Assert.Empty(dir.Entries());
    }

    [Fact]
    public void ADirectoryWithoutMetricsIsRefused()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("notes.txt"), "mine");

        var message = BadInputCliTests.AssertBadInput(CliProcess.Run(NoFontVariable, "plot", dir.Path));

        Assert.StartsWith($"error: {dir.File(DaeCheckpoint.MetricsFileName)}: file not found; expected the metrics.json that `train dae`, `train deep`, `train cae`, `train sparse`, `train anamo`, `train ga`, `pretrain` or `finetune` writes", message);
        Assert.Equal(["notes.txt"], dir.Entries());
    }

    public static TheoryData<string, string> BadMetrics => new()
    {
        { "{\"epochs\": [", "not valid JSON" },
        { "[1, 2]", "is a JSON Array; expected" },
        { "{\"model\": \"something else\", \"options\": {}}", "unknown kind of run" },
        { "{\"epochs\": []}", "unknown kind of run" },
        // The right fields, the wrong types inside: the reader --resume uses names the file.
        { "{\"options\": {}, \"epochs\": [{\"epoch\": \"one\"}]}", "not valid metrics JSON" },
    };

    [Theory]
    [MemberData(nameof(BadMetrics))]
    public void MalformedOrUnknownMetricsAreRefusedAndTheOldPictureKept(string json, string expected)
    {
        using var dir = new TempDirectory();
        var metrics = dir.File(DaeCheckpoint.MetricsFileName);
        File.WriteAllText(metrics, json);
        File.WriteAllText(dir.File(TrainingCurves.FileName), "old picture");

        var message = BadInputCliTests.AssertBadInput(CliProcess.Run(NoFontVariable, "plot", dir.Path));

        Assert.StartsWith($"error: {metrics}: ", message);
        Assert.Contains(expected, message);
        Assert.Contains("expected", message);
        Assert.Equal([TrainingCurves.FileName, DaeCheckpoint.MetricsFileName], dir.Entries());
        Assert.Equal("old picture", File.ReadAllText(dir.File(TrainingCurves.FileName)));
    }

    [Fact]
    public void AFontVariableNamingNoFontIsRefusedNamingTheVariable()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("not-a-font.ttf"), "plain text");
        var metrics = """{"model": "m", "dataset": "d", "accelerator": "a", "options": {"hidden": 5}, "train_examples": 1, "test_examples": 1, "epochs": []}""";
        File.WriteAllText(dir.File(DaeCheckpoint.MetricsFileName), metrics);

        foreach (var font in new[] { dir.File("missing.ttf"), dir.File("not-a-font.ttf") })
        {
            var message = BadInputCliTests.AssertBadInput(CliProcess.Run(new Dictionary<string, string?> { [CurveFonts.Variable] = font }, "plot", dir.Path));
            Assert.StartsWith($"error: {CurveFonts.Variable}={font}: ", message);
            Assert.Contains("expected the path of a .ttf or .otf font file", message);
        }
        Assert.Equal([DaeCheckpoint.MetricsFileName, "not-a-font.ttf"], dir.Entries());
    }

    /// <summary>Replaces curves.png with junk, runs `plot`, and checks a PNG of the run's panel count is back and nothing else was left.</summary>
    private static void AssertRedrawn(string run, int panels)
    {
        var curves = Path.Combine(run, TrainingCurves.FileName);
        Assert.Equal(TrainingCurves.Size(panels), PngFile.Size(curves));
        File.WriteAllText(curves, "not a png");
        var before = Directory.GetFileSystemEntries(run).Order(StringComparer.Ordinal).ToArray();

        var result = CliProcess.Run(NoFontVariable, "plot", run);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"wrote {curves} ({panels} panel", result.Stdout);
        Assert.Equal(TrainingCurves.Size(panels), PngFile.Size(curves));
        Assert.Equal(before, Directory.GetFileSystemEntries(run).Order(StringComparer.Ordinal).ToArray());
    }
}
