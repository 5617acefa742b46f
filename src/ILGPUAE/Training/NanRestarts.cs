namespace ILGPUAE.Training;

/// <summary>One restart of <see cref="NanPolicy.HalveLearningRate"/>: what stopped the epoch, and the rate it went on at.</summary>
/// <param name="Cause">E.g. "loss became NaN at epoch 3, step 412" (<see cref="TrainingDivergedException.What"/>).</param>
/// <param name="FromEpoch">The epochs done in the state it went back to (the last checkpoint's).</param>
public sealed record NanRestart(string Cause, int FromEpoch, double LearningRate);

/// <summary>
/// on_nan for one <see cref="DaeSession"/>: keeps the last good state in memory (taken at the start and after every saved
/// epoch), and under <see cref="NanPolicy.HalveLearningRate"/> turns a <see cref="TrainingDivergedException"/> into a restart
/// from it at half the rate, up to <see cref="NanPolicies.MaxHalvings"/> times. The restarts since the last finished epoch go
/// into that epoch's report (and so into metrics.json).
/// </summary>
public sealed class NanRestarts(DaeSession session, NanPolicy policy)
{
    private readonly List<NanRestart> pending = [];
    private DaeSessionSnapshot? good = policy == NanPolicy.HalveLearningRate ? session.Snapshot() : null;

    /// <summary>Restarts so far.</summary>
    public int Count { get; private set; }

    /// <summary>An epoch was checkpointed: it is the new last good state.</summary>
    public void Saved()
    {
        if (good is not null)
            good = session.Snapshot();
    }

    /// <summary>
    /// Whether the run goes on after <paramref name="e"/>: if so, the session is back at the last good state, training at half
    /// <paramref name="options"/>' rate, and <paramref name="options"/> says so (the checkpoint saves them).
    /// </summary>
    public bool TryRestart(TrainingDivergedException e, ref DaeOptions options, ITrainingObserver observer)
    {
        if (good is null || Count >= NanPolicies.MaxHalvings)
            return false;
        Count++;
        session.Restore(good);
        options = options with { LearningRate = options.LearningRate / 2 };
        session.Trainer.LearningRate = options.LearningRate;
        pending.Add(new NanRestart(e.What, good.EpochsDone, options.LearningRate));
        observer.Note($"{e.What}: back to the state after epoch {good.EpochsDone}, learning rate halved to {options.LearningRate:G6} " +
            $"({Count} of {NanPolicies.MaxHalvings} halvings)");
        return true;
    }

    /// <summary><paramref name="report"/> with the restarts it followed (none: unchanged).</summary>
    public EpochReport Record(EpochReport report)
    {
        if (pending.Count == 0)
            return report;
        var recorded = report with { NanRestarts = [.. pending] };
        pending.Clear();
        return recorded;
    }
}
