namespace ILGPUAE.Tests.Training;

using ILGPUAE.Backend;
using ILGPUAE.Backends;
using ILGPUAE.Data;
using ILGPUAE.Evaluation;
using ILGPUAE.IO;
using ILGPUAE.Tests.Evaluation;
using ILGPUAE.Tests.IO;
using ILGPUAE.Tests.Kernels;
using ILGPUAE.Tests.Models;
using ILGPUAE.Training;
using ILGPUAE.Training.Stacked;

/// <summary>Fine-tuning end to end on a small pretrained stack, with the host provider.</summary>
[Collection(CpuAcceleratorCollection.Name)]
public sealed class FinetuningTests(CpuAcceleratorFixture cpu) : IDisposable
{
    private static readonly FinetuneOptions Small = new() { MaxEpochs = 3, TrainLimit = 300, TestLimit = 500, Mlp = [16] };

    private readonly TempDirectory stack = Pretrained();

    [Fact]
    public void ARunKilledAfterAnEpochResumesToTheSameModelAndScore()
    {
        using var whole = new TempDirectory();
        using var killed = new TempDirectory();
        var request = Request(whole.Path);
        var expected = Finetuning.Run(request, new QuietFinetuneObserver());

        Assert.Throws<QuietObserver.SimulatedKill>(() => Finetuning.Run(request with { OutDir = killed.Path }, new QuietFinetuneObserver(stopAfterEpochs: 1)));
        var resumed = Finetuning.Run(request with { OutDir = killed.Path, Resume = true, Options = new FinetuneOptions() }, new QuietFinetuneObserver());

        Assert.Equal(expected.Epochs.Select(e => e.TrainLoss), resumed.Epochs.Select(e => e.TrainLoss));
        Assert.Equal(expected.TestErrors, resumed.TestErrors);
        Assert.Equal(Small.Mlp, resumed.Options.Mlp);
        var a = SafeTensorsFile.Read(Path.Combine(whole.Path, DaeCheckpoint.ModelFileName));
        var b = SafeTensorsFile.Read(Path.Combine(killed.Path, DaeCheckpoint.ModelFileName));
        Assert.Equal(["layer0.W", "layer0.b_hidden", "layer1.W", "layer1.b_hidden", "mlp0.W", "mlp0.b", "mlp1.W", "mlp1.b"], b.Tensors.Select(t => t.Name));
        Assert.Equal([10, 16], b.Tensors[^2].Shape);
        foreach (var (x, y) in a.Tensors.Zip(b.Tensors))
            Assert.Equal(x.Data, y.Data);

        // curves.png: loss over validation error; the resumed run's series hold all three epochs and mark the same best one.
        Assert.Equal(TrainingCurves.Size(2), PngFile.Size(Path.Combine(killed.Path, TrainingCurves.FileName)));
        var curves = TrainingCurves.Of(resumed);
        Assert.All(curves[0].Series, s => Assert.Equal([1, 2, 3], s.Epochs));
        Assert.Equal(expected.BestEpoch, curves[1].MarkedEpoch);
        Assert.Equal(100 * expected.BestValidError!.Value, curves[1].Series.Single(s => s.Style == CurveStyle.Points).Values.Single());
        TrainingCurvesTests.AssertSameSeries(TrainingCurves.Of(expected), curves);
    }

    [Fact]
    public void TheRateFallsOnAPlateauAndAResumedRunContinuesAtTheLoweredRate()
    {
        var options = Small with { MaxEpochs = 6, LearningRate = 1f, LrPlateau = 1, LrFactor = 0.5 };
        using var whole = new TempDirectory();
        var request = Request(whole.Path) with { Options = options };
        var expected = Finetuning.Run(request, new QuietFinetuneObserver());

        // Each epoch trains at the previous epoch's rate, halved if that epoch set no new best.
        Assert.Equal(1.0, expected.Epochs[0].LearningRate);
        for (var e = 1; e < expected.Epochs.Count; e++)
            Assert.Equal(expected.Epochs[e - 1].LearningRate * (expected.Epochs[e - 1].Best ? 1 : 0.5), expected.Epochs[e].LearningRate);

        // Killed right after the first epoch that lowered the rate, the resumed run must start at the lowered rate.
        var lowered = expected.Epochs.FindIndex(e => !e.Best) + 1;
        Assert.InRange(lowered, 2, expected.Epochs.Count - 1);
        using var killed = new TempDirectory();
        Assert.Throws<QuietObserver.SimulatedKill>(() => Finetuning.Run(request with { OutDir = killed.Path }, new QuietFinetuneObserver(stopAfterEpochs: lowered)));
        var resumed = Finetuning.Run(request with { OutDir = killed.Path, Resume = true, Options = new FinetuneOptions() }, new QuietFinetuneObserver());
        Assert.Equal(expected.Epochs.Select(e => (e.TrainLoss, e.LearningRate)), resumed.Epochs.Select(e => (e.TrainLoss, e.LearningRate)));
        Assert.Equal(expected.TestErrors, resumed.TestErrors);
    }

    [Fact]
    public void TheReloadedCheckpointPredictsAsTheRunScoredOnEveryBackendAndInDouble()
    {
        using var run = new TempDirectory();
        var metrics = Finetuning.Run(Request(run.Path), new QuietFinetuneObserver());
        var path = Path.Combine(run.Path, DaeCheckpoint.ModelFileName);
        var test = MnistSplits.Value.Limit(null, Small.TestLimit).Test;

        using var host = new ILGPUAE.Host.HostBackend();
        var (hostScore, hostPredictions) = Evaluate(path, host, test);
        var (cpuScore, cpuPredictions) = Evaluate(path, cpu.Backend, test);
        Assert.Equal(metrics.TestErrors, hostScore.Errors);
        Assert.Equal(hostPredictions, cpuPredictions);
        Assert.Equal(hostScore, cpuScore);

        // A separate reader: the tensors by name, the forward pass in double.
        var (architecture, _, _, file) = ClassifierCheckpoint.ReadModel(path);
        double[] Read(string name) => Array.ConvertAll(file.Tensors.Single(t => t.Name == name).Data, v => (double)v);
        var reference = new ClassifierReference(architecture,
            Enumerable.Range(0, architecture.LayerCount).Select(l => Read(architecture.WeightName(l))).ToArray(),
            Enumerable.Range(0, architecture.LayerCount).Select(l => Read(architecture.BiasName(l))).ToArray());
        var z = reference.Forward(Array.ConvertAll(test.Pixels, v => (double)v), test.Count)[^1];
        var predictions = Enumerable.Range(0, test.Count).Select(i => Array.IndexOf(z, z.AsSpan(i * 10, 10).ToArray().Max(), i * 10) - i * 10).ToArray();
        Assert.Equal(predictions, hostPredictions);
    }

    [Fact]
    public void AnIncompleteStackIsRefusedWithTheResumeCommand()
    {
        using var partial = new TempDirectory();
        var file = StackFile.Read(Path.Combine(stack.Path, StackFile.FileName));
        new StackFile(file.Options, file.Visible, []).Write(partial.Path);
        using var run = new TempDirectory();
        var e = Assert.Throws<InputException>(() => Finetuning.Run(Request(run.Path) with { Pretrained = partial.Path }, new QuietFinetuneObserver()));
        Assert.Contains("0 of 2 layers", e.Message);
        Assert.Contains($"its pretraining run continues with resume {partial.Path}", e.Message);
        Assert.Contains($"its pretraining run continues with --resume {partial.Path}", ILGPUAE.Cli.OptionNames.Message(e));
    }

    private static (ClassificationScore Score, int[] Predictions) Evaluate(string path, IBackend backend, Dataset test)
    {
        using var model = ClassifierCheckpoint.Load(path, backend);
        using var pixels = backend.Allocate<float>(test.Count, test.Features);
        pixels.CopyFrom(test.Pixels);
        using var labels = backend.Allocate<int>(test.Count);
        labels.CopyFrom(Array.ConvertAll(test.Labels, l => (int)l));
        using var evaluator = new ClassifierEvaluator(model, pixels, labels);
        return (evaluator.Score(), evaluator.Predictions());
    }

    private FinetuneRunRequest Request(string outDir) =>
        new(Small, null, stack.Path, AcceleratorKind.Host, 0, null, outDir, Resume: false, Force: true, MnistSplits.Value);

    private static TempDirectory Pretrained()
    {
        var dir = new TempDirectory();
        StackPretraining.Run(new StackRunRequest(StackPretrainingTests.Small with { Epochs = 1 }, AcceleratorKind.Host, 0, null, dir.Path, false, true, MnistSplits.Value),
            new QuietObserver());
        return dir;
    }

    public void Dispose() => stack.Dispose();
}
