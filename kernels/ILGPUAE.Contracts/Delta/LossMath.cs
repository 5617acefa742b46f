namespace ILGPUAE.Delta;

/// <summary>Scalar pieces of the losses that the ILGPU kernels and the host provider both evaluate, so both round alike.</summary>
public static class LossMath
{
    /// <summary>
    /// log clamped below at −100, as PyTorch's BCELoss: log 0 gives −100, but NaN stays NaN so that a
    /// diverged model reports a NaN loss instead of a finite one.
    /// </summary>
    public static float ClampedLog(float v) => v > 0f ? MathF.Max(MathF.Log(v), -100f) : v == 0f ? -100f : float.NaN;

    /// <summary>sign v: 1, −1, or v itself where it is ±0 (torch.sign's 0) or NaN (which so reaches the gradient, as it reaches the loss).</summary>
    public static float Sign(float v) => v > 0f ? 1f : v < 0f ? -1f : v;

    /// <summary>
    /// The gradient an L1 penalty adds to δ before the activation's derivative: delta + penalty·sign(y), penalty = scale·lambda
    /// (<see cref="Backend.IDelta.ActivityL1"/>).
    /// </summary>
    public static float L1Gradient(float delta, float penalty, float y) => delta + penalty * Sign(y);

    /// <summary>
    /// The KL sparsity penalty's clamp of a unit's mean activation ρ̂ to [KlClampLow, <see cref="KlClampHigh"/>]
    /// (<see cref="Backend.IDelta.KlSparsity"/>): a sigmoid unit's mean is 0 or 1 in float only when it saturates on every example,
    /// where KL and its gradient are infinite; clamped, both stay finite (the gradient −ρ/10⁻⁶ is large and pushes the unit back).
    /// </summary>
    public const float KlClampLow = 1e-6f;

    /// <summary>1 − <see cref="KlClampLow"/> rounded to float (0.99999899…), the upper end of the clamp.</summary>
    public const float KlClampHigh = 1f - KlClampLow;

    /// <summary>ρ̂ clamped to [<see cref="KlClampLow"/>, <see cref="KlClampHigh"/>]; NaN stays NaN (comparisons, not Min/Max, whose NaN rules differ by device).</summary>
    public static float KlClamp(float rhoHat) => rhoHat < KlClampLow ? KlClampLow : rhoHat > KlClampHigh ? KlClampHigh : rhoHat;

    /// <summary>KL(ρ‖r) = ρ log(ρ/r) + (1 − ρ) log((1 − ρ)/(1 − r)) of a target ρ in (0, 1) and a clamped mean r.</summary>
    public static float KlDivergence(float rho, float r) => rho * MathF.Log(rho / r) + (1f - rho) * MathF.Log((1f - rho) / (1f - r));

    /// <summary>∂KL(ρ‖r)/∂r = −ρ/r + (1 − ρ)/(1 − r).</summary>
    public static float KlGradient(float rho, float r) => (1f - rho) / (1f - r) - rho / r;
}
