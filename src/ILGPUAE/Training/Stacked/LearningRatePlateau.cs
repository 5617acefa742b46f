namespace ILGPUAE.Training.Stacked;

/// <summary>
/// Reduce-on-plateau for the learning rate, as Keras' and PyTorch's <c>ReduceLROnPlateau</c> do it on a
/// validation error: after <c>epochs</c> validations in a row without a new best, the rate becomes
/// max(minimum, factor × rate) and the count starts again. <c>epochs</c> = 0 keeps the rate fixed.
/// </summary>
public sealed class LearningRatePlateau(double initial, int epochs, double factor, double minimum)
{
    /// <summary>The rate the next epoch trains at.</summary>
    public double Rate { get; private set; } = initial;

    /// <summary>Validations since the last new best or the last reduction.</summary>
    public int EpochsWithoutBest { get; private set; }

    public bool IsOn => epochs > 0;

    /// <summary>Restores the schedule's state from a checkpoint.</summary>
    public void Restore(double rate, int epochsWithoutBest)
    {
        Rate = rate;
        EpochsWithoutBest = epochsWithoutBest;
    }

    /// <summary>Records one validation (<paramref name="improved"/>: a new best); true if it lowered the rate.</summary>
    public bool Observe(bool improved)
    {
        if (!IsOn)
            return false;
        if (improved)
        {
            EpochsWithoutBest = 0;
            return false;
        }
        if (++EpochsWithoutBest < epochs)
            return false;
        EpochsWithoutBest = 0;
        var lowered = Math.Max(minimum, factor * Rate);
        var changed = lowered < Rate;
        Rate = lowered;
        return changed;
    }
}
