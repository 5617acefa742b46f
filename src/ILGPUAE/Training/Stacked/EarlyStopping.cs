namespace ILGPUAE.Training.Stacked;

/// <summary>
/// The Theano tutorials' patience rule, validated once per epoch. Patience starts at
/// <c>patienceEpochs × stepsPerEpoch</c> steps. A validation error below the best is kept as the new best;
/// if it is also below <c>threshold × best</c> (a 0.5 % relative improvement at 0.995), patience becomes
/// max(patience, increase × t), t being the 0-based index of the epoch's last step. Training stops once
/// patience ≤ t. (Theano checks this after every step and may stop a few steps before an epoch ends;
/// those steps come after the last validation, so the best model is the same.)
/// </summary>
public sealed class EarlyStopping(long stepsPerEpoch, int patienceEpochs, double increase, double threshold)
{
    /// <summary>Steps that may pass before stopping; long.MaxValue when early stopping is off (patienceEpochs 0).</summary>
    public long Patience { get; private set; } = patienceEpochs == 0 ? long.MaxValue : patienceEpochs * stepsPerEpoch;

    public double BestError { get; private set; } = double.PositiveInfinity;

    /// <summary>1-based; 0 before any validation.</summary>
    public int BestEpoch { get; private set; }

    /// <summary>Restores the rule's state from a checkpoint.</summary>
    public void Restore(long patience, double bestError, int bestEpoch)
    {
        Patience = patience;
        BestError = bestError;
        BestEpoch = bestEpoch;
    }

    /// <summary>Records epoch <paramref name="epoch"/>'s validation error after <paramref name="stepsDone"/> steps in all; true if it is the new best.</summary>
    public bool Observe(int epoch, long stepsDone, double error)
    {
        if (!(error < BestError))
            return false;
        if (error < BestError * threshold && Patience != long.MaxValue)
            Patience = Math.Max(Patience, (long)((stepsDone - 1) * increase));
        BestError = error;
        BestEpoch = epoch;
        return true;
    }

    public bool ShouldStop(long stepsDone) => Patience <= stepsDone - 1;
}
