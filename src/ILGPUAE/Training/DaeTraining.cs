namespace ILGPUAE.Training;

using ILGPUAE.Backends;
using ILGPUAE.Data;
using ILGPUAE.Evaluation;
using ILGPUAE.IO;

/// <summary>Where a run reads data, where it writes, and what it runs on.</summary>
/// <param name="Control">Mid-epoch checkpoints and a stop request (a signal); null: checkpoints at epoch ends only, never stopped.</param>
public sealed record DaeRunRequest(DaeOptions Options, AcceleratorKind Accelerator, int Device, string? DataDir, string OutDir, bool Resume, bool Force,
    RunControl? Control = null);

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
        var control = Checked(request.Control, options);
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
        // The step of the last checkpoint when it was written inside an epoch (a resumed run may start from one), else null.
        long? midEpochStep = trainer.Trainer.Position > 0 ? trainer.StepsDone : null;
        // Model and state of the current step (metrics.json is unchanged mid-epoch): one commit point.
        void MidEpoch()
        {
            var commit = new CheckpointCommit(outDir);
            DaeCheckpoint.Stage(commit, outDir, trainer, options, metrics.Epochs.LastOrDefault());
            commit.Commit();
            midEpochStep = trainer.StepsDone;
        }

        while (trainer.EpochsDone < options.Epochs)
        {
            EpochReport report;
            // The epochs the directory's checkpoint holds: a test loss found non-finite after the epoch's steps stops the run
            // before that epoch is saved.
            var saved = trainer.EpochsDone;
            try
            {
                if (trainer.RunEpochOrStop(observer.Progress, control, MidEpoch) is not { } done)
                {
                    MidEpoch();
                    throw new RunInterruptedException(RunInterruptedException.At(trainer.Trainer), outDir);
                }
                report = done;
            }
            catch (TrainingDivergedException e)
            {
                // on_nan halve-lr: back to the last good state at half the rate, a few times (after the epoch's own cleanup).
                if (onNan.TryRestart(e, ref options, observer))
                    continue;
                throw e.WithLastCheckpoint(saved, outDir, midEpochStep: midEpochStep);
            }
            report = onNan.Record(report);
            // Model, state and metrics.json of one epoch: one commit point.
            var commit = new CheckpointCommit(outDir);
            DaeCheckpoint.Stage(commit, outDir, trainer, options, report);
            metrics.Epochs.Add(report);
            metrics.Stage(commit, outDir);
            commit.Commit();
            midEpochStep = null;
            TrainingCurves.Write(outDir, TrainingCurves.Of(metrics));
            observer.EpochDone(report);
            onNan.Saved();
            if (control.Stop.IsCancellationRequested && trainer.EpochsDone < options.Epochs)
                throw new RunInterruptedException(RunInterruptedException.At(trainer.Trainer), outDir);
        }
        return metrics;
    }

    /// <summary><paramref name="control"/> (or none), refused for Hogwild when it asks for mid-epoch checkpoints (its epochs are not reproducible).</summary>
    public static RunControl Checked(RunControl? control, DaeOptions options)
    {
        control ??= RunControl.None;
        if (control.CheckpointEvery < 0)
            throw InputException.AboutSetting("checkpoint_every", $"checkpoint_every {control.CheckpointEvery}: expected an integer ≥ 0 (0: at epoch ends only)");
        if (control.CheckpointEvery > 0 && options.Hogwild >= 2)
            throw InputException.AboutSetting("checkpoint_every", $"checkpoint_every {control.CheckpointEvery} with hogwild {options.Hogwild}: Hogwild epochs are not reproducible, so they are saved at their ends only; expected 0 (checkpoints at epoch ends)", "hogwild");
        return control;
    }

    /// <summary>The options' dataset (every training example, validation included), cut to the train and test limits.</summary>
    public static (Dataset Train, Dataset Test) LoadData(string? dataDir, DaeOptions options, ITrainingObserver observer)
    {
        var splits = Datasets.Load(options.Dataset, dataDir, observer.Note);
        return (splits.TrainAndValidation.Limit(options.TrainLimit, "train_limit"), splits.Test.Limit(options.TestLimit, "test_limit"));
    }
}
