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
}
