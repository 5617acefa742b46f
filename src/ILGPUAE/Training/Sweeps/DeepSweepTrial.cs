namespace ILGPUAE.Training.Sweeps;

using ILGPUAE.Backends;
using ILGPUAE.Data;
using ILGPUAE.Evaluation;
using ILGPUAE.Training.Deep;

/// <summary>
/// One configuration of `sweep deep`: `train deep` into the trial's directory with the configuration's learning rate and strength
/// over <paramref name="cell"/>'s shared options (a directory a killed sweep left is resumed), then `probe svm` on the kept model's
/// top codes. The sweep picks by the probe's validation error at its chosen C; the test error is the final SVM's, scored once.
/// </summary>
/// <param name="cell">What every configuration shares: dataset, layers, scheme, regularizer, epochs, batch, seed, limits.</param>
/// <param name="data">The dataset's classification splits, loaded once for the whole sweep (null: each trial loads them).</param>
public sealed class DeepSweepTrial(DeepOptions cell, AcceleratorKind accelerator, int device, string? dataDir, ITrainingObserver observer,
    ClassificationSplits? data = null) : ISweepTrial
{
    /// <summary>The options of configuration <paramref name="config"/>: the cell's with its learning rate and its regularizer's strength.</summary>
    public DeepOptions OptionsOf(SweepConfig config) => cell with
    {
        LearningRate = config.LearningRate,
        Noise = config.Regularizer == DeepRegularizer.Denoise ? config.Strength : cell.Noise,
        Contraction = config.Regularizer == DeepRegularizer.Contract ? config.Strength : cell.Contraction,
        Optimizer = config.Regularizer == DeepRegularizer.L2 ? cell.Optimizer with { WeightDecay = config.Strength } : cell.Optimizer,
    };

    public SweepOutcome Run(SweepTrialContext trial, CancellationToken stop)
    {
        var options = OptionsOf(trial.Config);
        // A directory a killed sweep left with a saved run resumes it; one without (the kill came before its first checkpoint) starts over.
        var resume = DeepTraining.SavedOptions(trial.Directory) is not null;
        DeepTraining.Run(new DeepRunRequest(options, accelerator, device, dataDir, trial.Directory, resume, Force: !resume, data,
            new RunControl(Stop: stop)), observer);
        stop.ThrowIfCancellationRequested();
        var probe = SvmProbe.Run(new SvmProbeRequest(trial.Directory, accelerator, device, dataDir, options.Dataset, options.TrainLimit, options.TestLimit),
            observer.Note);
        var outcome = probe.Outcome;
        var chosen = outcome.Fits.FirstOrDefault(f => !f.Final && f.C == outcome.ChosenC)?.Validation
            ?? throw new InvalidOperationException("the probe chose its C without a validation score");
        return new SweepOutcome(chosen.Error, outcome.Test.Errors, outcome.Test.Count, options.Epochs);
    }
}
