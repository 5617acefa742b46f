namespace ILGPUAE.Tests.Training;

using ILGPUAE.Backends;
using ILGPUAE.Evaluation;
using ILGPUAE.IO;
using ILGPUAE.Tests.Evaluation;
using ILGPUAE.Tests.IO;
using ILGPUAE.Training;
using ILGPUAE.Training.Stacked;

/// <summary>Pretraining end to end on a few hundred MNIST images with the host provider.</summary>
public sealed class StackPretrainingTests
{
    internal static readonly StackOptions Small = new()
    {
        Hidden = [24, 12],
        Corruption = [0.2f, 0.3f],
        LearningRate = 0.01f,
        Epochs = 2,
        TrainLimit = 300,
        TestLimit = 100,
    };

    [Fact]
    public void AStackKilledMidLayerResumesToTheSameWeights()
    {
        using var whole = new TempDirectory();
        using var killed = new TempDirectory();
        var full = new StackRunRequest(Small, AcceleratorKind.Host, 0, null, whole.Path, Resume: false, Force: true, MnistSplits.Value);
        var metrics = StackPretraining.Run(full, new QuietObserver());

        // Killed after layer 0's two epochs and layer 1's first: layer 1 resumes from its epoch-1 checkpoint.
        var partial = full with { OutDir = killed.Path };
        Assert.Throws<QuietObserver.SimulatedKill>(() => StackPretraining.Run(partial, new QuietObserver(stopAfterEpochs: 3)));
        Assert.Equal(1, StackFile.Read(killed.File(StackFile.FileName)).LayersDone);
        var resumed = StackPretraining.Run(partial with { Resume = true, Options = new StackOptions() }, new QuietObserver());

        var expected = SafeTensorsFile.Read(whole.File(StackFile.FileName));
        var actual = SafeTensorsFile.Read(killed.File(StackFile.FileName));
        Assert.Equal(["layer0.W", "layer0.b_hidden", "layer0.b_visible", "layer1.W", "layer1.b_hidden", "layer1.b_visible"],
            actual.Tensors.Select(t => t.Name));
        Assert.Equal([24, 784], actual.Tensors[0].Shape);
        Assert.Equal([12, 24], actual.Tensors[3].Shape);
        foreach (var tensor in expected.Tensors)
        {
            Assert.True(actual.TryGet(tensor.Name, out var other));
            Assert.Equal(tensor.Data, other.Data);
        }
        // Layer 0's pictures: 28×28 tiles with 1-pixel gaps, 10 a row; 24 units fill 3 rows of filters, 50 digits 10 rows of 5 pairs.
        Assert.Equal((291, 88), PngFile.Size(whole.File("filters.png")));
        Assert.Equal((291, 291), PngFile.Size(whole.File("reconstructions.png")));

        // The resumed run kept the saved options (the request's defaults were ignored) and every epoch's metrics.
        Assert.Equal(Small.Hidden, resumed.Options.Hidden);
        Assert.Equal(metrics.Layers.Select(l => l.Epochs.Count), resumed.Layers.Select(l => l.Epochs.Count));
        Assert.Equal(metrics.Layers[1].Epochs[^1].TrainLoss, resumed.Layers[1].Epochs[^1].TrainLoss);

        // curves.png: a panel per layer; the resumed run's series hold every epoch (layer 1's first from the killed run)
        // and equal the straight run's.
        Assert.Equal(TrainingCurves.Size(2), PngFile.Size(whole.File(TrainingCurves.FileName)));
        Assert.Equal(TrainingCurves.Size(2), PngFile.Size(killed.File(TrainingCurves.FileName)));
        var curves = TrainingCurves.Of(resumed);
        Assert.Equal(2, curves.Count);
        Assert.All(curves, panel => Assert.All(panel.Series, s => Assert.Equal([1, 2], s.Epochs)));
        TrainingCurvesTests.AssertSameSeries(TrainingCurves.Of(metrics), curves);
    }

    [Fact]
    public void LayerZeroIsExactlyATrainDaeRunWithTheSameOptions()
    {
        using var stack = new TempDirectory();
        using var single = new TempDirectory();
        var options = Small with { Hidden = [16], Corruption = [0.25f], Epochs = 1 };
        StackPretraining.Run(new StackRunRequest(options, AcceleratorKind.Host, 0, null, stack.Path, false, true, MnistSplits.Value), new QuietObserver());
        DaeTraining.Run(new DaeRunRequest(options.ForLayer(0), AcceleratorKind.Host, 0, null, single.Path, false, true), new QuietObserver());

        var fromStack = SafeTensorsFile.Read(stack.File(StackFile.FileName));
        var fromDae = SafeTensorsFile.Read(single.File(DaeCheckpoint.ModelFileName));
        Assert.True(fromStack.TryGet("layer0.W", out var w));
        Assert.True(fromDae.TryGet("W", out var expected));
        Assert.Equal(expected.Data, w.Data);
    }

    [Fact]
    public void ForceOverAnOldRunTrainsEveryLayerAfreshInsteadOfResumingItsCheckpoints()
    {
        using var dir = new TempDirectory();
        var options = Small with { Hidden = [16, 8], Epochs = 1 };
        var request = new StackRunRequest(options, AcceleratorKind.Host, 0, null, dir.Path, Resume: false, Force: true, MnistSplits.Value);
        StackPretraining.Run(request with { Options = options with { Epochs = 2 } }, new QuietObserver());

        // The old layer directories hold epoch-2 checkpoints; a new 1-epoch run must not take them as done.
        var observer = new QuietObserver();
        var metrics = StackPretraining.Run(request, observer);

        Assert.Equal(2, observer.Epochs.Count);
        Assert.All(metrics.Layers, l => Assert.Equal([1], l.Epochs.Select(e => e.Epoch)));
        Assert.All(TrainingCurves.Of(metrics), panel => Assert.All(panel.Series, s => Assert.Equal([1], s.Epochs)));
    }

    [Fact]
    public void MismatchedListsAreRejectedBeforeAnyWork()
    {
        using var dir = new TempDirectory();
        var bad = Small with { Corruption = [0.1f, 0.2f, 0.3f] };
        var e = Assert.Throws<InputException>(() =>
            StackPretraining.Run(new StackRunRequest(bad, AcceleratorKind.Host, 0, null, dir.Path, false, false), new QuietObserver()));
        Assert.Contains("3 values for 2 layers", e.Message);
    }
}
