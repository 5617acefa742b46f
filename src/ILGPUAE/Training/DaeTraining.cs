namespace ILGPUAE.Training;

using ILGPUAE.Backends;
using ILGPUAE.Data;
using ILGPUAE.Evaluation;
using ILGPUAE.IO;

/// <summary>Where a run reads data, where it writes, and what it runs on.</summary>
public sealed record DaeRunRequest(DaeOptions Options, AcceleratorKind Accelerator, int Device, string? DataDir, string OutDir, bool Resume, bool Force);

/// <summary>
/// `train dae` from start to end: check the output directory, load data, open the accelerator, create
/// the output directory, train epoch by epoch and checkpoint after each (metrics.json and curves.png too). The math is in <see cref="DaeSession"/>.
/// </summary>
public static class DaeTraining
{
    public static TrainingMetrics Run(DaeRunRequest request, ITrainingObserver observer)
    {
        // Every input (options, checkpoint, data, accelerator) is checked before the directory is created,
        // so a run refused for bad input leaves nothing behind.
        // Locks an existing directory (and completes or discards a checkpoint a killed run left) before the checkpoint is read.
        using var run = OutputDirectory.Open(InputPath.NotEmpty(request.OutDir, request.Resume ? "resume" : "out"), request.Resume, request.Force, observer.Note);
        var outDir = run.Path;
        var state = request.Resume ? TrainState.Load(outDir) : null;
        // A resumed run keeps the options it was trained with; --epochs sets the new total.
        var options = state is null ? request.Options : state.Options with { Epochs = request.Options.Epochs };
        options.Validate();
        if (CurveFonts.Check(request.OutDir) is { } noFonts)
            observer.Note(noFonts);

        using var backend = AcceleratorCatalog.Open(request.Accelerator, request.Device, observer.Note);
        var (trainCount, testCount) = MemoryNeed.Examples(options.Dataset, options.TrainLimit, options.TestLimit);
        MemoryNeed.TiedDae(options, Datasets.Info(options.Dataset).Shape.Features, trainCount, testCount).Check(backend);
        var (train, test) = LoadData(request.DataDir, options, observer);
        run.Create();
        using var trainer = new DaeSession(backend, options, train.Features, train.Pixels, test.Pixels, state);
        var metrics = new TrainingMetrics("tied denoising autoencoder", train.Name, backend.Name, options, train.Count, test.Count,
            state is null ? [] : TrainingMetrics.ReadEpochs(outDir));
        observer.Started(new RunStart(backend.Name, options.Summary(train.Count, test.Count), trainer.EpochsDone + 1, options.Epochs));
        var onNan = new NanRestarts(trainer, options.OnNan);

        while (trainer.EpochsDone < options.Epochs)
        {
            EpochReport report;
            // The epochs the directory's checkpoint holds: a test loss found non-finite after the epoch's steps stops the run
            // before that epoch is saved.
            var saved = trainer.EpochsDone;
            try
            {
                report = trainer.RunEpoch(observer.Progress);
            }
            catch (TrainingDivergedException e)
            {
                // on_nan halve-lr: back to the last good state at half the rate, a few times (after the epoch's own cleanup).
                if (onNan.TryRestart(e, ref options, observer))
                    continue;
                throw e.WithLastCheckpoint(saved, outDir);
            }
            report = onNan.Record(report);
            // Model, state and metrics.json of one epoch: one commit point.
            var commit = new CheckpointCommit(outDir);
            DaeCheckpoint.Stage(commit, outDir, trainer, options, report);
            metrics.Epochs.Add(report);
            metrics.Stage(commit, outDir);
            commit.Commit();
            TrainingCurves.Write(outDir, TrainingCurves.Of(metrics));
            observer.EpochDone(report);
            onNan.Saved();
        }
        return metrics;
    }

    /// <summary>The options' dataset (every training example, validation included), cut to the train and test limits.</summary>
    public static (Dataset Train, Dataset Test) LoadData(string? dataDir, DaeOptions options, ITrainingObserver observer)
    {
        var splits = Datasets.Load(options.Dataset, dataDir, observer.Note);
        return (splits.TrainAndValidation.Limit(options.TrainLimit, "train_limit"), splits.Test.Limit(options.TestLimit, "test_limit"));
    }
}
