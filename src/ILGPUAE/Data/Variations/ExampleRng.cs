namespace ILGPUAE.Data.Variations;

/// <summary>
/// The generator of one example of a generated dataset: xoshiro256** seeded by SplitMix64 from
/// (seed ^ dataset·2⁴⁰ ^ split·2³² ^ index), as ../shared/DATASETS.md fixes it. Every example is drawn from its own stream,
/// so a set is the same bytes whatever order or thread makes it, and on every .NET version (integer arithmetic only;
/// uniforms are (u &gt;&gt; 11)·2⁻⁵³).
/// </summary>
public struct ExampleRng
{
    private ulong s0, s1, s2, s3;

    /// <param name="dataset">A number fixed per generated dataset (<see cref="IVariationGenerator.Id"/>).</param>
    public ExampleRng(ulong seed, uint dataset, VariationSplit split, int index)
    {
        var x = seed ^ ((ulong)dataset << 40) ^ ((ulong)split << 32) ^ (uint)index;
        s0 = SplitMix(ref x);
        s1 = SplitMix(ref x);
        s2 = SplitMix(ref x);
        s3 = SplitMix(ref x);
    }

    private static ulong SplitMix(ref ulong x)
    {
        var z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>The next 64 random bits (xoshiro256**).</summary>
    public ulong NextUInt64()
    {
        var result = ulong.RotateLeft(s1 * 5, 7) * 9;
        var t = s1 << 17;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = ulong.RotateLeft(s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1): the top 53 bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public double Uniform(double low, double high) => low + (high - low) * NextDouble();

    /// <summary>Uniform integer in [0, <paramref name="n"/>), n ≥ 1 (Lemire's multiply-shift with rejection: unbiased).</summary>
    public int NextInt(int n)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        var bound = (ulong)n;
        var threshold = (0UL - bound) % bound;
        while (true)
        {
            var m = Math.BigMul(NextUInt64(), bound, out var low);
            if (low >= threshold)
                return (int)m;
        }
    }

    /// <summary>Uniform integer in [<paramref name="low"/>, <paramref name="high"/>] (both ends included).</summary>
    public int NextInt(int low, int high) => low + NextInt(high - low + 1);

    /// <summary>
    /// Geometric on {1, 2, …} with success probability <paramref name="p"/> (the number of trials up to the first success),
    /// by inversion: ⌈ln(1 − u) / ln(1 − p)⌉, at least 1.
    /// </summary>
    public int Geometric(double p)
    {
        var u = NextDouble();
        return Math.Max(1, (int)Math.Ceiling(Math.Log(1 - u) / Math.Log(1 - p)));
    }
}
