namespace ILGPUAE.Tests.Training;

using ILGPUAE.Models;
using ILGPUAE.Training;
using ILGPUAE.Training.Stacked;

/// <summary>Records fine-tuning epochs and can stop a run after a given number of them, as a killed process would.</summary>
internal sealed class QuietFinetuneObserver(int stopAfterEpochs = int.MaxValue) : ITrainingObserver
{
    public List<FinetuneEpochReport> Epochs { get; } = [];

    public void Note(string message)
    {
    }

    public void Started(RunStart start)
    {
    }

    public void Progress(StepProgress progress)
    {
    }

    public void EpochDone(EpochResult epoch)
    {
        Epochs.Add((FinetuneEpochReport)epoch);
        if (Epochs.Count >= stopAfterEpochs)
            throw new QuietObserver.SimulatedKill();
    }
}
