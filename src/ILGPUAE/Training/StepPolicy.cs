namespace ILGPUAE.Training;

using ILGPUAE.Backend;
using ILGPUAE.Models;
using ILGPUAE.Training.Stacked;

/// <summary>How a model's training step runs: the generic step, or a fused path that computes the same update faster.</summary>
public enum StepPath
{
    /// <summary>Per-sample SGD (batch 1, momentum 0) in the persistent SampleSgd kernels: a chunk of examples per launch.</summary>
    SampleSgdKernel,

    /// <summary>Plain SGD written inside the ∂W products and the column sums: no gradient stored (a tied DAE: seven launches).</summary>
    FusedSgd,

    /// <summary>The model's own gradient pass, then torch.optim.SGD with momentum on each parameter (a tied DAE: ten launches).</summary>
    GradientsThenSgd,

    /// <summary>
    /// The generic step (<see cref="NetworkStep"/>): the network's modules forward and backward, then an optimizer rule (RMSprop,
    /// Adam, AdamW, Nesterov; weight decay; clipping) with named state.
    /// </summary>
    GradientsThenOptimizer,
}

/// <summary>
/// Picks a step's path, as <c>GemmPolicy</c> picks a GEMM variant: every path computes the generic step's update
/// (modules → objective → backward → the optimizer rule), and the fused ones are tested to end at its weights
/// (FastPathEquivalenceTests, TrainerPathTests), so the choice changes the speed, not the result beyond float rounding.
/// A model without fused paths always takes the generic step.
/// </summary>
public static class StepPolicy
{
    /// <param name="hostLanes">Whether Hogwild workers run on lanes of the host provider (they take the fused SGD step).</param>
    public static StepPath ForDae(DaeOptions options, IBackend backend, bool hostLanes)
    {
        // The fused steps know no penalty, and apply a batch without looking at it (skip-batch checks it before the update):
        // such runs take the generic step. The persistent kernels are written for sigmoid hidden units.
        return Choose(options.IsPlainSgd && options.ActivityL1 == 0f && options.OnNan != NanPolicy.SkipBatch, options.Momentum,
            options.Batch == 1 && !hostLanes && options.Activation == Activation.Sigmoid && backend.SampleSgd is not null);
    }

    /// <summary>The path of a classifier's step: the SampleSgd kernels when they take these layers (batch 1, plain SGD).</summary>
    public static StepPath ForClassifier(FinetuneOptions options, IBackend backend, IReadOnlyList<DenseParameters> layers) =>
        Choose(options.Optimizer.IsPlainSgd && options.OnNan != NanPolicy.SkipBatch, options.Momentum,
            options.Batch == 1 && backend.SampleSgd is { } sampleSgd && sampleSgd.TakesClassifier(layers));

    /// <summary>
    /// The rule both models follow: anything but plain SGD takes the generic step; momentum, the model's gradients then SGD;
    /// plain SGD, the persistent kernels where <paramref name="sampleKernelTakesIt"/> (batch 1 on a backend whose kernels
    /// take this model), else SGD fused into the products.
    /// </summary>
    private static StepPath Choose(bool fusedSgd, float momentum, bool sampleKernelTakesIt) =>
        !fusedSgd ? StepPath.GradientsThenOptimizer
        : momentum != 0f ? StepPath.GradientsThenSgd
        : sampleKernelTakesIt ? StepPath.SampleSgdKernel
        : StepPath.FusedSgd;
}
