namespace ILGPUAE.Random;

/// <summary>The independent random streams of a run; each keys its own draws.</summary>
public enum RngStream : uint
{
    Mask = 1,
    Shuffle = 2,
    Init = 3,
    Noise = 4,
    Data = 5,
    FinetuneMask = 6,
}

/// <summary>
/// A counter-based generator: every draw is a pure function of (seed, stream, a, b, c), built from the
/// SplitMix64 finaliser. Kernels (ILGPU compiles these methods), the host provider and the references
/// all call this one implementation, so a seed gives the same masks everywhere, whatever the batch.
/// </summary>
public static class CounterRng
{
    private const ulong Golden = 0x9E3779B97F4A7C15UL;

    /// <summary>SplitMix64's output function: a bijective 64-bit mix.</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public static ulong Hash64(ulong seed, uint stream, uint a, uint b, uint c)
    {
        var h = Mix(seed + Golden * (stream + 1UL));
        h = Mix(h + Golden * (a + 1UL));
        h = Mix(h + Golden * (b + 1UL));
        return Mix(h + Golden * (c + 1UL));
    }

    public static uint Hash32(ulong seed, uint stream, uint a, uint b, uint c) => (uint)(Hash64(seed, stream, a, b, c) >> 32);

    /// <summary>A uniform double in [0, 1) with 53 random bits.</summary>
    public static double Uniform(ulong seed, uint stream, uint a, uint b, uint c) =>
        (Hash64(seed, stream, a, b, c) >> 11) * (1.0 / (1UL << 53));

    /// <summary>The integer threshold t with P(Hash32 &lt; t) = p, for p clamped to [0, 1].</summary>
    public static ulong BernoulliThreshold(float probability)
    {
        if (!(probability > 0f))
            return 0;
        if (probability >= 1f)
            return 1UL << 32;
        return (ulong)((double)probability * 4294967296.0);
    }
}

/// <summary>Identifies one corruption draw: seed, stream and epoch; the example and element come with the call.</summary>
public readonly record struct NoiseKey(ulong Seed, RngStream Stream, uint Epoch);
