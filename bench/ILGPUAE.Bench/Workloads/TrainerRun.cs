namespace ILGPUAE.Bench.Workloads;

using ILGPUAE.Backend;
using ILGPUAE.Modules;
using ILGPUAE.Optimizers;
using ILGPUAE.Training;

/// <summary>
/// What W6 and W7 time, check and measure: a network built from its spec and initialised by a seed, its step with an optimizer rule,
/// and the one trainer over a workload's images; with the backend's bytes once the model and its optimizer exist and what the
/// trainer added.
/// </summary>
internal sealed class TrainerRun : IDisposable
{
    /// <param name="buildBatch">The batch the network's buffers are allocated for.</param>
    /// <param name="guarded">The trainer checks the trained parameters for non-finite values, as `train cae` does.</param>
    public TrainerRun(IBackend backend, NetworkSpec spec, int buildBatch, ulong seed, OptimizerOptions rule, ReadOnlySpan<float> pixels, int count,
        int batch, bool guarded = false)
    {
        Network = spec.Build(backend, buildBatch);
        Network.Initialize(seed);
        Step = new NetworkStep(Network, new Optimizer(backend, Network.TrainedParameters, rule), rule.LearningRate);
        ModelBytes = backend.AllocatedBytes;
        Trainer = new Trainer(backend, Step, new TrainerSettings(seed, batch, rule.LearningRate), pixels, count,
            guarded: guarded ? Network.TrainedParameters.Select(p => (p.Name, p.Value)) : null);
        TrainerBytes = backend.AllocatedBytes - ModelBytes;
    }

    public Network Network { get; }
    public NetworkStep Step { get; }
    public Trainer Trainer { get; }

    /// <summary>The backend's bytes once the network and its optimizer exist, before the trainer.</summary>
    public long ModelBytes { get; }

    /// <summary>What the trainer allocated: the data set on the device, the epoch order, the per-example losses (and the guard's flag).</summary>
    public long TrainerBytes { get; }

    public void Dispose()
    {
        Trainer.Dispose();
        Step.Dispose();
    }
}
