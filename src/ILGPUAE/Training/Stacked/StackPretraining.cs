namespace ILGPUAE.Training.Stacked;

using ILGPUAE.Backends;
using ILGPUAE.Data;
using ILGPUAE.Evaluation;
using ILGPUAE.IO;

/// <summary>Where a pretraining run reads data, where it writes, and what it runs on.</summary>
/// <param name="Data">The splits already in memory (tests, in-process callers); null loads it from <paramref name="DataDir"/>.</param>
/// <param name="Control">Mid-epoch checkpoints and a stop request (a signal); null: checkpoints at epoch ends only, never stopped.</param>
public sealed record StackRunRequest(StackOptions Options, AcceleratorKind Accelerator, int Device, string? DataDir, string OutDir, bool Resume, bool Force,
    ClassificationSplits? Data = null, RunControl? Control = null);

/// <summary>
/// `pretrain` from start to end: layer by layer, a <see cref="DaeSession"/> on the previous layer's clean
/// codes. Each layer's run lives in <c>OUT/layer{i}/</c> (a `train dae` directory: checkpoint after every
/// epoch, so --resume continues mid-layer); when a layer is done it is appended to <c>OUT/model.safetensors</c>
/// (<see cref="StackFile"/>) and its codes feed the next layer. Layer 0's filters and reconstructions are drawn as PNGs;
/// curves.png (every layer's train and test loss per epoch) is redrawn after every epoch.
/// </summary>
public static class StackPretraining
{
    public static StackMetrics Run(StackRunRequest request, ITrainingObserver observer)
    {
        // Every input is checked before the directory is created, so a refused run leaves nothing behind.
        // Locks an existing directory (and completes or discards a checkpoint a killed run left) before anything in it is read.
        using var run = OutputDirectory.Open(InputPath.NotEmpty(request.OutDir, request.Resume ? "resume" : "out"), request.Resume, request.Force, observer.Note);
        var outDir = run.Path;
        var stackPath = Path.Combine(outDir, StackFile.FileName);
        if (request.Resume && !File.Exists(stackPath))
            throw InputException.AboutSetting("resume", $"resume {request.OutDir}: {stackPath} does not exist; expected a directory written by `pretrain`");
        var resumed = request.Resume ? StackFile.Read(stackPath) : null;
        // A resumed run keeps the options it was started with.
        var options = resumed?.Options ?? request.Options;
        options.Validate();
        var control = DaeTraining.Checked(request.Control, options.ForLayer(0));
        if (CurveFonts.Check(request.OutDir) is { } noFonts)
            observer.Note(noFonts);
        using var backend = AcceleratorCatalog.Open(request.Accelerator, request.Device, observer.Note);
        // Every layer is checked before the first trains.
        var (trainCount, testCount) = request.Data is { } given
            ? (Math.Min(given.Train.Count, options.TrainLimit ?? int.MaxValue), Math.Min(given.Test.Count, options.TestLimit ?? int.MaxValue))
            : MemoryNeed.Examples(options.Dataset, options.TrainLimit, options.TestLimit);
        MemoryNeed.Stack(options, Datasets.Info(options.Dataset).Shape.Features, trainCount, testCount).Check(backend);
        var splits = (request.Data ?? ClassificationSplits.Load(options.Dataset, request.DataDir, observer.Note)).Limit(options.TrainLimit, options.TestLimit);
        run.Create();
        var stack = resumed ?? new StackFile(options, splits.Train.Features, []);
        stack.Write(outDir);

        var metrics = new StackMetrics("stacked denoising autoencoders", splits.Train.Name, backend.Name, options,
            splits.Train.Count, splits.Test.Count, request.Resume ? StackMetrics.ReadLayers(outDir) : []);
        var train = splits.Train.Pixels;
        var test = splits.Test.Pixels;
        for (var layer = 0; layer < options.Layers; layer++)
        {
            if (layer < stack.LayersDone)
            {
                observer.Note($"layer {layer + 1}/{options.Layers}: done in a previous run; encoding its codes");
                using var done = stack.Layer(layer, backend);
                (train, test) = (CodeEncoder.Encode(done, train), CodeEncoder.Encode(done, test));
                continue;
            }
            var layerDir = Path.Combine(outDir, $"{Models.ClassifierArchitecture.StackPrefix}{layer}");
            Directory.CreateDirectory(layerDir);
            // Only --resume continues a layer's checkpoint; --force over an old run starts every layer afresh.
            var state = request.Resume && File.Exists(Path.Combine(layerDir, DaeCheckpoint.StateFileName)) ? TrainState.Load(layerDir) : null;
            // A resumed layer keeps its checkpoint's options: on_nan halve-lr may have halved its rate.
            var layerOptions = state?.Options ?? options.ForLayer(layer);
            var visible = stack.InputsOf(layer);
            observer.Note($"layer {layer + 1}/{options.Layers}: {visible} → {layerOptions.Hidden}, corruption {layerOptions.Corruption}");
            var layerMetrics = metrics.Layers.FirstOrDefault(l => l.Layer == layer);
            if (layerMetrics is null || state is null)
            {
                metrics.Layers.RemoveAll(l => l.Layer == layer);
                layerMetrics = new StackLayerMetrics(layer, visible, layerOptions.Hidden, layerOptions.Corruption, layerOptions.Seed, []);
                metrics.Layers.Add(layerMetrics);
            }

            using var trainer = new DaeSession(backend, layerOptions, visible, train, test, state);
            observer.Started(new RunStart(backend.Name, layerOptions.Summary(trainer.TrainCount, test.Length / visible), trainer.EpochsDone + 1, layerOptions.Epochs));
            var onNan = new NanRestarts(trainer, layerOptions.OnNan);
            var where = $"layer {layer + 1}, ";
            // The layer's model and state of the current step (metrics.json is unchanged mid-epoch): one commit point.
            void MidEpoch()
            {
                var commit = new CheckpointCommit(outDir);
                DaeCheckpoint.Stage(commit, layerDir, trainer, layerOptions, layerMetrics.Epochs.LastOrDefault());
                commit.Commit();
            }
            while (trainer.EpochsDone < layerOptions.Epochs)
            {
                if (RunEpoch(trainer, observer, layer, layerDir, onNan, ref layerOptions, control, MidEpoch) is not { } report)
                {
                    if (trainer.Trainer.Position == 0)
                        continue;
                    MidEpoch();
                    throw new RunInterruptedException(RunInterruptedException.At(trainer.Trainer, where), outDir);
                }
                // The layer's model and state and the run's metrics.json: one commit point.
                var commit = new CheckpointCommit(outDir);
                DaeCheckpoint.Stage(commit, layerDir, trainer, layerOptions, report);
                layerMetrics.Epochs.RemoveAll(e => e.Epoch >= report.Epoch);
                layerMetrics.Epochs.Add(report);
                metrics.Stage(commit, outDir);
                commit.Commit();
                TrainingCurves.Write(outDir, TrainingCurves.Of(metrics));
                observer.EpochDone(report);
                onNan.Saved();
                if (control.Stop.IsCancellationRequested && trainer.EpochsDone < layerOptions.Epochs)
                    throw new RunInterruptedException(RunInterruptedException.At(trainer.Trainer, where), outDir);
            }
            stack = stack.With(trainer.Model);
            var layerDone = new CheckpointCommit(outDir);
            stack.Stage(layerDone, outDir);
            metrics.Stage(layerDone, outDir);
            layerDone.Commit();
            if (layer == 0)
            {
                LayerPictures.WriteFilters(Path.Combine(outDir, LayerPictures.FiltersFileName), trainer.Model, splits.Test.Rows);
                LayerPictures.WriteReconstructions(Path.Combine(outDir, LayerPictures.ReconstructionsFileName), trainer.Model, splits.Test, layerOptions);
            }
            if (layer + 1 < options.Layers)
            {
                if (control.Stop.IsCancellationRequested)
                    throw new RunInterruptedException($"the end of layer {layer + 1}", outDir);
                (train, test) = (CodeEncoder.Encode(trainer.Model, train), CodeEncoder.Encode(trainer.Model, test));
            }
        }
        return metrics;
    }

    /// <summary>
    /// The layer's next epoch, or null when on_nan halve-lr went back to the last good state to try again (position 0) or
    /// <paramref name="control"/> stopped the epoch (its position).
    /// </summary>
    private static EpochReport? RunEpoch(DaeSession trainer, ITrainingObserver observer, int layer, string layerDir, NanRestarts onNan, ref DaeOptions layerOptions,
        RunControl control, Action midEpoch)
    {
        // The epochs the layer's checkpoint holds (a non-finite test loss stops the run before its epoch is saved).
        var saved = trainer.EpochsDone;
        long? midEpochStep = trainer.Trainer.Position > 0 ? trainer.StepsDone : null;
        void Save()
        {
            midEpoch();
            midEpochStep = trainer.StepsDone;
        }
        try
        {
            return trainer.RunEpochOrStop(observer.Progress, control, Save) is { } report ? onNan.Record(report) : null;
        }
        catch (TrainingDivergedException e)
        {
            if (onNan.TryRestart(e, ref layerOptions, observer))
                return null;
            throw e.WithLastCheckpoint(saved, layerDir, part: "this layer", alsoKept: layer > 0 ? "earlier layers are kept" : null, midEpochStep);
        }
    }
}
