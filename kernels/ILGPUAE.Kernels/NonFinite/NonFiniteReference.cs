namespace ILGPUAE.NonFinite;

/// <summary>Reference for <see cref="Backend.INonFinite"/>: the flag a scan leaves, computed in double.</summary>
public static class NonFiniteReference
{
    /// <summary>The flag after scanning <paramref name="x"/> with <paramref name="code"/>, starting from <paramref name="flag"/>.</summary>
    public static int Flag(ReadOnlySpan<double> x, int code, int flag)
    {
        if (flag != 0)
            return flag;
        foreach (var v in x)
            if (!double.IsFinite(v))
                return code;
        return 0;
    }
}
