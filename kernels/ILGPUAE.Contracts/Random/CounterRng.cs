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

    /// <summary>The corruption of a generative chain's states (sampling a denoising autoencoder as a Markov chain), keyed by step.</summary>
    ChainCorruption = 7,

    /// <summary>The Bernoulli draws of a generative chain's samples, keyed by step.</summary>
    Sample = 8,

    /// <summary>The masks of dropout modules (inverted dropout), keyed by epoch, example and element; a layer other than 0 hashes into the seed.</summary>
    Dropout = 9,

    /// <summary>Which training examples a labelled subset holds (`train classifier --labels N`).</summary>
    LabelSubset = 10,

    // The genetic operators (IGenetic), each keyed by (seed, generation, individual, gene).

    /// <summary>Which parents are selected: (generation, parent slot, draw within the tournament).</summary>
    GeneticSelection = 11,

    /// <summary>How offspring are crossed: (generation, offspring, gene) for per-gene draws, gene 0 and 1 for the cut points.</summary>
    GeneticCrossover = 12,

    /// <summary>Which offspring genes mutate: (generation, offspring, gene).</summary>
    GeneticMutation = 13,

    /// <summary>What a mutated gene becomes (its Gaussian step or its reset value): (generation, offspring, gene).</summary>
    GeneticMutationValue = 14,

    /// <summary>Where an island's migrants go on a random topology (`train ga`): (generation, island).</summary>
    GeneticMigration = 15,
}

/// <summary>
/// A counter-based generator: every draw is a pure function of (seed, stream, a, b, c), built from the
/// SplitMix64 finaliser. Kernels (ILGPU compiles these methods), the host provider and the references
/// all call this one implementation, so a seed gives the same masks everywhere, whatever the batch.
/// </summary>
public static class CounterRng
{
    /// <summary>SplitMix64's increment, 2⁶⁴/φ: counter k enters a round as Golden·(k + 1).</summary>
    public const ulong Golden = 0x9E3779B97F4A7C15UL;

    /// <summary>The two multipliers of <see cref="Mix"/>.</summary>
    public const ulong MixMultiplier1 = 0xBF58476D1CE4E5B9UL, MixMultiplier2 = 0x94D049BB133111EBUL;

    /// <summary>SplitMix64's output function: a bijective 64-bit mix.</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * MixMultiplier1;
        z = (z ^ (z >> 27)) * MixMultiplier2;
        return z ^ (z >> 31);
    }

    public static ulong Hash64(ulong seed, uint stream, uint a, uint b, uint c) => Last(Prefix(seed, stream, a, b), c);

    /// <summary>
    /// The three rounds of <see cref="Hash64"/> that do not depend on <c>c</c>: Hash64(seed, stream, a, b, c) = Last(Prefix(seed, stream, a, b), c),
    /// so a loop over the elements c of one row (one example b) mixes its prefix once.
    /// </summary>
    public static ulong Prefix(ulong seed, uint stream, uint a, uint b)
    {
        var h = Mix(seed + Golden * (stream + 1UL));
        h = Mix(h + Golden * (a + 1UL));
        return Mix(h + Golden * (b + 1UL));
    }

    /// <summary><see cref="Hash64"/>'s last round, of element <paramref name="c"/> after <paramref name="prefix"/> (<see cref="Prefix"/>).</summary>
    public static ulong Last(ulong prefix, uint c) => Mix(prefix + Golden * (c + 1UL));

    public static uint Hash32(ulong seed, uint stream, uint a, uint b, uint c) => (uint)(Hash64(seed, stream, a, b, c) >> 32);

    /// <summary>A uniform double in [0, 1) with 53 random bits.</summary>
    public static double Uniform(ulong seed, uint stream, uint a, uint b, uint c) =>
        (Hash64(seed, stream, a, b, c) >> 11) * (1.0 / (1UL << 53));

    /// <summary>
    /// A standard normal variate from one 64-bit draw (e.g. <see cref="Hash64"/>), by Box–Muller on its two halves:
    /// k = draw &gt;&gt; 32 and l = (uint)draw give u = 1 − k·2⁻³² ∈ (0, 1] and θ = (int)l·2π·2⁻³² ∈ [−π, π), and
    /// n = √(−2 ln u)·cos θ. Only the cosine branch is used, so each element costs one draw; |n| ≤ √(64 ln 2) ≈ 6.66
    /// (k = 2³² − 1), a truncation that changes the variance by less than 1e-9.
    /// Float, for kernels and the host provider; the reference evaluates the same formula on the same bits in double
    /// (CorruptionReference.StandardNormal). Near u = 1 float cannot hold u (its spacing there is 2⁻²⁴), so −ln u is the
    /// series of −ln(1 − v), v = k·2⁻³², while v &lt; 2⁻⁵; above that ln u is taken of u = (2³² − k)·2⁻³², an exact integer
    /// rounded once. With correctly rounded MathF this keeps |n − n_double| under about 1e-6.
    /// </summary>
    public static float StandardNormal(ulong draw)
    {
        var k = (uint)(draw >> 32);
        float minusLogU;
        if (k < 1u << 27)
        {
            // −ln(1 − v) = v + v²/2 + … + v⁶/6; the terms left out add less than v⁶/6 ≤ 2⁻³⁰/6 relative.
            var v = k * TwoToMinus32;
            minusLogU = v * (1f + v * (1f / 2f + v * (1f / 3f + v * (1f / 4f + v * (1f / 5f + v * (1f / 6f))))));
        }
        else
        {
            minusLogU = -MathF.Log((0u - k) * TwoToMinus32);
        }
        var theta = (int)(uint)draw * TwoPiOver2To32;
        return MathF.Sqrt(2f * minusLogU) * MathF.Cos(theta);
    }

    private const float TwoToMinus32 = 1f / 4294967296f;
    private const float TwoPiOver2To32 = (float)(2 * Math.PI / 4294967296.0);

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
