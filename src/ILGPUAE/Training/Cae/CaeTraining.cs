namespace ILGPUAE.Training.Cae;

using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ILGPUAE.Backend;
using ILGPUAE.Backends;
using ILGPUAE.Checkpoints;
using ILGPUAE.Data;
using ILGPUAE.Evaluation;
using ILGPUAE.IO;
using ILGPUAE.Modules;
using ILGPUAE.Optimizers;
using ILGPUAE.Training.Stacked;

/// <summary>Where a `train cae` run reads data, where it writes, and what it runs on.</summary>
/// <param name="Control">Mid-epoch checkpoints and a stop request (a signal); null: checkpoints at epoch ends only, never stopped.</param>
public sealed record CaeRunRequest(CaeOptions Options, AcceleratorKind Accelerator, int Device, string? DataDir, string OutDir, bool Resume, bool Force,
    RunControl? Control = null);

/// <summary>One epoch of `train cae`: the training objective (penalties included) and the reconstruction loss, eval mode, on three sets.</summary>
public sealed record CaeEpochReport(int Epoch, double TrainLoss, double TrainReconstruction, double ValidLoss, double TestLoss, double Seconds,
    double SamplesPerSecond) : EpochResult(Epoch, TrainLoss, Seconds, SamplesPerSecond)
{
    public bool Best { get; init; }
}

/// <summary>`train cae`'s metrics.json: what ran where, the options, every epoch, and the kept (lowest-validation) epoch.</summary>
public sealed record CaeMetrics(string Model, string Dataset, string Accelerator, CaeOptions Options, int TrainExamples, int TrainScored, int ValidExamples,
    int TestExamples, List<CaeEpochReport> Epochs)
{
    public int BestEpoch { get; set; }

    public double? BestValidLoss { get; set; }
}

/// <summary>
/// `train cae` from start to end: the convolutional autoencoder (<see cref="Networks.ConvAutoencoder"/>) as a <see cref="NetworkStep"/>
/// with its <see cref="Optimizer"/> on the one <see cref="Trainer"/>, as `train deep` trains each phase, on <see cref="CaeOptions.Loss"/>.
/// After every epoch it is scored (mean ½‖x − z‖² per image whatever the training loss, eval mode, no penalties) on the first training images, the holdout and the test set; the epoch with the
/// lowest holdout loss is kept as OUT/model.safetensors, and model, state and metrics.json are one commit point. curves.png and
/// reconstructions.png (the first 10 test images above their reconstructions by the kept model, as the study's Figs. 6–7) follow.
/// </summary>
public static class CaeTraining
{
    public const string Format = "ilgpuae.cae";
    public const string StateFormat = Format + ".state";
    public const string ReconstructionsFileName = "reconstructions.png";
    public const int ScoringBatch = 500;

    public const string DatasetKey = Evaluation.ModelDataset.Key;
    public const string SparseKey = "sparse";
    public const string LossKey = "loss";
    public const string WeightL1Key = "l1_weights";
    public const string CodeL1Key = "l1_codes";
    public const string BestEpochKey = "best_epoch";
    public const string ValidLossKey = "valid_loss";

    // The verb that writes these directories, as refusals name it.
    private const string Verb = "train cae";

    public static CaeMetrics Run(CaeRunRequest request, ITrainingObserver observer)
    {
        using var run = NetworkRunDirectory.Open(request.OutDir, request.Resume, request.Force, Verb, observer.Note);
        var (outDir, modelPath, statePath) = (run.Path, run.ModelPath, run.StatePath);
        var saved = request.Resume ? SavedState.Read(statePath) : null;
        var options = saved?.Options ?? request.Options;
        options.Validate();
        var control = NetworkRunDirectory.CheckControl(request.Control, request.OutDir, observer.Note);

        using var backend = AcceleratorCatalog.Open(request.Accelerator, request.Device, observer.Note);
        var loaded = Datasets.Load(options.Dataset, request.DataDir, observer.Note);
        if (options.Holdout is { } holdout && holdout >= loaded.TrainAndValidation.Count)
            throw InputException.ForSetting("holdout", holdout, $"fewer than the {loaded.TrainAndValidation.Count} training images of {loaded.Info.DisplayName}");
        var all = (options.Holdout is { } h ? loaded.WithValidation(h) : loaded).ForClassification().Limit(options.TrainLimit, options.TestLimit);
        var splits = all with { Valid = all.Valid.Limit(options.ValidLimit, "valid_limit") };
        var visible = splits.Train.Features;
        run.Create();

        var spec = Networks.ConvAutoencoder(options.CodeL1, loss: options.Loss);
        using var network = spec.Build(backend, Math.Min(options.Batch, splits.Train.Count));
        network.Initialize(options.Seed);
        var byName = network.Body.Parameters.ToDictionary(p => p.Name, p => p.Value);
        // Scoring shares the trained tensors by name, at a larger batch and without the code penalty, and scores ½‖x − z‖² per image
        // whatever the training loss (the study's measure; 47.54 on MNIST's holdout is an all-black output's), so runs compare.
        using var scoring = Networks.ConvAutoencoder(loss: LossKind.SquaredError).Build(backend, ScoringBatch, byName.GetValueOrDefault);
        using var evaluator = new NetworkEvaluator(backend, scoring);
        using var images = ScoringSets.Upload(backend, splits.Train, splits.Valid, splits.Test);
        var best = new ParameterSnapshot(backend, scoring.Body.Parameters.Select(p => (p.Name, p.Value)));
        var bestLoss = double.PositiveInfinity;
        var bestEpoch = 0;

        var metrics = new CaeMetrics(options.Sparse ? "sparse convolutional autoencoder" : "convolutional autoencoder", splits.Train.Name, backend.Name, options,
            splits.Train.Count, images.TrainScored, splits.Valid.Count, splits.Test.Count,
            saved is null ? [] : MetricsFile.Read<CaeMetrics>(outDir, RunKind.TrainCae)?.Epochs ?? []);
        using var step = new NetworkStep(network, new Optimizer(backend, network.TrainedParameters, options.OptimizerOptions()), options.LearningRate, options.OnNan);
        using var trainer = new Trainer(backend, step, new TrainerSettings(options.Seed, options.Batch, options.LearningRate), splits.Train.Pixels,
            splits.Train.Count, guarded: network.TrainedParameters.Select(p => (p.Name, p.Value)));
        if (saved is not null)
        {
            NetworkTrainState.RestoreParameters(statePath, saved.File, network);
            OptimizerCheckpoint.Restore(statePath, saved.File, step.Optimizer);
            trainer.Restore(saved.EpochsDone, saved.StepsDone, saved.Position, saved.Losses);
            if (double.IsFinite(saved.BestLoss))
            {
                best.Load(modelPath, SafeTensorsFile.Read(modelPath));
                (bestLoss, bestEpoch) = (saved.BestLoss, saved.BestEpoch);
            }
            metrics.Epochs.RemoveAll(e => e.Epoch > saved.EpochsDone);
        }
        (metrics.BestEpoch, metrics.BestValidLoss) = (bestEpoch, double.IsFinite(bestLoss) ? bestLoss : null);
        if (trainer.EpochsDone < options.Epochs)
            observer.Started(new RunStart(backend.Name, options.Summary(splits.Train.Count, splits.Valid.Count, splits.Test.Count), trainer.EpochsDone + 1, options.Epochs));

        void Stage(CheckpointCommit commit)
        {
            // Before the first epoch is kept, the starting parameters, so that a directory always has a model.
            var tensors = double.IsFinite(bestLoss)
                ? best.Tensors
                : [.. network.Body.Parameters.Select(p => new NamedTensor(p.Name, [.. p.Shape.Dimensions], p.Value.ToArray()))];
            commit.Stage(modelPath, Checkpoint.ModelFile(Networks.ConvAutoencoder(loss: options.Loss), tensors, ModelMetadata(options, bestEpoch, bestLoss)).Write);
            StageState(commit, statePath, options, network, trainer, step.Optimizer, bestLoss, bestEpoch);
        }
        var commits = new EpochCommits(outDir, trainer, Stage);

        while (trainer.EpochsDone < options.Epochs)
        {
            var epoch = commits.RunEpochOrThrow(observer, control);
            var (trainLoss, validLoss, testLoss, diverged) = images.Score(evaluator, trainer);
            if (diverged is not null)
                throw commits.WithLastCheckpoint(diverged);
            var improved = validLoss < bestLoss;
            if (improved)
            {
                best.Capture();
                (bestLoss, bestEpoch) = (validLoss, trainer.EpochsDone);
            }
            var report = new CaeEpochReport(trainer.EpochsDone, epoch.TrainLoss, trainLoss, validLoss, testLoss, epoch.Seconds, epoch.SamplesPerSecond)
            {
                Best = improved,
                SkippedBatches = epoch.SkippedBatches,
            };
            metrics.Epochs.RemoveAll(e => e.Epoch >= report.Epoch);
            metrics.Epochs.Add(report);
            (metrics.BestEpoch, metrics.BestValidLoss) = (bestEpoch, bestLoss);
            commits.EpochDone(metrics);
            TrainingCurves.Write(outDir, TrainingCurves.Of(metrics));
            observer.EpochDone(report);
            if (control.Stop.IsCancellationRequested && trainer.EpochsDone < options.Epochs)
                throw commits.Stopped();
        }
        // The kept model's reconstructions of the first test images.
        if (double.IsFinite(bestLoss))
            best.Restore();
        WriteReconstructions(Path.Combine(outDir, ReconstructionsFileName), evaluator, scoring, images.Test, splits.Test);
        return metrics;
    }

    /// <summary>The options a `train cae` run in <paramref name="directory"/> was saved with, or null when it has no train_state.safetensors.</summary>
    public static CaeOptions? SavedOptions(string directory)
    {
        var path = Path.Combine(directory, DaeCheckpoint.StateFileName);
        return File.Exists(path) ? SavedState.Read(path).Options : null;
    }

    /// <summary>
    /// reconstructions.png: two rows of 10 — the first 10 test images (fewer when the test set is smaller), and below each its
    /// reconstruction by <paramref name="network"/> (the one <paramref name="evaluator"/> runs), with its parameters as they are (the kept model, after a run).
    /// </summary>
    public static void WriteReconstructions(string path, NetworkEvaluator evaluator, Network network, Tensor<float> testImages, Dataset test)
    {
        var count = Math.Min(10, test.Count);
        using var first = testImages.Slice(0, count);
        var outputs = evaluator.Codes(first, network.Body.Modules.Count - 1);
        var image = new TileImage(test.Rows, count, 2);
        for (var i = 0; i < count; i++)
        {
            image.Draw(0, i, test.Pixels.AsSpan(i * test.Features, test.Features), TileScaling.UnitInterval);
            image.Draw(1, i, outputs.AsSpan(i * test.Features, test.Features), TileScaling.UnitInterval);
        }
        image.Write(path);
    }

    private static Dictionary<string, string> ModelMetadata(CaeOptions options, int bestEpoch, double bestLoss) => new()
    {
        [DaeCheckpoint.FormatKey] = Format,
        [DatasetKey] = Datasets.Info(options.Dataset).Name,
        [SparseKey] = options.Sparse ? "true" : "false",
        [LossKey] = options.Loss.ToString(),
        [WeightL1Key] = options.WeightL1.ToString("R", CultureInfo.InvariantCulture),
        [CodeL1Key] = options.CodeL1.ToString("R", CultureInfo.InvariantCulture),
        [DaeCheckpoint.OptionsKey] = JsonSerializer.Serialize(options, DaeCheckpoint.Json),
        [BestEpochKey] = bestEpoch.ToString(CultureInfo.InvariantCulture),
        [ValidLossKey] = bestLoss.ToString("R", CultureInfo.InvariantCulture),
        ["layout"] = "NCHW images of 1×28×28; enc{k}.W / dec{k}.W [out, in, 3, 3], enc{k}.b / dec{k}.b [out]; the code is the second max-pool's 4×7×7",
    };

    private static void StageState(CheckpointCommit commit, string path, CaeOptions options, Network network, Trainer trainer, Optimizer optimizer,
        double bestLoss, int bestEpoch) =>
        NetworkTrainState.Stage(commit, path, network, trainer, optimizer, new()
        {
            [DaeCheckpoint.FormatKey] = StateFormat,
            [DaeCheckpoint.OptionsKey] = JsonSerializer.Serialize(options, DaeCheckpoint.Json),
            [DaeCheckpoint.EpochsKey] = trainer.EpochsDone.ToString(CultureInfo.InvariantCulture),
            [DaeCheckpoint.StepsKey] = trainer.StepsDone.ToString(CultureInfo.InvariantCulture),
            [NetworkTrainState.BestLossKey] = bestLoss.ToString("R", CultureInfo.InvariantCulture),
            [BestEpochKey] = bestEpoch.ToString(CultureInfo.InvariantCulture),
        });

    /// <summary>A train_state.safetensors read back: the options, where the run stood, and the kept model's figures.</summary>
    private sealed record SavedState(SafeTensorsFile File, CaeOptions Options, int EpochsDone, long StepsDone, int Position, float[] Losses, double BestLoss, int BestEpoch)
    {
        public static SavedState Read(string path)
        {
            var file = NetworkTrainState.Read(path, StateFormat, Verb);
            var options = DaeCheckpoint.ReadJson<CaeOptions>(path, file, DaeCheckpoint.OptionsKey, o => o.Validate());
            // Runs saved before the loss was a setting trained on squared error; the record's default is cross-entropy.
            if (JsonNode.Parse(file.Metadata[DaeCheckpoint.OptionsKey]) is JsonObject saved && !saved.ContainsKey(LossKey))
                options = options with { Loss = LossKind.SquaredError };
            var epochs = DaeCheckpoint.ReadInt32(path, file, DaeCheckpoint.EpochsKey);
            if (epochs < 0 || epochs > options.Epochs)
                throw new InputException($"{path}: __metadata__.{DaeCheckpoint.EpochsKey} is {epochs}; expected 0 … {options.Epochs}");
            var (steps, position, losses, bestLoss) = NetworkTrainState.ReadProgress(path, file, options.Batch);
            return new SavedState(file, options, epochs, steps, position, losses, bestLoss, DaeCheckpoint.ReadInt32(path, file, BestEpochKey));
        }
    }
}
