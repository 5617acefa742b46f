namespace ILGPUAE.Modules;

using ILGPUAE.Backend;
using ILGPUAE.Models;

/// <summary>
/// The KL sparsity penalty of a sparse autoencoder (Ng's UFLDL notes) on the sigmoid layer below it: with ρ̂_j the mean activation of
/// hidden unit j over the batch's b rows, the batch's loss gains β·Σ_j KL(ρ‖ρ̂_j), KL(ρ‖ρ̂) = ρ log(ρ/ρ̂) + (1 − ρ) log((1 − ρ)/(1 − ρ̂)),
/// and δ of y [b, width] gains its gradient (β/b)·(−ρ/ρ̂_j + (1 − ρ)/(1 − ρ̂_j)) before act′. The term is one per batch, not per
/// example: every row's loss gets all of it, so that the batch mean the trainer reports is the objective's mean + β·ΣKL
/// (UFLDL's J_sparse with the mean squared error). ρ̂ is clamped to [10⁻⁶, 1 − 10⁻⁶] (<see cref="Delta.LossMath.KlClamp"/>) so
/// that a dead or saturated unit gives a finite loss. Two launches: ρ̂ by the Gemm family's column sums (α = 1/b), then the
/// Delta family's <see cref="IDelta.KlSparsity"/>.
/// <para>
/// ρ̂ is the mean over the batch the step sees: full-batch training gives UFLDL's objective exactly; a minibatch estimates ρ̂ from
/// its own rows. A training penalty only, as <see cref="ActivityL1"/>: evaluation scores the objective alone.
/// </para>
/// </summary>
public sealed class KlSparsity : PenaltyModule
{
    private const string Description = "a KL sparsity penalty";

    private readonly Tensor<float> meanActivation;

    /// <param name="width">The hidden layer's width.</param>
    /// <param name="rho">The target mean activation ρ, in (0, 1).</param>
    /// <param name="beta">The penalty's weight β, finite and ≥ 0.</param>
    public KlSparsity(IBackend backend, int maxBatch, int width, float rho, float beta)
        : base(backend, maxBatch, width, beta, Description)
    {
        Rho = ValidRho(rho);
        meanActivation = backend.Allocate<float>(width);
    }

    /// <summary>The target mean activation ρ.</summary>
    public float Rho { get; }

    /// <summary><paramref name="beta"/> when it is finite and ≥ 0; else an <see cref="ArgumentException"/> that names it.</summary>
    public static float ValidBeta(float beta) => ValidLambda(beta, Description);

    /// <summary><paramref name="rho"/> when it is in (0, 1) (KL(ρ‖·) needs log ρ and log(1 − ρ)); else an <see cref="ArgumentException"/>.</summary>
    public static float ValidRho(float rho) =>
        rho is > 0f and < 1f ? rho : throw new ArgumentException($"{Description}'s rho must be in (0, 1); got {rho}", nameof(rho));

    /// <summary>ρ̂ [width] = the column means of y [b, width], then β·ΣKL into every row's loss and δ_in [b, width].</summary>
    protected override void AddPenalty(Tensor<float> y, Tensor<float> delta, Activation inputActivation, bool needInputDelta,
        Tensor<float> inputDelta, Tensor<float> losses)
    {
        if (y.Rows == 0)
            return;
        Backend.Gemm.ColumnSums(1f / y.Rows, y, 0f, meanActivation);
        // Without an input delta to form, the same kernel writes into this module's buffer, which nothing reads: one launch
        // adds the losses either way.
        Backend.Delta.KlSparsity(y, delta, meanActivation, inputActivation, Rho, Lambda, 1f / y.Rows, inputDelta, losses);
    }

    protected override void DisposeBuffers() => meanActivation.Dispose();
}
