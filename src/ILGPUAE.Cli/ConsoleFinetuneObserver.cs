namespace ILGPUAE.Cli;

using ILGPUAE.Data;
using ILGPUAE.Models;
using ILGPUAE.Training;
using ILGPUAE.Training.Stacked;

/// <summary>Fine-tuning's progress bar and one line per epoch: train loss, validation error, whether it is the best, patience.</summary>
public sealed class ConsoleFinetuneObserver : IFinetuneObserver
{
    private readonly ConsoleProgress console;
    private int epochs;

    private ConsoleFinetuneObserver(ConsoleProgress console) => this.console = console;

    public static T Run<T>(Func<IFinetuneObserver, T> work) => ConsoleProgress.Run(console => work(new ConsoleFinetuneObserver(console)));

    public void Note(string message) => console.Line(message);

    public void Started(string accelerator, ClassifierArchitecture architecture, FinetuneOptions options, int trainExamples, int validExamples, int firstEpoch)
    {
        epochs = options.MaxEpochs;
        console.Line($"accelerator: {accelerator}");
        console.Line($"classifier {architecture}{(options.Freeze ? " (stack frozen)" : "")}; {Datasets.Info(options.Dataset).DisplayName}, " +
            $"{trainExamples} train / {validExamples} validation; " +
            $"lr {options.LearningRate}, momentum {options.Momentum}, batch {options.Batch}, up to {options.MaxEpochs} epochs, " +
            $"{(options.PatienceEpochs == 0 ? "no early stopping" : $"patience {options.PatienceEpochs} epochs")}, seed {options.Seed}" +
            (options.Corruption == 0f ? "" : $"; inputs masked at {options.Corruption} while training") +
            (options.LrPlateau == 0 ? "" : $"; lr × {options.LrFactor} after {options.LrPlateau} epochs without a new best (min {options.MinLearningRate})"));
        if (firstEpoch > 1)
            console.Line($"resuming at epoch {firstEpoch}");
    }

    public void Progress(StepProgress p) =>
        console.Update($"epoch {p.Epoch}/{epochs} · {p.Processed}/{p.Total} · loss {p.RunningLoss:F4} · {p.SamplesPerSecond:F0} samples/s", p.Processed, p.Total);

    public void EpochDone(FinetuneEpochReport r, EarlyStopping stopping)
    {
        console.Complete();
        var patience = stopping.Patience == long.MaxValue ? "" : $"  patience {stopping.Patience} steps";
        console.Line($"epoch {r.Epoch}/{epochs}  train loss {r.TrainLoss:F4}  validation error {100 * r.ValidError:F2} %{(r.Best ? " (best)" : "")}  " +
            $"lr {r.LearningRate:G4}  {r.Seconds:F1} s  {r.SamplesPerSecond:F0} samples/s{patience}");
    }
}
