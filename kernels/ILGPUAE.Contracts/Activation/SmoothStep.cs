namespace ILGPUAE.Activation;

/// <summary>
/// The smooth step of ANAMO's binary-encoder variant: s(u) = 3t² − 2t³ with t = clamp(u/ε, 0, 1), so 0 for u ≤ 0, 1 for u ≥ ε, and
/// C¹ in between; s′(u) = 6t(1 − t)/ε (0 outside (0, ε), where t is clamped). The per-element arithmetic both providers run.
/// </summary>
public static class SmoothStep
{
    /// <summary>s(u) for <paramref name="inverseEpsilon"/> = 1/ε.</summary>
    public static float Value(float u, float inverseEpsilon)
    {
        var t = MathF.Min(MathF.Max(u * inverseEpsilon, 0f), 1f);
        return t * t * (3f - 2f * t);
    }

    /// <summary>s′(u) for <paramref name="inverseEpsilon"/> = 1/ε.</summary>
    public static float Slope(float u, float inverseEpsilon)
    {
        var t = MathF.Min(MathF.Max(u * inverseEpsilon, 0f), 1f);
        return 6f * t * (1f - t) * inverseEpsilon;
    }
}
