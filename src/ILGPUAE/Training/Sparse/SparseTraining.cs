namespace ILGPUAE.Training.Sparse;

using System.Globalization;
using System.Text.Json;
using ILGPUAE.Backend;
using ILGPUAE.Backends;
using ILGPUAE.Checkpoints;
using ILGPUAE.Data;
using ILGPUAE.Evaluation;
using ILGPUAE.IO;
using ILGPUAE.Modules;
using ILGPUAE.Optimizers;
using ILGPUAE.Training.Stacked;

/// <summary>Where a `train sparse` run reads data, where it writes, and what it runs on.</summary>
/// <param name="Control">Mid-epoch checkpoints and a stop request (a signal); null: checkpoints at epoch ends only, never stopped.</param>
public sealed record SparseRunRequest(SparseOptions Options, AcceleratorKind Accelerator, int Device, string? DataDir, string OutDir, bool Resume, bool Force,
    RunControl? Control = null);

/// <summary>One epoch (a full-batch iteration) of `train sparse`: the training objective (KL included) and the reconstruction loss, eval mode, on three sets.</summary>
public sealed record SparseEpochReport(int Epoch, double TrainLoss, double TrainReconstruction, double ValidLoss, double TestLoss, double Seconds,
    double SamplesPerSecond) : EpochResult(Epoch, TrainLoss, Seconds, SamplesPerSecond)
{
    public bool Best { get; init; }

    /// <summary>The line search's accepted step (null for SGD and Adam).</summary>
    public double? Step { get; init; }
}

/// <summary>`train sparse`'s metrics.json: what ran where, the options, every epoch, the kept (lowest-validation) epoch, and whether the line search stalled.</summary>
public sealed record SparseMetrics(string Model, string Dataset, string Accelerator, SparseOptions Options, int TrainExamples, int TrainScored, int ValidExamples,
    int TestExamples, List<SparseEpochReport> Epochs)
{
    /// <summary>Tells this file from the other runs' (<see cref="MetricsFile"/>).</summary>
    public bool SparseAutoencoder => true;

    /// <summary>Which layer of the stack this run trained (0 for a single sparse autoencoder).</summary>
    public int Layer { get; init; }

    public int BestEpoch { get; set; }

    public double? BestValidLoss { get; set; }

    /// <summary>Set when the line search found no decrease and the run stopped before its epochs.</summary>
    public bool Stalled { get; set; }
}

/// <summary>
/// `train sparse` from start to end: the sparse autoencoder (<see cref="Networks.SparseAutoencoder"/>) on the one <see cref="Trainer"/>, by
/// the line search (<see cref="LineSearchStep"/>, full batch) or a per-parameter rule (<see cref="NetworkStep"/>), with weight decay α on the
/// weights. After every epoch it is scored (its reconstruction loss per image, eval mode, no penalty) on the first training images, the
/// validation set and the test set; the epoch with the lowest validation loss is kept as OUT/model.safetensors (with the architecture JSON,
/// so any reader rebuilds it), and model, state and metrics.json are one commit point; curves.png follows. A stalled line search ends the
/// run early, said in one line and in metrics.json.
/// </summary>
public static class SparseTraining
{
    public const string Format = "ilgpuae.sparse";
    public const string StateFormat = Format + ".state";
    public const int ScoringBatch = 500;

    public const string BestEpochKey = "best_epoch";

    /// <summary>The line search's last accepted step (<see cref="LineSearchStep.LastStep"/>), in the state file.</summary>
    public const string LineSearchStepKey = "line_search_step";
    public const string ValidLossKey = "valid_loss";

    // The verb that writes these directories, as refusals name it.
    private const string Verb = "train sparse";

    /// <summary>
    /// The run: one sparse autoencoder in OUT, or (several widths) a stack trained greedily, layer k in OUT/layer{k} on the codes of the
    /// kept layers below it, then the stack saved as OUT/model.safetensors (encoders named as `finetune` reads them). Returns each layer's
    /// metrics. A resumed stack skips its finished layers (their kept models give the codes) and resumes the first unfinished one.
    /// </summary>
    public static IReadOnlyList<SparseMetrics> Run(SparseRunRequest request, ITrainingObserver observer)
    {
        var options = (request.Resume ? SavedOptions(request.OutDir) : null) ?? request.Options;
        options.Validate();
        if (options.Layers == 1)
            return [RunLayer(request, options, 0, null, observer).Metrics];
        var all = new List<SparseMetrics>();
        ClassificationSplits? splits = null;
        var models = new List<string>();
        for (var k = 0; k < options.Layers; k++)
        {
            var dir = LayerDirectory(request.OutDir, options.Layers, k);
            var resume = request.Resume && File.Exists(Path.Combine(dir, DaeCheckpoint.StateFileName));
            var (metrics, codes) = RunLayer(request with { OutDir = dir, Resume = resume }, options, k, splits, observer);
            all.Add(metrics);
            splits = codes;
            models.Add(Path.Combine(dir, DaeCheckpoint.ModelFileName));
        }
        WriteStack(request.OutDir, options, models);
        return all;
    }

    /// <summary>Where layer <paramref name="layer"/> of a run of <paramref name="layers"/> layers writes: OUT itself for one layer, else OUT/layer{k}.</summary>
    public static string LayerDirectory(string outDir, int layers, int layer) => layers == 1 ? outDir : Path.Combine(outDir, $"layer{layer}");

    /// <summary>
    /// OUT/model.safetensors of a stack: every layer's kept tensors under the stack's architecture (<see cref="Networks.SparseStack"/>),
    /// format <see cref="Format"/>, written atomically once every layer is done.
    /// </summary>
    private static void WriteStack(string outDir, SparseOptions options, IReadOnlyList<string> models)
    {
        var files = models.Select(SafeTensorsFile.Read).ToList();
        var visible = Checkpoint.SpecOf(models[0], files[0]).Modules.OfType<DenseSpec>().First().Inputs;
        var spec = Networks.SparseStack([visible, .. options.Hidden], options.Rho, options.Beta, options.Tied, options.Loss);
        var commit = new CheckpointCommit(outDir);
        commit.Stage(Path.Combine(outDir, DaeCheckpoint.ModelFileName),
            Checkpoint.ModelFile(spec, files.SelectMany(f => f.Tensors), new Dictionary<string, string>
            {
                [DaeCheckpoint.FormatKey] = Format,
                [ModelDataset.Key] = Datasets.Info(options.Dataset).Name,
                [DaeCheckpoint.OptionsKey] = JsonSerializer.Serialize(options, DaeCheckpoint.Json),
                ["layout"] = $"{options.Layers} sparse autoencoders trained greedily (each layer's run in layer{{k}}/); " + Layout,
            }).Write);
        commit.Commit();
    }

    private const string Layout = "layer{i}.W [hidden, inputs] and layer{i}.b_hidden encode h = σ(W·x + b_hidden); layer{i}.W_decoder [inputs, hidden] " +
        "(tied: Wᵀ) and layer{i}.b_visible decode z = σ(W_decoder·h + b_visible)";

    /// <summary>
    /// One layer's run in request.OutDir, on the dataset's splits (<paramref name="splits"/> null: layer 0, loaded and limited here) or on
    /// the codes of the layers below; returns its metrics and, below the top layer, the codes of its kept encoder on the three sets.
    /// </summary>
    private static (SparseMetrics Metrics, ClassificationSplits? Codes) RunLayer(SparseRunRequest request, SparseOptions options, int layer,
        ClassificationSplits? splits, ITrainingObserver observer)
    {
        using var run = NetworkRunDirectory.Open(request.OutDir, request.Resume, request.Force, Verb, observer.Note);
        var (outDir, modelPath, statePath) = (run.Path, run.ModelPath, run.StatePath);
        var saved = request.Resume ? SavedState.Read(statePath) : null;
        var control = NetworkRunDirectory.CheckControl(request.Control, request.OutDir, observer.Note);

        using var backend = AcceleratorCatalog.Open(request.Accelerator, request.Device, observer.Note);
        splits ??= Splits(options, request.DataDir, observer);
        var batch = Math.Min(options.Batch ?? splits.Train.Count, splits.Train.Count);
        run.Create();

        var spec = options.Network(splits.Train.Features, layer);
        using var network = spec.Build(backend, batch);
        network.Initialize(options.Seed);
        var byName = network.Body.Parameters.ToDictionary(p => p.Name, p => p.Value);
        // Scoring shares the trained tensors by name at a larger batch; evaluation runs no backward pass, so the KL penalty adds nothing.
        using var scoring = spec.Build(backend, ScoringBatch, byName.GetValueOrDefault);
        using var evaluator = new NetworkEvaluator(backend, scoring);
        using var images = ScoringSets.Upload(backend, splits.Train, splits.Valid, splits.Test);
        var best = new ParameterSnapshot(backend, scoring.Body.Parameters.Select(p => (p.Name, p.Value)));
        var bestLoss = double.PositiveInfinity;
        var bestEpoch = 0;

        var metrics = new SparseMetrics(options.Layers > 1 ? $"sparse autoencoder layer {layer}" : "sparse autoencoder", splits.Train.Name, backend.Name, options,
            splits.Train.Count, images.TrainScored, splits.Valid.Count, splits.Test.Count,
            saved is null ? [] : MetricsFile.Read<SparseMetrics>(outDir, RunKind.TrainSparse)?.Epochs ?? []) { Layer = layer };
        using ITrainingStep step = options.LineSearch
            ? new LineSearchStep(network, options.Optimizer.WeightDecay, options.LineSearchSettings())
            : new NetworkStep(network, new Optimizer(backend, network.TrainedParameters, options.OptimizerOptions()), options.LearningRate, options.OnNan);
        using var trainer = new Trainer(backend, step, new TrainerSettings(options.Seed, batch, options.LearningRate), splits.Train.Pixels,
            splits.Train.Count, guarded: network.TrainedParameters.Select(p => (p.Name, p.Value)));
        if (saved is not null)
        {
            NetworkTrainState.RestoreParameters(statePath, saved.File, network);
            if (step.Optimizer is { } optimizer)
                OptimizerCheckpoint.Restore(statePath, saved.File, optimizer);
            trainer.Restore(saved.EpochsDone, saved.StepsDone, saved.Position, saved.Losses);
            if (step is LineSearchStep search)
                search.LastStep = saved.LastStep;
            if (double.IsFinite(saved.BestLoss))
            {
                best.Load(modelPath, SafeTensorsFile.Read(modelPath));
                (bestLoss, bestEpoch) = (saved.BestLoss, saved.BestEpoch);
            }
            metrics.Epochs.RemoveAll(e => e.Epoch > saved.EpochsDone);
        }
        (metrics.BestEpoch, metrics.BestValidLoss) = (bestEpoch, double.IsFinite(bestLoss) ? bestLoss : null);
        if (trainer.EpochsDone < options.Epochs)
            observer.Started(new RunStart(backend.Name, (options.Layers > 1 ? $"layer {layer}: " : "") + options.Summary(splits.Train.Count, splits.Valid.Count, splits.Test.Count),
                trainer.EpochsDone + 1, options.Epochs));

        void Stage(CheckpointCommit commit)
        {
            // Before the first epoch is kept, the starting parameters, so that a directory always has a model.
            var tensors = double.IsFinite(bestLoss)
                ? best.Tensors
                : [.. network.Body.Parameters.Select(p => new NamedTensor(p.Name, [.. p.Shape.Dimensions], p.Value.ToArray()))];
            commit.Stage(modelPath, Checkpoint.ModelFile(spec, tensors, ModelMetadata(options, bestEpoch, bestLoss)).Write);
            StageState(commit, statePath, options, network, trainer, step.Optimizer, (step as LineSearchStep)?.LastStep, bestLoss, bestEpoch);
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
            var search = step as LineSearchStep;
            var report = new SparseEpochReport(trainer.EpochsDone, epoch.TrainLoss, trainLoss, validLoss, testLoss, epoch.Seconds, epoch.SamplesPerSecond)
            {
                Best = improved,
                SkippedBatches = epoch.SkippedBatches,
                Step = search?.History[^1].Step,
            };
            metrics.Epochs.RemoveAll(e => e.Epoch >= report.Epoch);
            metrics.Epochs.Add(report);
            (metrics.BestEpoch, metrics.BestValidLoss, metrics.Stalled) = (bestEpoch, bestLoss, search?.Stalled ?? false);
            commits.EpochDone(metrics);
            TrainingCurves.Write(outDir, TrainingCurves.Of(metrics));
            observer.EpochDone(report);
            if (search is { Stalled: true })
            {
                observer.Note($"the line search found no decrease in {options.LineSearchSettings().MaxHalvings} halvings at epoch {trainer.EpochsDone}: stopped there (a minimum, to float precision)");
                break;
            }
            if (control.Stop.IsCancellationRequested && trainer.EpochsDone < options.Epochs)
                throw commits.Stopped();
        }
        if (layer + 1 == options.Layers)
            return (metrics, null);
        // The next layer trains on the codes of this one's kept encoder (module 0), on every set.
        if (double.IsFinite(bestLoss))
            best.Restore();
        var hidden = options.Hidden[layer];
        Dataset Codes(Tensor<float> images, Dataset set) =>
            new($"codes of layer {layer} of {set.Name}", set.Count, 1, hidden, evaluator.Codes(images, 0), set.Labels);
        return (metrics, new ClassificationSplits(Codes(images.Train, splits.Train), Codes(images.Valid, splits.Valid), Codes(images.Test, splits.Test)));
    }

    /// <summary>The dataset's three sets as the options cut them: the holdout, then the limits.</summary>
    private static ClassificationSplits Splits(SparseOptions options, string? dataDir, ITrainingObserver observer)
    {
        var loaded = Datasets.Load(options.Dataset, dataDir, observer.Note);
        if (options.Holdout is { } holdout && holdout >= loaded.TrainAndValidation.Count)
            throw InputException.ForSetting("holdout", holdout, $"fewer than the {loaded.TrainAndValidation.Count} training images of {loaded.Info.DisplayName}");
        var all = (options.Holdout is { } h ? loaded.WithValidation(h) : loaded).ForClassification().Limit(options.TrainLimit, options.TestLimit);
        return all with { Valid = all.Valid.Limit(options.ValidLimit, "valid_limit") };
    }

    /// <summary>
    /// The options a `train sparse` run in <paramref name="directory"/> was saved with (a stack's, in its layer0/), or null when it has no
    /// train_state.safetensors.
    /// </summary>
    public static SparseOptions? SavedOptions(string directory)
    {
        foreach (var path in new[] { Path.Combine(directory, DaeCheckpoint.StateFileName), Path.Combine(directory, "layer0", DaeCheckpoint.StateFileName) })
            if (File.Exists(path))
                return SavedState.Read(path).Options;
        return null;
    }

    private static Dictionary<string, string> ModelMetadata(SparseOptions options, int bestEpoch, double bestLoss) => new()
    {
        [DaeCheckpoint.FormatKey] = Format,
        [ModelDataset.Key] = Datasets.Info(options.Dataset).Name,
        [DaeCheckpoint.OptionsKey] = JsonSerializer.Serialize(options, DaeCheckpoint.Json),
        [BestEpochKey] = bestEpoch.ToString(CultureInfo.InvariantCulture),
        [ValidLossKey] = bestLoss.ToString("R", CultureInfo.InvariantCulture),
        ["layout"] = Layout,
    };

    private static void StageState(CheckpointCommit commit, string path, SparseOptions options, Network network, Trainer trainer, Optimizer? optimizer,
        float? lastStep, double bestLoss, int bestEpoch) =>
        NetworkTrainState.Stage(commit, path, network, trainer, optimizer, new()
        {
            [LineSearchStepKey] = lastStep is { } t ? t.ToString("R", CultureInfo.InvariantCulture) : "",
            [DaeCheckpoint.FormatKey] = StateFormat,
            [DaeCheckpoint.OptionsKey] = JsonSerializer.Serialize(options, DaeCheckpoint.Json),
            [DaeCheckpoint.EpochsKey] = trainer.EpochsDone.ToString(CultureInfo.InvariantCulture),
            [DaeCheckpoint.StepsKey] = trainer.StepsDone.ToString(CultureInfo.InvariantCulture),
            [NetworkTrainState.BestLossKey] = bestLoss.ToString("R", CultureInfo.InvariantCulture),
            [BestEpochKey] = bestEpoch.ToString(CultureInfo.InvariantCulture),
        });

    /// <summary>A train_state.safetensors read back: the options, where the run stood, and the kept model's figures.</summary>
    private sealed record SavedState(SafeTensorsFile File, SparseOptions Options, int EpochsDone, long StepsDone, int Position, float[] Losses, double BestLoss,
        int BestEpoch, float? LastStep)
    {
        public static SavedState Read(string path)
        {
            var file = NetworkTrainState.Read(path, StateFormat, Verb);
            var options = DaeCheckpoint.ReadJson<SparseOptions>(path, file, DaeCheckpoint.OptionsKey, o => o.Validate());
            var epochs = DaeCheckpoint.ReadInt32(path, file, DaeCheckpoint.EpochsKey);
            if (epochs < 0 || epochs > options.Epochs)
                throw new InputException($"{path}: __metadata__.{DaeCheckpoint.EpochsKey} is {epochs}; expected 0 … {options.Epochs}");
            // A full-batch run checkpoints at epoch ends only (one step an epoch), so the batch here only checks the saved position.
            var (steps, position, losses, bestLoss) = NetworkTrainState.ReadProgress(path, file, options.Batch ?? int.MaxValue);
            float? lastStep = null;
            if (file.Metadata.TryGetValue(LineSearchStepKey, out var text) && text.Length > 0)
                lastStep = float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var t) && t > 0f && float.IsFinite(t)
                    ? t : throw new InputException($"{path}: __metadata__.{LineSearchStepKey} is '{text}'; expected a step > 0 or nothing");
            return new SavedState(file, options, epochs, steps, position, losses, bestLoss, DaeCheckpoint.ReadInt32(path, file, BestEpochKey), lastStep);
        }
    }
}
