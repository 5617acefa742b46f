namespace ILGPUAE.Training.Deep;

using ILGPUAE.Modules;
using ILGPUAE.Optimizers;
using ILGPUAE.Random;

/// <summary>
/// One phase of a scheme: layers <see cref="FirstLayer"/> … FirstLayer + <see cref="Layers"/> − 1 trained together for
/// <see cref="Epochs"/> epochs, with the regularizers or without. A layer-wise phase trains one layer's local autoencoder on the
/// clean codes of the layers below it; a joint phase trains the whole stack on the input.
/// </summary>
/// <param name="Name">"layer 1" … for a layer-wise phase (1-based), "joint" for the joint phase.</param>
public sealed record DeepPhase(int Index, string Name, int FirstLayer, int Layers, bool Joint, bool Regularized, int Epochs)
{
    /// <summary>How many layers the phase's model reaches (its input-space reconstruction goes through all of them).</summary>
    public int Depth => FirstLayer + Layers;
}

/// <summary>
/// The schemes as schedules on the one <see cref="Trainer"/>: which phases run in which order, each phase's training network (a
/// <see cref="Networks.DeepAutoencoder"/>, regularized or not), its scoring network (clean, through every layer trained so far, in
/// input space) and its update rule. Every network of a run is built over the same tensors, by parameter name.
/// </summary>
public static class DeepSchedule
{
    /// <summary>
    /// L: layer 1 … N, each for <see cref="DeepOptions.Epochs"/>. J: one joint phase of Epochs, regularized. U: L's phases, then a
    /// joint phase of <see cref="DeepOptions.JointEpochsOrDefault"/> without regularizers. UJ: the same with them.
    /// </summary>
    public static IReadOnlyList<DeepPhase> Phases(DeepOptions options)
    {
        var n = options.Layers.Length;
        var phases = new List<DeepPhase>();
        if (options.Scheme != DeepScheme.J)
            for (var i = 0; i < n; i++)
                phases.Add(new DeepPhase(phases.Count, $"layer {i + 1}", i, 1, Joint: false, Regularized: true, options.Epochs));
        if (options.Scheme != DeepScheme.L)
            phases.Add(new DeepPhase(phases.Count, "joint", 0, n, Joint: true, Regularized: options.Scheme != DeepScheme.U,
                options.Scheme == DeepScheme.J ? options.Epochs : options.JointEpochsOrDefault));
        return phases;
    }

    /// <summary>
    /// What <paramref name="phase"/> trains: layer i's local autoencoder [d_i, d_{i+1}] (first layer i) for a layer-wise phase, the
    /// whole stack for a joint one; with the corruption or the contractive penalty when the phase is regularized.
    /// </summary>
    public static NetworkSpec TrainingSpec(DeepOptions options, int visible, DeepPhase phase)
    {
        var widths = options.Widths(visible)[phase.FirstLayer..(phase.Depth + 1)];
        return phase.Regularized
            ? Networks.DeepAutoencoder(widths, options.Corruption, options.ContractionOrZero, phase.FirstLayer)
            : Networks.DeepAutoencoder(widths, firstLayer: phase.FirstLayer);
    }

    /// <summary>The clean deep autoencoder of layers 0 … depth − 1: what scores a phase in input space and what the model file holds.</summary>
    public static NetworkSpec ScoringSpec(DeepOptions options, int visible, int depth) =>
        Networks.DeepAutoencoder(options.Widths(visible)[..(depth + 1)]);

    /// <summary>The phase's update rule: the options' (RMSprop), its weight decay only while the phase is regularized.</summary>
    public static OptimizerOptions Optimizer(DeepOptions options, DeepPhase phase) =>
        (phase.Regularized ? options.Optimizer : options.Optimizer with { WeightDecay = 0f }).With(options.LearningRate, 0f);

    /// <summary>
    /// The seed of a phase's epoch order and of its corruption: the run's seed for the first phase, a hash of (seed, phase) after it,
    /// so that a joint phase after the layer-wise ones does not replay their noise.
    /// </summary>
    public static ulong PhaseSeed(ulong seed, int phase) =>
        phase == 0 ? seed : CounterRng.Hash64(seed, (uint)RngStream.Shuffle, 0xDEE9u, (uint)phase, 0);
}
