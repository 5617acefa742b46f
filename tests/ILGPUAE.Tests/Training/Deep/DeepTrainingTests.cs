namespace ILGPUAE.Tests.Training.Deep;

using System.Text.Json;
using ILGPUAE.Backend;
using ILGPUAE.Backends;
using ILGPUAE.Checkpoints;
using ILGPUAE.Data;
using ILGPUAE.Evaluation;
using ILGPUAE.IO;
using ILGPUAE.Modules;
using ILGPUAE.Tests.IO;
using ILGPUAE.Training.Deep;
using ILGPUAE.Training;

/// <summary>`train deep` runs end to end in the engine: every scheme with every regularizer, the kept model, and resuming.</summary>
public sealed class DeepTrainingTests
{
    public static TheoryData<DeepScheme, DeepRegularizer> EveryCombination()
    {
        var data = new TheoryData<DeepScheme, DeepRegularizer>();
        foreach (var scheme in Enum.GetValues<DeepScheme>())
            foreach (var regularizer in Enum.GetValues<DeepRegularizer>())
                data.Add(scheme, regularizer);
        return data;
    }

    /// <summary>
    /// Each scheme × regularizer on a two-layer stack: the phases its schedule names, one epoch each, every score finite, and a model
    /// file that <see cref="Checkpoint.Load"/> rebuilds as the whole clean stack with the keys the probe and the sampler read.
    /// J and UJ with denoise need Corrupt.Backward through the sigmoid layer below it (a corruption between two layers).
    /// </summary>
    [Theory]
    [MemberData(nameof(EveryCombination))]
    public void EverySchemeRunsWithEveryRegularizer(DeepScheme scheme, DeepRegularizer regularizer)
    {
        using var dir = new TempDirectory();
        var options = DeepRuns.Tiny(scheme, regularizer, 8, 6);
        var metrics = DeepRuns.Run(options, dir.File("run"));

        string[] expected = scheme switch
        {
            DeepScheme.L => ["layer 1", "layer 2"],
            DeepScheme.J => ["joint"],
            _ => ["layer 1", "layer 2", "joint"],
        };
        Assert.Equal(expected, metrics.Phases.Select(p => p.Name));
        Assert.All(metrics.Phases, p => Assert.Equal(p.Name != "joint" || scheme != DeepScheme.U, p.Regularized));
        var epochs = metrics.AllEpochs.ToList();
        Assert.Equal(Enumerable.Range(1, expected.Length), epochs.Select(e => e.RunEpoch));
        Assert.All(epochs, e => Assert.True(double.IsFinite(e.TrainLoss) && double.IsFinite(e.TrainReconstruction) && double.IsFinite(e.ValidLoss)
            && double.IsFinite(e.TestLoss) && e.ValidLoss > 0, $"{e}"));

        var path = Path.Combine(dir.File("run"), DaeCheckpoint.ModelFileName);
        var file = SafeTensorsFile.Read(path);
        Assert.Equal("mnist", file.Metadata[DeepTraining.DatasetKey]);
        Assert.Equal(scheme.ToString(), file.Metadata[DeepTraining.SchemeKey]);
        Assert.Equal(DeepOptions.Name(regularizer), file.Metadata[DeepTraining.RegularizerKey]);
        Assert.Equal("7", file.Metadata[DeepTraining.SeedKey]);
        Assert.Equal("2", file.Metadata[DeepTraining.LayersKey]);
        using var backend = AcceleratorCatalog.Open(AcceleratorKind.Host);
        using var model = Checkpoint.Load(path, backend, 100);
        Assert.Equal(Networks.DeepAutoencoder([DeepRuns.Visible, 8, 6]), model.Spec, SpecComparer.Instance);
        Assert.Equal(6, model.Body.Modules[Networks.TopCodeModule(model.Spec!)].Outputs);
        Assert.True(File.Exists(Path.Combine(dir.File("run"), TrainingCurves.FileName)));
    }

    /// <summary>
    /// The GSN setup (binarize, salt-and-pepper 0.4): a run on MNIST with binarize trains, keeps and scores exactly what a run without it
    /// does on MNIST already thresholded x &gt; 0.5 (every loss and every weight equal), and not what it does on the real-valued images;
    /// the option and the noise kind are in the model's metadata and come back from the saved state.
    /// </summary>
    [Fact]
    public void BinarizeTrainsAndScoresOnTheThresholdedData()
    {
        using var dir = new TempDirectory();
        var options = DeepRuns.Tiny(DeepScheme.J, DeepRegularizer.Denoise, 8) with { NoiseKind = CorruptionKind.SaltAndPepper, Noise = 0.4f, Binarize = true };
        var mnist = MnistSplits.Value;
        var thresholded = new ClassificationSplits(mnist.Train.Take(DeepRuns.Train), mnist.Valid.Take(DeepRuns.Valid), mnist.Test.Take(DeepRuns.Test)).Binarized();
        var observer = new DeepObserver();

        var binarized = DeepRuns.Run(options, dir.File("binarize"));
        DeepTraining.Run(new DeepRunRequest(options with { Binarize = false }, AcceleratorKind.Host, 0, null, dir.File("given"), false, false, thresholded), observer);
        var real = DeepRuns.Run(options with { Binarize = false }, dir.File("real"));

        static double[] Losses(IEnumerable<DeepEpochReport> epochs) =>
            [.. epochs.SelectMany(e => new[] { e.TrainLoss, e.TrainReconstruction, e.ValidLoss, e.TestLoss })];
        Assert.Equal(Losses(observer.Epochs), Losses(binarized.AllEpochs));
        Assert.NotEqual(Losses(real.AllEpochs), Losses(binarized.AllEpochs));
        var model = DeepRuns.Tensors(Path.Combine(dir.File("binarize"), DaeCheckpoint.ModelFileName));
        Assert.All(DeepRuns.Tensors(Path.Combine(dir.File("given"), DaeCheckpoint.ModelFileName)), t => Assert.Equal(t.Value, model[t.Key]));

        var metadata = SafeTensorsFile.Read(Path.Combine(dir.File("binarize"), DaeCheckpoint.ModelFileName)).Metadata;
        Assert.Equal("true", metadata[Binarization.MetadataKey]);
        Assert.Equal("salt-and-pepper", metadata[DeepTraining.NoiseKindKey]);
        Assert.Equal("false", SafeTensorsFile.Read(Path.Combine(dir.File("real"), DaeCheckpoint.ModelFileName)).Metadata[Binarization.MetadataKey]);
        var saved = DeepTraining.SavedOptions(dir.File("binarize"))!;
        Assert.Equal((true, CorruptionKind.SaltAndPepper, 0.4f), (saved.Binarize, saved.NoiseKind, saved.Noise));
        Assert.Contains(" binarised (x > 0.5)", options.Summary(DeepRuns.Visible, 1, 1, 1));
        Assert.Contains("denoise (salt-and-pepper 0.4)", options.Summary(DeepRuns.Visible, 1, 1, 1));
    }

    /// <summary>
    /// The kept model is the lowest validation loss among the epochs whose model is the whole stack (the last layer-wise phase and the
    /// joint phase): the file's own validation loss, recomputed from it, is that minimum, and its metadata names that epoch. With a rate
    /// high enough that the joint phase overshoots, the kept epoch is not simply the last.
    /// </summary>
    [Fact]
    public void KeepsTheModelWithTheBestValidationLoss()
    {
        using var dir = new TempDirectory();
        var options = DeepRuns.Tiny(DeepScheme.UJ, DeepRegularizer.Contract, 8, 6) with { Epochs = 2, JointEpochs = 4, LearningRate = 0.2f };
        var metrics = DeepRuns.Run(options, dir.File("run"));

        var whole = metrics.Phases.Where(p => p.FirstLayer + p.Layers == 2).SelectMany(p => p.Epochs).ToList();
        var best = whole.MinBy(e => e.ValidLoss)!;
        Assert.NotEqual(metrics.AllEpochs.Last(), best);
        Assert.Equal((best.Phase, best.Epoch, best.ValidLoss), (metrics.BestPhase, metrics.BestEpoch, metrics.BestValidLoss));
        var path = Path.Combine(dir.File("run"), DaeCheckpoint.ModelFileName);
        var file = SafeTensorsFile.Read(path);
        Assert.Equal(best.Phase, file.Metadata[DeepTraining.PhaseKey]);
        Assert.Equal(best.Epoch.ToString(), file.Metadata[DeepTraining.BestEpochKey]);

        using var backend = AcceleratorCatalog.Open(AcceleratorKind.Host);
        using var model = Checkpoint.Load(path, backend, DeepTraining.ScoringBatch);
        var valid = MnistSplits.Value.Valid;
        using var images = backend.Allocate<float>(DeepRuns.Valid, valid.Features);
        images.CopyFrom(valid.Pixels.AsSpan(0, DeepRuns.Valid * valid.Features));
        using var evaluator = new NetworkEvaluator(backend, model);
        Assert.Equal(best.ValidLoss, evaluator.MeanReconstructionLoss(images));
    }

    /// <summary>
    /// A run stopped at an epoch's end, stopped after a phase's first step, stopped again one step into a resumed epoch (from a
    /// mid-epoch checkpoint), and "killed" right after a commit, resumed each time, ends with the very bytes of the run that never
    /// stopped: model, state, and every figure of metrics.json but the timings. On host.
    /// </summary>
    [Fact]
    public void ResumedRunEndsWithTheBytesOfAnUninterruptedOne()
    {
        using var dir = new TempDirectory();
        var options = DeepRuns.Tiny(DeepScheme.UJ, DeepRegularizer.Contract, 8, 6) with { Epochs = 2, JointEpochs = 2 };
        var whole = dir.File("whole");
        DeepRuns.Run(options, whole, control: new RunControl(CheckpointEvery: 1));

        var pieces = dir.File("pieces");
        // 1: stop at the end of layer 1's first epoch.
        Stop(options, pieces, resume: false, observer => new DeepObserver { OnEpoch = _ => observer.Cancel() });
        // 2: stop when layer 2 starts (after its first step: a mid-epoch checkpoint).
        Stop(options, pieces, resume: true, observer => new DeepObserver { OnStarted = n => { if (n == 2) observer.Cancel(); } });
        // 3: resumed mid-epoch, stop again after one more step.
        Stop(options, pieces, resume: true, observer => { observer.Cancel(); return new DeepObserver(); });
        // 4: a kill right after the first joint epoch's commit (the observer hears of an epoch after its checkpoint).
        Assert.Throws<Killed>(() => DeepRuns.Run(options, pieces, resume: true, control: new RunControl(CheckpointEvery: 1),
            observer: new DeepObserver { OnEpoch = e => { if (e.Phase == "joint") throw new Killed(); } }));
        var last = DeepRuns.Run(options, pieces, resume: true, control: new RunControl(CheckpointEvery: 1));

        foreach (var name in new[] { DaeCheckpoint.ModelFileName, DaeCheckpoint.StateFileName })
            Assert.True(File.ReadAllBytes(Path.Combine(whole, name)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(pieces, name))), $"{name} differs");
        Assert.Equal(Figures(whole), Figures(pieces));
        Assert.Equal(6, last.AllEpochs.Count());
    }

    /// <summary>
    /// on_nan halve-lr: a rate at which the first epoch diverges goes back to the phase's start at half the rate until it trains, the
    /// restarts are recorded with the epoch that followed them, the halved rate is saved with the options, and the run ends where a run
    /// started at that rate ends, byte for byte.
    /// </summary>
    [Fact]
    public void HalveLrRestartsFromTheLastGoodStateAtHalfTheRate()
    {
        using var dir = new TempDirectory();
        var options = DeepRuns.Tiny(DeepScheme.L, DeepRegularizer.Contract, 8) with
        {
            Optimizer = new ILGPUAE.Optimizers.OptimizerChoice(), LearningRate = 1e19f, Epochs = 2, OnNan = NanPolicy.HalveLearningRate,
        };
        var observer = new DeepObserver();
        var metrics = DeepRuns.Run(options, dir.File("halved"), observer: observer);

        var restarts = metrics.AllEpochs.First().NanRestarts;
        Assert.NotNull(restarts);
        Assert.InRange(restarts.Count, 1, NanPolicies.MaxHalvings);
        Assert.Equal(restarts.Select((_, i) => 1e19 / (2 << i)), restarts.Select(r => r.LearningRate), (a, b) => Math.Abs(a - b) <= 1e-6 * a);
        Assert.All(restarts, r => Assert.Equal(0, r.FromEpoch));
        Assert.Equal(restarts.Count, observer.Notes.Count(n => n.Contains("learning rate halved", StringComparison.Ordinal)));
        var rate = (float)restarts[^1].LearningRate;
        Assert.Equal(rate, DeepTraining.SavedOptions(dir.File("halved"))!.LearningRate);

        DeepRuns.Run(options with { LearningRate = rate }, dir.File("fresh"));
        foreach (var name in new[] { DaeCheckpoint.ModelFileName, DaeCheckpoint.StateFileName })
            Assert.True(File.ReadAllBytes(Path.Combine(dir.File("halved"), name)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(dir.File("fresh"), name))),
                $"{name} differs from the run started at {rate}");
    }

    private static void Stop(DeepOptions options, string run, bool resume, Func<CancellationTokenSource, DeepObserver> observer)
    {
        using var stop = new CancellationTokenSource();
        Assert.Throws<RunInterruptedException>(() => DeepRuns.Run(options, run, resume, new RunControl(1, stop.Token), observer(stop)));
    }

    /// <summary>metrics.json without the timings.</summary>
    private static string Figures(string run)
    {
        var metrics = DeepMetrics.Read(run)!;
        var epochs = metrics.AllEpochs.Select(e => e with { Seconds = 0, SamplesPerSecond = 0 });
        return JsonSerializer.Serialize(new { metrics.Phases.Count, epochs, metrics.BestPhase, metrics.BestEpoch, metrics.BestValidLoss });
    }

    private sealed class Killed : Exception;
}

/// <summary>Two specs are equal when their JSON is (records holding lists compare those by reference).</summary>
internal sealed class SpecComparer : IEqualityComparer<NetworkSpec?>
{
    public static readonly SpecComparer Instance = new();

    public bool Equals(NetworkSpec? x, NetworkSpec? y) => x?.ToJson() == y?.ToJson();

    public int GetHashCode(NetworkSpec? obj) => obj?.ToJson().GetHashCode() ?? 0;
}
