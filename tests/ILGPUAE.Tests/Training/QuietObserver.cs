namespace ILGPUAE.Tests.Training;

using ILGPUAE.Training;

/// <summary>Records epochs and can stop a run after a given number of them, as a killed process would.</summary>
internal sealed class QuietObserver(int stopAfterEpochs = int.MaxValue) : ITrainingObserver
{
    public List<EpochReport> Epochs { get; } = [];

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
        Epochs.Add((EpochReport)epoch);
        if (Epochs.Count >= stopAfterEpochs)
            throw new SimulatedKill();
    }

    public sealed class SimulatedKill : Exception;
}
