namespace ILGPUAE.Dropout;

/// <summary>The arithmetic of inverted dropout that every backend shares.</summary>
public static class DropoutMath
{
    /// <summary>The factor on kept elements, 1/(1 − p) taken in double and rounded once to float.</summary>
    public static float Scale(float probability) => (float)(1.0 / (1.0 - probability));
}
