namespace ILGPUAE.Delta;

/// <summary>Scalar pieces of the losses that the ILGPU kernels and the host provider both evaluate, so both round alike.</summary>
public static class LossMath
{
    /// <summary>
    /// log clamped below at −100, as PyTorch's BCELoss: log 0 gives −100, but NaN stays NaN so that a
    /// diverged model reports a NaN loss instead of a finite one.
    /// </summary>
    public static float ClampedLog(float v) => v > 0f ? MathF.Max(MathF.Log(v), -100f) : v == 0f ? -100f : float.NaN;
}
