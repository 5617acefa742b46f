namespace ILGPUAE.Training.Stacked;

using ILGPUAE.Backends;
using ILGPUAE.Data;
using ILGPUAE.Evaluation;
using ILGPUAE.IO;
using ILGPUAE.Models;

/// <summary>Where a fine-tuning run reads its stack and data, where it writes, and what it runs on.</summary>
/// <param name="Preset">The preset name the options started from, for metrics.json; null for none.</param>
/// <param name="Data">The splits already in memory (tests, in-process callers); null loads them from <paramref name="DataDir"/>.</param>
/// <param name="Pretrained">A directory written by `pretrain` or `train deep` (<see cref="EncoderStack"/>); unused with <paramref name="RandomStack"/> or on resume.</param>
/// <param name="Dataset">The dataset of a new run; null: the one the stack was trained on (MNIST for a random stack). A resumed run keeps its own.</param>
/// <param name="RandomStack">
/// The widths of a stack drawn at random instead of read from <paramref name="Pretrained"/>: the same classifier, its stack
/// initialised as the classifier initialises its own new sigmoid layers (the Glorot range, keyed by seed and layer) — the
/// baseline every pretraining claim is measured against.
/// </param>
/// <param name="Control">Mid-epoch checkpoints and a stop request (a signal); null: checkpoints at epoch ends only, never stopped.</param>
public sealed record FinetuneRunRequest(FinetuneOptions Options, string? Preset, string Pretrained, AcceleratorKind Accelerator, int Device,
    string? DataDir, string OutDir, bool Resume, bool Force, ClassificationSplits? Data = null, DatasetKind? Dataset = null, int[]? RandomStack = null,
    RunControl? Control = null)
{
    /// <summary>What metrics.json and the model file record as the stack of a random-init run.</summary>
    public const string RandomInit = "random";
}

/// <summary>
/// `finetune` from start to end: build the classifier on a pretrained stack (a `pretrain` stack or a `train deep` model's
/// encoders, <see cref="EncoderStack"/>), softmax on top, train all of it (or what is above a frozen stack) epoch by epoch,
/// validate after each, keep the best-validation model, stop by the patience rule, checkpoint after every
/// epoch (metrics.json and curves.png too), and finally score the best model on the test set.
/// </summary>
public static class Finetuning
{
    public static FinetuneMetrics Run(FinetuneRunRequest request, ITrainingObserver observer)
    {
        // Every input is checked before the directory is created, so a refused run leaves nothing behind.
        // Locks an existing directory (and completes or discards a checkpoint a killed run left) before the checkpoint is read.
        using var run = OutputDirectory.Open(InputPath.NotEmpty(request.OutDir, request.Resume ? "resume" : "out"), request.Resume, request.Force, observer.Note);
        var outDir = run.Path;
        var modelPath = Path.Combine(outDir, DaeCheckpoint.ModelFileName);
        var statePath = Path.Combine(outDir, DaeCheckpoint.StateFileName);
        ClassifierArchitecture architecture;
        FinetuneOptions options;
        string pretrained;
        EncoderStack? stack = null;
        if (request.Resume)
        {
            foreach (var path in new[] { modelPath, statePath })
                if (!File.Exists(path))
                    throw InputException.AboutSetting("resume", $"resume {request.OutDir}: {path} does not exist; expected a directory written by `finetune`");
            // A resumed run keeps the options it was started with.
            (architecture, options, pretrained, _) = ClassifierCheckpoint.ReadModel(modelPath);
        }
        else
        {
            options = request.Options;
            options.Validate();
            if (request.RandomStack is { } widths)
            {
                if (widths.Any(w => w < 1))
                    throw InputException.AboutSetting("hidden", $"hidden {string.Join(",", widths)}: expected the stack's widths, integers ≥ 1");
                pretrained = FinetuneRunRequest.RandomInit;
                options = options with { Dataset = request.Dataset ?? DatasetKind.Mnist };
                var info = Datasets.Info(options.Dataset);
                architecture = new ClassifierArchitecture(info.Shape.Features, widths, options.Mlp, info.Classes);
            }
            else
            {
                pretrained = Path.GetFullPath(InputPath.NotEmpty(request.Pretrained, "pretrained"));
                stack = EncoderStack.Read(request.Pretrained);
                options = options with { Dataset = request.Dataset ?? stack.Dataset, Binarize = stack.Binarized };
                architecture = new ClassifierArchitecture(stack.Visible, stack.Hidden, options.Mlp, Datasets.Info(options.Dataset).Classes);
            }
        }

        var control = request.Control ?? RunControl.None;
        if (control.CheckpointEvery < 0)
            throw InputException.AboutSetting("checkpoint_every", $"checkpoint_every {control.CheckpointEvery}: expected an integer ≥ 0 (0: at epoch ends only)");
        if (CurveFonts.Check(request.OutDir) is { } noFonts)
            observer.Note(noFonts);
        using var backend = AcceleratorCatalog.Open(request.Accelerator, request.Device, observer.Note);
        var (trainCount, testCount) = MemoryNeed.Examples(options.Dataset, options.TrainLimit, options.TestLimit);
        MemoryNeed.Classifier(architecture, options, trainCount, 0, testCount).Check(backend);
        var data = (request.Data ?? ClassificationSplits.Load(options.Dataset, request.DataDir, observer.Note)).Limit(options.TrainLimit, options.TestLimit);
        if (options.Binarize)
        {
            data = data.Binarized();
            observer.Note($"the encoders were trained on binarised data (x > {Binarization.Threshold}): training, validating and testing on the same");
        }
        if (data.Train.Features != architecture.Inputs)
            throw new InputException($"{data.Train.Name} has {data.Train.Features} values per example; the classifier takes {architecture.Inputs}");
        run.Create();
        using var model = FeedForwardClassifier.Create(backend, architecture, options.Seed);
        if (stack is not null)
            model.Load(stack.Find);
        var stackLayers = architecture.StackHidden.Length;
        using var trainer = new ClassifierSession(model, options, data.Train, options.Freeze ? stackLayers : 0);
        var stopping = new EarlyStopping(trainer.StepsPerEpoch, options.PatienceEpochs, options.PatienceIncrease, options.ImprovementThreshold);
        var plateau = new LearningRatePlateau(options.LearningRate, options.LrPlateau, options.LrFactor, options.MinLearningRate);
        var best = new ParameterSnapshot(model);
        if (request.Resume)
        {
            ClassifierCheckpoint.RestoreState(statePath, trainer, stopping, plateau, options.Batch);
            best.Load(modelPath, SafeTensorsFile.Read(modelPath));
        }

        using var valid = Upload(backend, data.Valid);
        using var validScore = new ClassifierEvaluator(model, valid.Pixels, valid.Labels);
        // A resumed run describes its model as the run it continues did (the stack is not read again).
        var saved = request.Resume ? FinetuneMetrics.Read(outDir) : null;
        var description = saved?.Model ?? $"classifier on {stack?.Description ?? "stacked denoising autoencoders"}{(options.Freeze ? " (stack frozen)" : "")}";
        var metrics = new FinetuneMetrics(description, architecture.ToString(), request.Preset, pretrained, data.Train.Name, backend.Name, options,
            data.Train.Count, data.Valid.Count, saved?.Epochs ?? []);
        metrics.Epochs.RemoveAll(e => e.Epoch > trainer.EpochsDone);
        if (stopping.BestEpoch > 0)
        {
            // A resumed run that trains no further epoch still reports (and marks on curves.png) the saved best.
            metrics.BestEpoch = stopping.BestEpoch;
            metrics.BestValidError = stopping.BestError;
        }
        observer.Started(new RunStart(backend.Name, options.Summary(architecture, data.Train.Count, data.Valid.Count), trainer.EpochsDone + 1, options.MaxEpochs));

        // The training state of the current step; model.safetensors (the best epoch's parameters) and metrics.json are unchanged
        // mid-epoch. One commit point. Before the first epoch's end there is no model file yet: the starting parameters (best
        // epoch 0) go in it, as the options and architecture a resumed run reads come from it.
        void MidEpoch()
        {
            var commit = new CheckpointCommit(outDir);
            if (!File.Exists(modelPath))
                ClassifierCheckpoint.SaveModel(commit, outDir, architecture, options, pretrained, best, stopping, trainer.EpochsDone);
            ClassifierCheckpoint.SaveState(commit, outDir, trainer, stopping, plateau);
            commit.Commit();
        }

        // The patience rule is read at epoch starts: a run resumed mid-epoch finishes its epoch first.
        while (trainer.EpochsDone < options.MaxEpochs && (trainer.Trainer.Position > 0 || !stopping.ShouldStop(trainer.StepsDone)))
        {
            // The schedule owns the rate; the trainer takes it at the start of every epoch (a resumed run's too).
            var rate = (float)plateau.Rate;
            trainer.LearningRate = rate;
            if (RunEpoch(trainer, observer, outDir, control, MidEpoch) is not { } epoch)
            {
                MidEpoch();
                throw new RunInterruptedException(RunInterruptedException.At(trainer.Trainer), outDir);
            }
            var error = validScore.Score().Error;
            var improved = stopping.Observe(trainer.EpochsDone, trainer.StepsDone, error);
            if (improved)
                best.Capture(model);
            plateau.Observe(improved);
            var report = new FinetuneEpochReport(trainer.EpochsDone, epoch.TrainLoss, error, epoch.Seconds, epoch.SamplesPerSecond, improved, rate)
            {
                Patience = stopping.Patience,
                SkippedBatches = epoch.SkippedBatches,
            };
            // Model, state and metrics.json of one epoch: one commit point.
            var commit = new CheckpointCommit(outDir);
            ClassifierCheckpoint.SaveModel(commit, outDir, architecture, options, pretrained, best, stopping, trainer.EpochsDone);
            ClassifierCheckpoint.SaveState(commit, outDir, trainer, stopping, plateau);
            metrics.Epochs.Add(report);
            metrics.BestEpoch = stopping.BestEpoch;
            metrics.BestValidError = stopping.BestError;
            metrics.Stage(commit, outDir);
            commit.Commit();
            TrainingCurves.Write(outDir, TrainingCurves.Of(metrics));
            observer.EpochDone(report);
            if (control.Stop.IsCancellationRequested && trainer.EpochsDone < options.MaxEpochs && !stopping.ShouldStop(trainer.StepsDone))
                throw new RunInterruptedException(RunInterruptedException.At(trainer.Trainer), outDir);
        }

        metrics.StoppedEarly = stopping.ShouldStop(trainer.StepsDone) && trainer.EpochsDone < options.MaxEpochs;
        best.Restore(model);
        using var test = Upload(backend, data.Test);
        using var testScore = new ClassifierEvaluator(model, test.Pixels, test.Labels);
        metrics.SetTestResult(testScore.Score());
        var scored = new CheckpointCommit(outDir);
        metrics.Stage(scored, outDir);
        scored.Commit();
        TrainingCurves.Write(outDir, TrainingCurves.Of(metrics));
        return metrics;
    }

    private static TrainerEpoch? RunEpoch(ClassifierSession trainer, ITrainingObserver observer, string outDir, RunControl control, Action midEpoch)
    {
        // The step of the last mid-epoch checkpoint, if the last checkpoint is one (see TrainingDivergedException.WithLastCheckpoint).
        long? midEpochStep = trainer.Trainer.Position > 0 ? trainer.StepsDone : null;
        void Save()
        {
            midEpoch();
            midEpochStep = trainer.StepsDone;
        }
        try
        {
            return trainer.RunEpochOrStop(observer.Progress, control, Save);
        }
        catch (TrainingDivergedException e)
        {
            throw e.WithLastCheckpoint(trainer.EpochsDone, outDir, midEpochStep: midEpochStep);
        }
    }

    private static LabelledTensors Upload(Backend.IBackend backend, Dataset data)
    {
        var pixels = backend.Allocate<float>(data.Count, data.Features);
        pixels.CopyFrom(data.Pixels);
        var labels = backend.Allocate<int>(data.Count);
        labels.CopyFrom(Array.ConvertAll(data.Labels, l => (int)l));
        return new LabelledTensors(pixels, labels);
    }

    private sealed record LabelledTensors(Backend.Tensor<float> Pixels, Backend.Tensor<int> Labels) : IDisposable
    {
        public void Dispose()
        {
            Pixels.Dispose();
            Labels.Dispose();
        }
    }
}
