namespace ILGPUAE.Modules;

using ILGPUAE.Backend;
using ILGPUAE.Models;

/// <summary>
/// An L1 penalty on the activations of the module below it (Keras' activity_regularizer=l1): each training example's loss
/// gains lambda·Σ_j |y_j|, y [b, width] that module's output, and δ of y gains its gradient: δ_in = (δ + lambda/b·sign(y)) ⊙
/// act′(y), so the reported training loss is objective + penalty (<see cref="PenaltyModule"/>); the objectives' gradients are
/// those of the mean over the batch's b rows, and so is the penalty's.
/// <para>
/// A training penalty only: evaluation (<see cref="Evaluation.NetworkEvaluator"/>, forward with Training = false) never runs
/// a backward pass, so it scores the objective alone, and validation losses stay comparable whatever lambda is. Placed below
/// the first trained module, the penalty runs no backward pass either and adds nothing to the loss (its term would be a
/// constant for the trained parameters).
/// </para>
/// </summary>
public sealed class ActivityL1(IBackend backend, int maxBatch, int width, float lambda)
    : PenaltyModule(backend, maxBatch, width, lambda, Description)
{
    private const string Description = "an activity L1 penalty";

    /// <summary><paramref name="lambda"/> when it is finite and ≥ 0; else an <see cref="ArgumentException"/> that names it.</summary>
    public static float ValidLambda(float lambda) => ValidLambda(lambda, Description);

    /// <summary>
    /// Adds lambda·Σ_j |y[m,j]| to losses[m] and writes δ_in [b, width] = (δ + lambda/b·sign(y)) ⊙ act′(y) through
    /// <paramref name="inputActivation"/>.
    /// </summary>
    protected override void AddPenalty(Tensor<float> y, Tensor<float> delta, Activation inputActivation, bool needInputDelta,
        Tensor<float> inputDelta, Tensor<float> losses) =>
        // Without an input delta to form, the same kernel writes into this module's buffer, which nothing reads: one launch
        // adds the losses either way.
        Backend.Delta.ActivityL1(y, delta, inputActivation, Lambda, 1f / y.Rows, inputDelta, losses);
}
