namespace ILGPUAE.Pooling;

/// <summary>
/// The comparison that picks a max-pool window's winner, shared by the ILGPU kernels (which compile it), the host provider and
/// the double reference's definition, so every backend records the same argmax.
/// </summary>
public static class PoolMath
{
    /// <summary>
    /// Whether <paramref name="v"/>, met later in row-major window order, takes the window from <paramref name="best"/>: it is
    /// strictly larger (so a tie keeps the first maximum), or it is the window's first NaN (NaN beats every number, as in PyTorch).
    /// </summary>
    public static bool Beats(float v, float best) => v > best || (float.IsNaN(v) && !float.IsNaN(best));

    /// <summary>The same rule in double: the reference.</summary>
    public static bool Beats(double v, double best) => v > best || (double.IsNaN(v) && !double.IsNaN(best));
}
