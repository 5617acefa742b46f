namespace ILGPUAE.Training.Deep;

using System.Globalization;
using ILGPUAE.Backend;
using ILGPUAE.Backends;
using ILGPUAE.Checkpoints;
using ILGPUAE.Data;
using ILGPUAE.Evaluation;
using ILGPUAE.IO;
using ILGPUAE.Modules;
using ILGPUAE.Optimizers;
using ILGPUAE.Training.Stacked;

/// <summary>Where a `train deep` run reads data, where it writes, and what it runs on.</summary>
/// <param name="Data">The splits already in memory (tests, in-process callers such as a sweep); null loads them from <paramref name="DataDir"/>.</param>
/// <param name="Control">Mid-epoch checkpoints and a stop request (a signal); null: checkpoints at epoch ends only, never stopped.</param>
public sealed record DeepRunRequest(DeepOptions Options, AcceleratorKind Accelerator, int Device, string? DataDir, string OutDir, bool Resume, bool Force,
    ClassificationSplits? Data = null, RunControl? Control = null);

/// <summary>
/// `train deep` from start to end: a deep autoencoder (<see cref="Networks.DeepAutoencoder"/>) trained by a scheme's phases
/// (<see cref="DeepSchedule"/>), each phase a <see cref="NetworkStep"/> with its own <see cref="Optimizer"/> on the one
/// <see cref="Trainer"/>. One set of tensors, owned by the whole clean stack, is what every phase's networks train and score, by
/// parameter name. After every epoch the phase's model is scored in input space (training subset, validation, test); the model
/// with the lowest validation loss is kept as OUT/model.safetensors, and model, state and metrics.json are one commit point.
/// <para>
/// The kept model: within a phase, its best epoch; a phase that trains a deeper stack than the kept one starts its own (a layer-wise
/// phase's partial stack is not comparable with a deeper one), while the joint phase of U and UJ competes with the layer-wise stack
/// it starts from. A finished phase puts its kept parameters back before the next phase starts (so layer i + 1 trains on the codes
/// of layer i's best epoch, and the run ends with the kept model in its tensors).
/// </para>
/// </summary>
public static class DeepTraining
{
    /// <summary>The scoring pass's chunk of rows.</summary>
    public const int ScoringBatch = 500;

    public const string Format = "ilgpuae.deep-ae";
    public const string StateFormat = Format + ".state";

    /// <summary>The model file's metadata: the dataset's name (<see cref="DatasetInfo.Name"/>), as probes and the sampler read it.</summary>
    public const string DatasetKey = Evaluation.ModelDataset.Key;
    public const string SchemeKey = "scheme";
    public const string RegularizerKey = "regularizer";
    public const string SeedKey = "seed";

    /// <summary>The denoising corruption (σ or probability, and its kind as <see cref="CorruptionKinds.Name"/> spells it); present on every model file, used by a denoise run.</summary>
    public const string NoiseKey = "noise";
    public const string NoiseKindKey = "noise_kind";
    public const string ContractionKey = "contraction";

    /// <summary>The kept model's phase ("layer 2", "joint"), its epoch in that phase, its layers and its validation loss.</summary>
    public const string PhaseKey = "phase";
    public const string BestEpochKey = "best_epoch";
    public const string LayersKey = "layers";
    public const string ValidLossKey = "valid_loss";

    // The verb that writes these directories, as refusals name it.
    private const string Verb = "train deep";
    // Internal: the kill-and-resume tests read where a running process stands from it.
    internal const string PhaseIndexKey = "phase_index";
    private const string BestDepthKey = "best_layers";
    private const string BestPhaseKey = "best_phase";

    public static DeepMetrics Run(DeepRunRequest request, ITrainingObserver observer)
    {
        using var run = NetworkRunDirectory.Open(request.OutDir, request.Resume, request.Force, Verb, observer.Note);
        var (outDir, modelPath, statePath) = (run.Path, run.ModelPath, run.StatePath);
        var saved = request.Resume ? SavedState.Read(statePath) : null;
        // A resumed run keeps the options it was started with.
        var options = saved?.Options ?? request.Options;
        options.Validate();
        var control = NetworkRunDirectory.CheckControl(request.Control, request.OutDir, observer.Note);

        using var backend = AcceleratorCatalog.Open(request.Accelerator, request.Device, observer.Note);
        var visible = Datasets.Info(options.Dataset).Shape.Features;
        var (trainCount, validCount, testCount) = request.Data is { } given
            ? (Math.Min(given.Train.Count, options.TrainLimit ?? int.MaxValue), Math.Min(given.Valid.Count, options.ValidLimit ?? int.MaxValue),
                Math.Min(given.Test.Count, options.TestLimit ?? int.MaxValue))
            : Examples(options);
        MemoryNeed.Deep(options, visible, trainCount, validCount, testCount).Check(backend);
        var limited = (request.Data ?? ClassificationSplits.Load(options.Dataset, request.DataDir, observer.Note)).Limit(options.TrainLimit, options.TestLimit);
        var splits = limited with { Valid = limited.Valid.Limit(options.ValidLimit, "valid_limit") };
        // Thresholded once, here, after the limits (so only what trains and scores is copied): every phase reads these splits.
        if (options.Binarize)
            splits = splits.Binarized();
        var valid = splits.Valid;
        if (splits.Train.Features != visible)
            throw new InputException($"{splits.Train.Name} has {splits.Train.Features} values per example; {Datasets.Info(options.Dataset).DisplayName} has {visible}");
        run.Create();

        var phases = DeepSchedule.Phases(options);
        var layers = options.Layers.Length;
        // The whole clean stack owns every tensor; each phase's networks train and score them in place, by name.
        using var model = DeepSchedule.ScoringSpec(options, visible, layers).Build(backend, ScoringBatch);
        model.Initialize(options.Seed);
        var byName = model.Body.Parameters.ToDictionary(p => p.Name, p => p.Value);
        SharedValues shared = byName.GetValueOrDefault;
        using var images = ScoringSets.Upload(backend, splits.Train, valid, splits.Test);

        var metrics = new DeepMetrics("deep autoencoder", splits.Train.Name, backend.Name, options, splits.Train.Count, images.TrainScored, valid.Count,
            splits.Test.Count, saved is null ? [] : DeepMetrics.Read(outDir)?.Phases ?? []);
        var best = new KeptModel();
        if (saved is not null)
        {
            NetworkTrainState.RestoreParameters(statePath, saved.File, model);
            metrics.Phases.RemoveAll(m => m.Phase > saved.Phase);
            metrics.Phases.Find(m => m.Phase == saved.Phase)?.Epochs.RemoveAll(e => e.Epoch > saved.EpochsDone);
        }

        // on_nan halve-lr: restarts in this session (at most NanPolicies.MaxHalvings over all phases), and those not yet in a report.
        var halvings = 0;
        var pendingRestarts = new List<NanRestart>();
        for (var index = saved?.Phase ?? 0; index < phases.Count; index++)
        {
            var phase = phases[index];
            var resumed = saved is not null && saved.Phase == index ? saved : null;
            using var scoring = DeepSchedule.ScoringSpec(options, visible, phase.Depth).Build(backend, ScoringBatch, shared);
            using var evaluator = new NetworkEvaluator(backend, scoring);
            if (resumed is not null)
            {
                best.Reset(backend, scoring, phase.Depth);
                if (double.IsFinite(resumed.BestLoss))
                {
                    best.Snapshot!.Load(modelPath, SafeTensorsFile.Read(modelPath));
                    (best.Loss, best.Phase, best.Epoch) = (resumed.BestLoss, resumed.BestPhase, resumed.BestEpoch);
                }
            }
            else if (best.Depth != phase.Depth)
            {
                best.Reset(backend, scoring, phase.Depth);
            }
            // A layer-wise phase above the first trains on the clean codes of the layers below it (their kept parameters).
            var inputs = phase.FirstLayer == 0 ? splits.Train.Pixels : evaluator.Codes(images.Train, phase.FirstLayer - 1);
            var phaseMetrics = metrics.Phases.Find(m => m.Phase == index);
            if (phaseMetrics is null)
            {
                phaseMetrics = new DeepPhaseMetrics(index, phase.Name, phase.FirstLayer, phase.Layers, phase.Regularized, phase.Epochs, []);
                metrics.Phases.Add(phaseMetrics);
            }
            var epochsBefore = phases.Take(index).Sum(p => p.Epochs);

            var network = DeepSchedule.TrainingSpec(options, visible, phase).Build(backend, Math.Min(options.Batch, splits.Train.Count), shared);
            using var step = new NetworkStep(network, new Optimizer(backend, network.TrainedParameters, DeepSchedule.Optimizer(options, phase)),
                options.LearningRate, options.OnNan);
            using var trainer = new Trainer(backend, step, new TrainerSettings(DeepSchedule.PhaseSeed(options.Seed, index), options.Batch, options.LearningRate),
                inputs, splits.Train.Count, guarded: network.TrainedParameters.Select(p => (p.Name, p.Value)));
            if (resumed is not null)
            {
                OptimizerCheckpoint.Restore(statePath, resumed.File, step.Optimizer);
                trainer.Restore(resumed.EpochsDone, resumed.StepsDone, resumed.Position, resumed.Losses);
            }
            // A phase the checkpoint had already finished (a run stopped after its last epoch's commit) has nothing left to run: it
            // is not announced, or it would read "resuming at epoch 2 of 1".
            if (trainer.EpochsDone < phase.Epochs)
                observer.Started(new RunStart(backend.Name, $"{phase.Name} of {phases.Count} phases ({PhaseText(phase)}); " +
                    options.Summary(visible, splits.Train.Count, valid.Count, splits.Test.Count), trainer.EpochsDone + 1, phase.Epochs));

            var where = $"{phase.Name}, ";
            // The last good state in memory (the phase's start, then every committed epoch), for on_nan halve-lr.
            var good = options.OnNan == NanPolicy.HalveLearningRate ? GoodState.Take(model, step.Optimizer, trainer, best) : null;
            // Back to the good state at half the rate, if the policy and the count allow: the run goes on from there.
            bool TryRestart(TrainingDivergedException e)
            {
                if (good is null || halvings >= NanPolicies.MaxHalvings)
                    return false;
                halvings++;
                good.Restore(model, step.Optimizer, trainer, best);
                options = options with { LearningRate = options.LearningRate / 2 };
                trainer.LearningRate = options.LearningRate;
                pendingRestarts.Add(new NanRestart(e.What, good.EpochsDone, options.LearningRate));
                observer.Note($"{e.What}: back to the state after epoch {good.EpochsDone} of {phase.Name}, learning rate halved to {options.LearningRate:G6} " +
                    $"({halvings} of {NanPolicies.MaxHalvings} halvings)");
                return true;
            }
            // Model (the kept one) and state of the current step, with metrics.json at an epoch's end: one commit point.
            var commits = new EpochCommits(outDir, trainer, commit =>
            {
                StageModel(commit, modelPath, options, visible, best, scoring, phase);
                StageState(commit, statePath, options, model, index, trainer, step.Optimizer, best);
            });
            var alsoKept = index > 0 ? "earlier phases are kept" : null;

            while (trainer.EpochsDone < phase.Epochs)
            {
                TrainerEpoch? done;
                try
                {
                    done = commits.RunEpoch(observer, control);
                }
                catch (TrainingDivergedException e)
                {
                    if (TryRestart(e))
                        continue;
                    throw commits.WithLastCheckpoint(e, phase.Name, alsoKept);
                }
                if (done is not { } epoch)
                {
                    commits.MidEpoch();
                    throw commits.Stopped(where);
                }
                var (trainLoss, validLoss, testLoss, diverged) = images.Score(evaluator, trainer);
                if (diverged is not null)
                {
                    if (TryRestart(diverged))
                        continue;
                    throw commits.WithLastCheckpoint(diverged, phase.Name, alsoKept);
                }
                var improved = validLoss < best.Loss;
                if (improved)
                {
                    best.Snapshot!.Capture();
                    (best.Loss, best.Phase, best.Epoch) = (validLoss, phase.Name, trainer.EpochsDone);
                }
                var report = new DeepEpochReport(trainer.EpochsDone, epoch.TrainLoss, trainLoss, validLoss, testLoss, epoch.Seconds, epoch.SamplesPerSecond)
                {
                    Phase = phase.Name,
                    RunEpoch = epochsBefore + trainer.EpochsDone,
                    Best = improved,
                    SkippedBatches = epoch.SkippedBatches,
                    NanRestarts = pendingRestarts.Count > 0 ? [.. pendingRestarts] : null,
                };
                pendingRestarts.Clear();
                phaseMetrics.Epochs.RemoveAll(e => e.Epoch >= report.Epoch);
                phaseMetrics.Epochs.Add(report);
                (metrics.BestPhase, metrics.BestEpoch, metrics.BestValidLoss) = (best.Phase, best.Epoch, best.Loss);
                commits.EpochDone(metrics);
                TrainingCurves.Write(outDir, TrainingCurves.Of(metrics));
                observer.EpochDone(report);
                good = good is null ? null : GoodState.Take(model, step.Optimizer, trainer, best);
                var finished = trainer.EpochsDone == phase.Epochs && index == phases.Count - 1;
                if (control.Stop.IsCancellationRequested && !finished)
                    throw commits.Stopped(where);
            }
            // The phase's kept parameters go on to the next phase (and stay in the tensors at the run's end).
            if (best.Depth == phase.Depth && double.IsFinite(best.Loss))
                best.Snapshot!.Restore();
        }
        return metrics;
    }

    /// <summary>
    /// The options a `train deep` run in <paramref name="directory"/> was saved with (its train_state.safetensors), or null when it
    /// has none (the run then refuses the directory itself, in one line).
    /// </summary>
    public static DeepOptions? SavedOptions(string directory)
    {
        var path = Path.Combine(directory, DaeCheckpoint.StateFileName);
        return File.Exists(path) ? SavedState.Read(path).Options : null;
    }

    /// <summary>"layer 2 alone on layer 1's codes, regularized" or "all 2 layers jointly on the input, without regularizers".</summary>
    private static string PhaseText(DeepPhase phase) =>
        (phase.Joint ? $"all {phase.Layers} layers jointly on the input" : phase.FirstLayer == 0 ? "layer 1 alone on the input" : $"layer {phase.FirstLayer + 1} alone on layer {phase.FirstLayer}'s codes")
        + (phase.Regularized ? ", regularized" : ", without regularizers");

    /// <summary>The examples a run will hold at most, before any data is loaded: train (with validation), validation, test, cut to the limits.</summary>
    private static (int Train, int Valid, int Test) Examples(DeepOptions options)
    {
        var (train, test) = MemoryNeed.Examples(options.Dataset, options.TrainLimit, options.TestLimit);
        return (train, Math.Min(options.ValidLimit ?? int.MaxValue, MemoryNeed.Examples(options.Dataset, null, null).Train), test);
    }

    /// <summary>
    /// Stages model.safetensors: the kept model (the deep autoencoder of its layers, clean, as <see cref="Checkpoint.Save"/> writes
    /// it) with the run's settings in __metadata__. Before a phase's first epoch has kept anything, the file stays as it is; a run's
    /// first checkpoint writes the starting parameters (best epoch 0) so that a directory always has a model.
    /// </summary>
    private static void StageModel(CheckpointCommit commit, string path, DeepOptions options, int visible, KeptModel best, Network scoring, DeepPhase phase)
    {
        var kept = double.IsFinite(best.Loss);
        if (!kept && File.Exists(path))
            return;
        var depth = kept ? best.Depth : phase.Depth;
        var tensors = kept
            ? best.Snapshot!.Tensors
            : scoring.Body.Parameters.Select(p => new NamedTensor(p.Name, [.. p.Shape.Dimensions], p.Value.ToArray())).ToList();
        var metadata = new Dictionary<string, string>
        {
            [DaeCheckpoint.FormatKey] = Format,
            [DatasetKey] = Datasets.Info(options.Dataset).Name,
            [SchemeKey] = options.Scheme.ToString(),
            [RegularizerKey] = DeepOptions.Name(options.Regularizer),
            [SeedKey] = options.Seed.ToString(CultureInfo.InvariantCulture),
            [NoiseKey] = options.Noise.ToString("R", CultureInfo.InvariantCulture),
            [NoiseKindKey] = CorruptionKinds.Name(options.NoiseKind),
            [Binarization.MetadataKey] = Binarization.Text(options.Binarize),
            [ContractionKey] = options.Contraction.ToString("R", CultureInfo.InvariantCulture),
            [DaeCheckpoint.OptionsKey] = System.Text.Json.JsonSerializer.Serialize(options, DaeCheckpoint.Json),
            [PhaseKey] = kept ? best.Phase : phase.Name,
            [BestEpochKey] = (kept ? best.Epoch : 0).ToString(CultureInfo.InvariantCulture),
            [LayersKey] = depth.ToString(CultureInfo.InvariantCulture),
            [ValidLossKey] = best.Loss.ToString("R", CultureInfo.InvariantCulture),
            ["layout"] = "layer{i}.W [out, in], layer{i}.b_hidden [out], layer{i}.b_visible [in]; code_i = sigmoid(W_i·code_{i−1} + b_hidden_i), tied decoders in reverse",
        };
        commit.Stage(path, Checkpoint.ModelFile(DeepSchedule.ScoringSpec(options, visible, depth), tensors, metadata).Write);
    }

    /// <summary>
    /// Stages train_state.safetensors: every parameter of the stack as it is now (param.NAME), the phase's optimizer state and its
    /// trainer's counts (with a mid-epoch position and its losses), and the kept model's validation loss, phase and epoch.
    /// </summary>
    private static void StageState(CheckpointCommit commit, string path, DeepOptions options, Network model, int phase, Trainer trainer, Optimizer optimizer,
        KeptModel best) =>
        NetworkTrainState.Stage(commit, path, model, trainer, optimizer, new()
        {
            [DaeCheckpoint.FormatKey] = StateFormat,
            [DaeCheckpoint.OptionsKey] = System.Text.Json.JsonSerializer.Serialize(options, DaeCheckpoint.Json),
            [PhaseIndexKey] = phase.ToString(CultureInfo.InvariantCulture),
            [DaeCheckpoint.EpochsKey] = trainer.EpochsDone.ToString(CultureInfo.InvariantCulture),
            [DaeCheckpoint.StepsKey] = trainer.StepsDone.ToString(CultureInfo.InvariantCulture),
            [NetworkTrainState.BestLossKey] = best.Loss.ToString("R", CultureInfo.InvariantCulture),
            [BestDepthKey] = best.Depth.ToString(CultureInfo.InvariantCulture),
            [BestPhaseKey] = best.Phase,
            [BestEpochKey] = best.Epoch.ToString(CultureInfo.InvariantCulture),
        });

    /// <summary>The kept (best-validation) model of the deepest stack trained so far: its loss, where it was, and a host copy of it.</summary>
    private sealed class KeptModel
    {
        public double Loss { get; set; } = double.PositiveInfinity;
        public string Phase { get; set; } = "";
        public int Epoch { get; set; }
        public int Depth { get; private set; }
        public ParameterSnapshot? Snapshot { get; private set; }

        /// <summary>Nothing kept yet for a stack of <paramref name="depth"/> layers, scored by <paramref name="scoring"/>.</summary>
        public void Reset(IBackend backend, Network scoring, int depth)
        {
            (Loss, Phase, Epoch, Depth) = (double.PositiveInfinity, "", 0, depth);
            Snapshot = new ParameterSnapshot(backend, scoring.Body.Parameters.Select(p => (p.Name, p.Value)));
        }
    }

    /// <summary>
    /// A copy in host memory of everything a checkpoint holds (every parameter, the phase's optimizer state and step counts, the
    /// trainer's counts, the kept model), for on_nan halve-lr to go back to without reading the disk.
    /// </summary>
    private sealed class GoodState
    {
        private float[][] parameters = [], state = [], kept = [];
        private (string Parameter, long Steps)[] stepCounts = [];
        private long stepsDone;
        private int position;
        private float[] losses = [];
        private (double Loss, string Phase, int Epoch) best;

        public int EpochsDone { get; private set; }

        public static GoodState Take(Network model, Optimizer optimizer, Trainer trainer, KeptModel kept)
        {
            var losses = trainer.Position > 0 ? trainer.PartialLosses() : [];
            model.Backend.Synchronize();
            return new GoodState
            {
                parameters = [.. model.Body.Parameters.Select(p => p.Value.ToArray())],
                state = [.. optimizer.State.Select(t => t.Tensor.ToArray())],
                stepCounts = [.. optimizer.StepCounts.Select(c => (c.Key[..^(OptimizerStateNames.Step.Length + 1)], c.Value))],
                kept = kept.Snapshot is null ? [] : [.. kept.Snapshot.Tensors.Select(t => (float[])t.Data.Clone())],
                best = (kept.Loss, kept.Phase, kept.Epoch),
                EpochsDone = trainer.EpochsDone,
                stepsDone = trainer.StepsDone,
                position = trainer.Position,
                losses = losses,
            };
        }

        public void Restore(Network model, Optimizer optimizer, Trainer trainer, KeptModel kept)
        {
            foreach (var (p, values) in model.Body.Parameters.Zip(parameters))
                p.Value.CopyFrom(values);
            foreach (var (t, values) in optimizer.State.Zip(state))
                t.Tensor.CopyFrom(values);
            foreach (var (parameter, steps) in stepCounts)
                optimizer.SetStepCount(parameter, steps);
            if (kept.Snapshot is not null)
                foreach (var (t, values) in kept.Snapshot.Tensors.Zip(this.kept))
                    values.CopyTo(t.Data, 0);
            (kept.Loss, kept.Phase, kept.Epoch) = best;
            trainer.Restore(EpochsDone, stepsDone, position, losses);
        }
    }

    /// <summary>A train_state.safetensors read back: the options, where the run stood, and the kept model's figures.</summary>
    private sealed record SavedState(SafeTensorsFile File, DeepOptions Options, int Phase, int EpochsDone, long StepsDone, int Position, float[] Losses,
        double BestLoss, string BestPhase, int BestEpoch)
    {
        public static SavedState Read(string path)
        {
            var file = NetworkTrainState.Read(path, StateFormat, Verb);
            var options = DaeCheckpoint.ReadJson<DeepOptions>(path, file, DaeCheckpoint.OptionsKey, o => o.Validate());
            var phase = DaeCheckpoint.ReadInt32(path, file, PhaseIndexKey);
            var phases = DeepSchedule.Phases(options);
            if (phase < 0 || phase >= phases.Count)
                throw new InputException($"{path}: __metadata__.{PhaseIndexKey} is {phase}; expected 0 … {phases.Count - 1} (scheme {options.Scheme} has {phases.Count} phases)");
            var epochs = DaeCheckpoint.ReadInt32(path, file, DaeCheckpoint.EpochsKey);
            if (epochs < 0 || epochs > phases[phase].Epochs)
                throw new InputException($"{path}: __metadata__.{DaeCheckpoint.EpochsKey} is {epochs}; expected 0 … {phases[phase].Epochs} ({phases[phase].Name})");
            var (steps, position, losses, bestLoss) = NetworkTrainState.ReadProgress(path, file, options.Batch);
            file.Metadata.TryGetValue(BestPhaseKey, out var bestPhase);
            return new SavedState(file, options, phase, epochs, steps, position, losses, bestLoss, bestPhase ?? "",
                DaeCheckpoint.ReadInt32(path, file, BestEpochKey));
        }
    }
}
