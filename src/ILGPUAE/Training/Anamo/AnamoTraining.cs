namespace ILGPUAE.Training.Anamo;

using System.Globalization;
using System.Text.Json;
using ILGPUAE.Backend;
using ILGPUAE.Backends;
using ILGPUAE.Checkpoints;
using ILGPUAE.Data;
using ILGPUAE.Evaluation;
using ILGPUAE.IO;
using ILGPUAE.Modules;

/// <summary>Where a `train anamo` run reads data, where it writes, and what it runs on.</summary>
public sealed record AnamoRunRequest(AnamoOptions Options, AcceleratorKind Accelerator, int Device, string? DataDir, string OutDir, bool Resume, bool Force,
    RunControl? Control = null);

/// <summary>
/// One outer iteration (epoch) of `train anamo`: the training objective at each minibatch's start (code penalty included), and
/// ½‖x − x̂‖² per image and the reconstruction bias (1/M)Σ‖x − x̂‖₂ (the note's measure) after it, on the training and test sets.
/// </summary>
public sealed record AnamoEpochReport(int Epoch, double TrainLoss, double TrainReconstruction, double TestLoss, double TrainBias, double TestBias,
    double Seconds, double SamplesPerSecond) : EpochResult(Epoch, TrainLoss, Seconds, SamplesPerSecond);

/// <summary>`train anamo`'s metrics.json.</summary>
public sealed record AnamoMetrics(string Model, string Dataset, string Accelerator, AnamoOptions Options, int TrainExamples, int TestExamples,
    List<AnamoEpochReport> Epochs);

/// <summary>
/// `train anamo` from start to end: <see cref="AnamoNetwork"/> trained by <see cref="AnamoStep"/> on the one <see cref="Trainer"/>,
/// one epoch per outer iteration. After each, the model is scored (eval mode, no penalty) on the training images (the first
/// <see cref="ScoringSets.TrainScoredMax"/>) and the test set; model.safetensors (the current model), train_state.safetensors and
/// metrics.json are one commit point, curves.png follows. --resume continues from the last checkpoint (ANAMO's optimizers keep no
/// state between minibatches).
/// </summary>
public static class AnamoTraining
{
    public const string Format = "ilgpuae.anamo";
    public const string StateFormat = Format + ".state";
    public const int ScoringBatch = 500;
    private const string Verb = "train anamo";

    public static AnamoMetrics Run(AnamoRunRequest request, ITrainingObserver observer)
    {
        using var run = NetworkRunDirectory.Open(request.OutDir, request.Resume, request.Force, Verb, observer.Note);
        var (outDir, modelPath, statePath) = (run.Path, run.ModelPath, run.StatePath);
        var saved = request.Resume ? SavedState.Read(statePath) : null;
        var options = saved?.Options ?? request.Options;
        options.Validate();
        var control = NetworkRunDirectory.CheckControl(request.Control, request.OutDir, observer.Note);

        using var backend = AcceleratorCatalog.Open(request.Accelerator, request.Device, observer.Note);
        var splits = Datasets.Load(options.Dataset, request.DataDir, observer.Note).ForClassification().Limit(options.TrainLimit, options.TestLimit);
        // Every training example trains (a dataset's own validation tail included: nothing is held out for model choice).
        var train = splits.TrainAndValid();
        var visible = train.Features;
        run.Create();

        var network = AnamoNetwork.Spec(visible, options.Hidden, options.Lambda, options.SmoothStepEpsilon).Build(backend, Math.Min(options.Batch, train.Count));
        network.Initialize(options.Seed);
        var (encoder, decoder) = AnamoNetwork.Blocks(network);
        using var step = new AnamoStep(network, encoder, options.EncoderBlock, decoder, options.DecoderBlock);
        var byName = network.Body.Parameters.ToDictionary(p => p.Name, p => p.Value);
        using var scoring = AnamoNetwork.Spec(visible, options.Hidden, 0f, options.SmoothStepEpsilon).Build(backend, ScoringBatch, byName.GetValueOrDefault);
        using var evaluator = new NetworkEvaluator(backend, scoring);
        using var images = ScoringSets.Upload(backend, train, splits.Test.Take(1), splits.Test);
        using var trainer = new Trainer(backend, step, new TrainerSettings(options.Seed, options.Batch, options.EncoderStep), train.Pixels, train.Count,
            guarded: network.Body.Parameters.Select(p => (p.Name, p.Value)));
        var metrics = new AnamoMetrics("sigmoid autoencoder trained by ANAMO", train.Name, backend.Name, options, train.Count, splits.Test.Count,
            saved is null ? [] : MetricsFile.Read<AnamoMetrics>(outDir, RunKind.TrainAnamo)?.Epochs ?? []);
        if (saved is not null)
        {
            NetworkTrainState.RestoreParameters(statePath, saved.File, network);
            trainer.Restore(saved.EpochsDone, saved.StepsDone, saved.Position, saved.Losses);
            metrics.Epochs.RemoveAll(e => e.Epoch > saved.EpochsDone);
        }
        if (trainer.EpochsDone < options.Outer)
            observer.Started(new RunStart(backend.Name, options.Summary(train.Count, splits.Test.Count), trainer.EpochsDone + 1, options.Outer));

        void Stage(CheckpointCommit commit)
        {
            backend.Synchronize();
            var tensors = network.Body.Parameters.Select(p => new NamedTensor(p.Name, [.. p.Shape.Dimensions], p.Value.ToArray())).ToList();
            commit.Stage(modelPath, Checkpoint.ModelFile(AnamoNetwork.Spec(visible, options.Hidden, 0f, options.SmoothStepEpsilon), tensors, ModelMetadata(options)).Write);
            NetworkTrainState.Stage(commit, statePath, network, trainer, null, new()
            {
                [DaeCheckpoint.FormatKey] = StateFormat,
                [DaeCheckpoint.OptionsKey] = JsonSerializer.Serialize(options, DaeCheckpoint.Json),
                [DaeCheckpoint.EpochsKey] = trainer.EpochsDone.ToString(CultureInfo.InvariantCulture),
                [DaeCheckpoint.StepsKey] = trainer.StepsDone.ToString(CultureInfo.InvariantCulture),
                [NetworkTrainState.BestLossKey] = "Infinity",
            });
        }
        var commits = new EpochCommits(outDir, trainer, Stage);
        while (trainer.EpochsDone < options.Outer)
        {
            var epoch = commits.RunEpochOrThrow(observer, control);
            var trainLoss = evaluator.MeanReconstructionLoss(images.Scored);
            var testLoss = evaluator.MeanReconstructionLoss(images.Test);
            if (!double.IsFinite(trainLoss) || !double.IsFinite(testLoss))
                throw commits.WithLastCheckpoint(new TrainingDivergedException(trainer.EpochsDone, trainer.StepsDone, double.IsFinite(trainLoss) ? testLoss : trainLoss,
                    quantity: "reconstruction loss"));
            var report = new AnamoEpochReport(trainer.EpochsDone, epoch.TrainLoss, trainLoss, testLoss,
                ReconstructionBias.Mean(evaluator, scoring, images.Scored), ReconstructionBias.Mean(evaluator, scoring, images.Test), epoch.Seconds, epoch.SamplesPerSecond);
            metrics.Epochs.RemoveAll(e => e.Epoch >= report.Epoch);
            metrics.Epochs.Add(report);
            commits.EpochDone(metrics);
            TrainingCurves.Write(outDir, Curves(metrics));
            observer.EpochDone(report);
            if (control.Stop.IsCancellationRequested && trainer.EpochsDone < options.Outer)
                throw commits.Stopped();
        }
        return metrics;
    }

    /// <summary>The options a `train anamo` run in <paramref name="directory"/> was saved with, or null when it has no train_state.safetensors.</summary>
    public static AnamoOptions? SavedOptions(string directory)
    {
        var path = Path.Combine(directory, DaeCheckpoint.StateFileName);
        return File.Exists(path) ? SavedState.Read(path).Options : null;
    }

    /// <summary>curves.png: ½‖x − x̂‖² per image on the training and test sets, and the reconstruction bias on both, per outer iteration.</summary>
    public static IReadOnlyList<CurvePanel> Curves(AnamoMetrics metrics)
    {
        var epochs = metrics.Epochs.OrderBy(e => e.Epoch).ToList();
        var x = epochs.Select(e => e.Epoch).ToArray();
        var o = metrics.Options;
        return
        [
            new CurvePanel($"ANAMO on {Datasets.Info(o.Dataset).DisplayName}: {o.Hidden} hidden, λ {o.Lambda}, {o.EncoderIterations}+{o.DecoderIterations} inner iterations, steps {o.EncoderStep}/{o.DecoderStep}",
                "squared error per image",
            [
                new("train", x, epochs.Select(e => e.TrainReconstruction).ToArray(), CurveStyle.Line, 0),
                new("test", x, epochs.Select(e => e.TestLoss).ToArray(), CurveStyle.DashedLine, 1),
                new("training objective", x, epochs.Select(e => e.TrainLoss).ToArray(), CurveStyle.Line, 4),
            ], XLabel: "outer iteration"),
            new CurvePanel("reconstruction bias (1/M)Σ‖x − x̂‖₂", "mean ‖x − x̂‖₂",
            [
                new("train", x, epochs.Select(e => e.TrainBias).ToArray(), CurveStyle.Line, 0),
                new("test", x, epochs.Select(e => e.TestBias).ToArray(), CurveStyle.DashedLine, 1),
            ], XLabel: "outer iteration"),
        ];
    }

    private static Dictionary<string, string> ModelMetadata(AnamoOptions options) => new()
    {
        [DaeCheckpoint.FormatKey] = Format,
        [ModelDataset.Key] = Datasets.Info(options.Dataset).Name,
        [DaeCheckpoint.OptionsKey] = JsonSerializer.Serialize(options, DaeCheckpoint.Json),
        ["layout"] = "enc.W [hidden, visible], enc.b [hidden], dec.W [visible, hidden], dec.b [visible]; sigmoid after both",
    };

    private sealed record SavedState(SafeTensorsFile File, AnamoOptions Options, int EpochsDone, long StepsDone, int Position, float[] Losses)
    {
        public static SavedState Read(string path)
        {
            var file = NetworkTrainState.Read(path, StateFormat, Verb);
            var options = DaeCheckpoint.ReadJson<AnamoOptions>(path, file, DaeCheckpoint.OptionsKey, o => o.Validate());
            var epochs = DaeCheckpoint.ReadInt32(path, file, DaeCheckpoint.EpochsKey);
            if (epochs < 0 || epochs > options.Outer)
                throw new InputException($"{path}: __metadata__.{DaeCheckpoint.EpochsKey} is {epochs}; expected 0 … {options.Outer}");
            var (steps, position, losses, _) = NetworkTrainState.ReadProgress(path, file, options.Batch);
            return new SavedState(file, options, epochs, steps, position, losses);
        }
    }
}

/// <summary>The ANAMO note's measure of a reconstruction: the mean over images of ‖x − x̂‖₂ (the Euclidean norm, not squared).</summary>
public static class ReconstructionBias
{
    /// <summary>(1/M)Σ‖x_m − x̂_m‖₂ over the M rows of <paramref name="x"/> and <paramref name="reconstructions"/>, [M, features] each, summed in double.</summary>
    public static double Mean(ReadOnlySpan<float> x, ReadOnlySpan<float> reconstructions, int features)
    {
        if (x.Length != reconstructions.Length || features < 1 || x.Length % features != 0 || x.Length == 0)
            throw new ArgumentException($"{x.Length} inputs and {reconstructions.Length} reconstructions: expected the same number of rows of {features}");
        var rows = x.Length / features;
        var total = 0.0;
        for (var m = 0; m < rows; m++)
        {
            var sum = 0.0;
            for (var i = m * features; i < (m + 1) * features; i++)
            {
                var d = (double)x[i] - reconstructions[i];
                sum += d * d;
            }
            total += Math.Sqrt(sum);
        }
        return total / rows;
    }

    /// <summary>The measure of <paramref name="network"/>'s reconstructions (forward, eval mode) of <paramref name="data"/> [M, features] on the device.</summary>
    public static double Mean(NetworkEvaluator evaluator, Network network, Tensor<float> data) =>
        Mean(data.ToArray(), evaluator.Codes(data, network.Body.Modules.Count - 1), data.Length / data.Rows);
}
