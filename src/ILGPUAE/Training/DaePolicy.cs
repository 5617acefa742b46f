namespace ILGPUAE.Training;

using ILGPUAE.Backend;

/// <summary>How a tied DAE's training step runs.</summary>
public enum DaeStepPath
{
    /// <summary>Per-sample SGD (batch 1, momentum 0) in the persistent SampleSgd kernels: a chunk of examples per launch.</summary>
    SampleSgdKernel,

    /// <summary>Plain SGD written inside the ∂W product and the column sums: seven launches, no gradient stored.</summary>
    FusedSgd,

    /// <summary>The stacked-∂W gradients, then torch.optim.SGD with momentum on each parameter: ten launches.</summary>
    GradientsThenSgd,

    /// <summary>The gradients, then an optimizer rule (RMSprop, Adam, AdamW, Nesterov; weight decay; clipping) with named state.</summary>
    GradientsThenOptimizer,
}

/// <summary>
/// Picks a DAE step's path, as <c>GemmPolicy</c> picks a GEMM variant: every path computes the generic step's update
/// (modules → objective → backward → the optimizer rule), and the fused ones are tested to end at its weights
/// (FastPathEquivalenceTests), so the choice changes the speed, not the result beyond float rounding.
/// </summary>
public static class DaePolicy
{
    /// <param name="hostLanes">Whether Hogwild workers run on lanes of the host provider (they take the fused SGD step).</param>
    public static DaeStepPath Choose(DaeOptions options, IBackend backend, bool hostLanes)
    {
        if (!options.IsPlainSgd)
            return DaeStepPath.GradientsThenOptimizer;
        if (options.Momentum != 0f)
            return DaeStepPath.GradientsThenSgd;
        // The persistent kernels are written for sigmoid hidden units.
        return options.Batch == 1 && !hostLanes && options.Activation == Activation.Sigmoid && backend.SampleSgd is not null
            ? DaeStepPath.SampleSgdKernel : DaeStepPath.FusedSgd;
    }
}
