namespace ILGPUAE.Tests.Evaluation;

using ILGPUAE.Backends;
using ILGPUAE.Evaluation;
using ILGPUAE.Tests.IO;
using ILGPUAE.Tests.Training;
using ILGPUAE.Training;
using ILGPUAE.Training.Stacked;

/// <summary>
/// curves.png: the series handed to the plotter come from every epoch metrics.json holds (a resumed run's too),
/// and the picture is a PNG of the size the panel count gives, written without leaving temp files.
/// </summary>
public sealed class TrainingCurvesTests
{
    private static readonly DaeOptions Tiny = new()
    {
        Hidden = 16, Corruption = 0.2f, LearningRate = 0.05f, Epochs = 3, TrainLimit = 200, TestLimit = 50, Seed = 3,
    };

    [Fact]
    public void ATrainDaeRunResumedAfterEpochOneDrawsAllThreeEpochsAsTheStraightRunDoes()
    {
        using var straightDir = new TempDirectory();
        using var killedDir = new TempDirectory();
        var request = new DaeRunRequest(Tiny, AcceleratorKind.Host, 0, null, straightDir.Path, Resume: false, Force: true);
        var straight = DaeTraining.Run(request, new QuietObserver());

        var killed = new QuietObserver(stopAfterEpochs: 1);
        Assert.Throws<QuietObserver.SimulatedKill>(() => DaeTraining.Run(request with { OutDir = killedDir.Path }, killed));
        // The killed run drew its one epoch.
        Assert.Equal(TrainingCurves.Size(1), PngFile.Size(killedDir.File(TrainingCurves.FileName)));
        var resumed = DaeTraining.Run(request with { OutDir = killedDir.Path, Resume = true }, new QuietObserver());

        var curves = TrainingCurves.Of(resumed);
        var panel = Assert.Single(curves);
        Assert.Equal(["train loss", "test loss"], panel.Series.Select(s => s.Label));
        Assert.All(panel.Series, s => Assert.Equal([1, 2, 3], s.Epochs));
        // Epoch 1 is the killed run's figure, carried over through metrics.json.
        Assert.Equal(killed.Epochs[0].TrainLoss, panel.Series[0].Values[0]);
        Assert.Equal(killed.Epochs[0].TestLoss, panel.Series[1].Values[0]);
        AssertSameSeries(TrainingCurves.Of(straight), curves);
        Assert.Equal(TrainingCurves.Size(1), PngFile.Size(straightDir.File(TrainingCurves.FileName)));
        Assert.Equal(TrainingCurves.Size(1), PngFile.Size(killedDir.File(TrainingCurves.FileName)));
    }

    [Fact]
    public void PretrainingHasOnePanelPerLayerWithItsTrainAndTestLoss()
    {
        var layer0 = new List<EpochReport> { new(1, 90, 80, 1, 1), new(2, 70, 65, 1, 1) };
        var layer1 = new List<EpochReport> { new(1, 400, 390, 1, 1) };
        var metrics = new StackMetrics("stacked denoising autoencoders", "MNIST", "host", new StackOptions { Hidden = [24, 12], Corruption = [0.2f, 0.3f] }, 300, 100,
            [new StackLayerMetrics(1, 24, 12, 0.3f, 9, layer1), new StackLayerMetrics(0, 784, 24, 0.2f, 1, layer0)]);

        var curves = TrainingCurves.Of(metrics);

        Assert.Equal(2, curves.Count);
        Assert.StartsWith("layer 0: 784 → 24, masking 0.2", curves[0].Title);
        Assert.StartsWith("layer 1: 24 → 12, masking 0.3", curves[1].Title);
        Assert.Equal([1, 2], curves[0].Series[0].Epochs);
        Assert.Equal([90.0, 70.0], curves[0].Series[0].Values);
        Assert.Equal([80.0, 65.0], curves[0].Series[1].Values);
        Assert.Equal([400.0], curves[1].Series[0].Values);
        Assert.Contains("cross-entropy", curves[0].YLabel);
    }

    [Fact]
    public void FinetuningMarksTheBestValidationEpochAndShowsTheErrorInPercent()
    {
        var metrics = new FinetuneMetrics("classifier", "784-24-10", null, "/pretrained", "MNIST", "host", new FinetuneOptions(), 300, 10000,
        [
            new FinetuneEpochReport(1, 0.9, 0.20, 1, 1, true, 0.1),
            new FinetuneEpochReport(2, 0.5, 0.10, 1, 1, true, 0.1),
            new FinetuneEpochReport(3, 0.4, 0.12, 1, 1, false, 0.1),
        ])
        { BestEpoch = 2, BestValidError = 0.10 };

        var curves = TrainingCurves.Of(metrics);

        Assert.Equal(2, curves.Count);
        Assert.Equal([0.9, 0.5, 0.4], Assert.Single(curves[0].Series).Values);
        var error = curves[1].Series[0];
        Assert.Equal([1, 2, 3], error.Epochs);
        Assert.Equal([20.0, 10.0, 12.0], error.Values, (a, b) => Math.Abs(a - b) <= 1e-12);
        var best = curves[1].Series[1];
        Assert.Equal(CurveStyle.Points, best.Style);
        Assert.Equal([2], best.Epochs);
        Assert.Equal(10.0, Assert.Single(best.Values), 12);
        Assert.All(curves, p => Assert.Equal(2, p.MarkedEpoch));
        Assert.DoesNotContain("test accuracy", curves[0].Title);

        metrics.SetTestResult(new ClassificationScore(Errors: 30, Count: 1000));
        Assert.Contains("test accuracy 97.00 % ± 1.06 % (30 errors in 1000)", TrainingCurves.Of(metrics)[0].Title);
        Assert.Equal("validation error on 10000 images", curves[1].Title);

        var regularised = metrics with { Options = new FinetuneOptions { Corruption = 0.2f, LrPlateau = 3 } };
        Assert.Equal("validation error on 10000 images; lr × 0.5 after 3 epochs without a new best; training inputs masked at 0.2",
            TrainingCurves.Of(regularised)[1].Title);
    }

    [Fact]
    public void WriteLeavesOnlyAPngOfThePanelsSize()
    {
        using var dir = new TempDirectory();
        CurvePanel Panel(string title) => new(title, "loss", [new CurveSeries("train loss", [1, 2, 3], [3.0, 2.0, 1.5], CurveStyle.Line, 0)]);

        TrainingCurves.Write(dir.Path, [Panel("a"), Panel("b"), Panel("c")]);
        Assert.Equal([TrainingCurves.FileName], dir.Entries());
        Assert.Equal((TrainingCurves.Width, 3 * TrainingCurves.PanelHeight), PngFile.Size(dir.File(TrainingCurves.FileName)));

        // Redrawn over the old picture (as after every epoch), still one file.
        TrainingCurves.Write(dir.Path, [Panel("a")]);
        Assert.Equal([TrainingCurves.FileName], dir.Entries());
        Assert.Equal(TrainingCurves.Size(1), PngFile.Size(dir.File(TrainingCurves.FileName)));
        Assert.Throws<ArgumentException>(() => TrainingCurves.Write(dir.Path, []));
    }

    /// <summary>The same panels, series, epochs and values, bit for bit.</summary>
    internal static void AssertSameSeries(IReadOnlyList<CurvePanel> expected, IReadOnlyList<CurvePanel> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        foreach (var (e, a) in expected.Zip(actual))
        {
            Assert.Equal(e.MarkedEpoch, a.MarkedEpoch);
            Assert.Equal(e.Series.Select(s => (s.Label, s.Style)), a.Series.Select(s => (s.Label, s.Style)));
            foreach (var (es, @as) in e.Series.Zip(a.Series))
            {
                Assert.Equal(es.Epochs, @as.Epochs);
                Assert.Equal(es.Values.Select(BitConverter.DoubleToInt64Bits), @as.Values.Select(BitConverter.DoubleToInt64Bits));
            }
        }
    }
}
