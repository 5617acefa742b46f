namespace ILGPUAE.Tests.Training.Sweeps;

using ILGPUAE.Training;
using ILGPUAE.Training.Sweeps;

/// <summary>Stands in for a killed process: an exception nothing in the sweep catches.</summary>
public sealed class SimulatedKill : Exception;

/// <summary>
/// A trial without training: its outcome is a fixed function of the configuration (so a rerun on another machine or shard gives the
/// same row), and it records every configuration it was asked to run. It can die on its n-th call, diverge on given keys, or
/// look at the rows file while it runs.
/// </summary>
public sealed class FakeTrial : ISweepTrial
{
    public List<string> Calls { get; } = [];

    /// <summary>Throw <see cref="SimulatedKill"/> when asked to run this call (1-based), before reporting anything.</summary>
    public int? KillAtCall { get; init; }

    public HashSet<string> Diverging { get; init; } = [];

    /// <summary>Called at the start of each call with the context, e.g. to read the rows file mid-sweep.</summary>
    public Action<SweepTrialContext, CancellationToken>? During { get; init; }

    public SweepOutcome Run(SweepTrialContext trial, CancellationToken stop)
    {
        Calls.Add(trial.Config.Key);
        if (Calls.Count == KillAtCall)
            throw new SimulatedKill();
        During?.Invoke(trial, stop);
        if (Diverging.Contains(trial.Config.Key))
            throw new TrainingDivergedException(epoch: 1, step: 40, loss: double.NaN);
        return OutcomeOf(trial.Config);
    }

    /// <summary>Validation error 1 % + 0.1 % per ordinal away from 7 (so #7 is best), test errors 100 + 3·ordinal of 10000, 5 epochs.</summary>
    public static SweepOutcome OutcomeOf(SweepConfig config) =>
        new(0.01 + 0.001 * Math.Abs(config.Ordinal - 7), 100 + 3 * config.Ordinal, 10000, 5);
}
