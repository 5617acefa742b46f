namespace ILGPUAE.Backend;

using ILGPUAE.Random;

/// <summary>
/// The per-element rules of <see cref="IGenetic"/> that the ILGPU kernels (which compile these methods) and the host provider share,
/// so both make the same integer decisions from the same draws. Plain comparisons only: ILGPU compiles no BCL float helpers here.
/// </summary>
public static class GeneticRules
{
    /// <summary>⌊hash·n / 2³²⌋ ∈ [0, n) for n ≥ 1: an integer range reduction, the same bits everywhere.</summary>
    public static int Below(uint hash, int n) => (int)(((ulong)hash * (uint)n) >> 32);

    /// <summary>The top 24 bits of a 64-bit draw as a float in [0, 1), exactly (k·2⁻²⁴).</summary>
    public static float Unit(ulong draw) => (draw >> 40) * (1f / 16777216f);

    /// <summary>Whether individual a (loss fa) ranks before individual b (loss fb): the lower loss, any number before NaN, ties to the lower index.</summary>
    public static bool Before(float fa, int a, float fb, int b)
    {
        var aNaN = float.IsNaN(fa);
        var bNaN = float.IsNaN(fb);
        if (aNaN != bNaN)
            return bNaN;
        if (!aNaN && fa != fb)
            return fa < fb;
        return a < b;
    }

    /// <summary>Whether a loss is neither NaN nor infinite (x − x is 0 only then).</summary>
    public static bool IsFinite(float f) => f - f == 0f;

    /// <summary>The roulette weight of loss f given the largest and smallest finite losses hi and lo (<see cref="SelectionKind.Roulette"/>).</summary>
    public static float RouletteWeight(float f, float hi, float lo) => IsFinite(f) ? (hi - f) + (hi - lo) * (1f / 16f) : 0f;

    /// <summary>The cut of a one-point crossover of P genes: 1 + Below(hash, P − 1) ∈ [1, P − 1], or 1 when P = 1.</summary>
    public static int OnePointCut(uint hash, int genes) => genes < 2 ? 1 : 1 + Below(hash, genes - 1);

    /// <summary>Gene g of a crossover of parent genes a and b, given the offspring's cuts and the gene's draw (see <see cref="CrossoverKind"/>).</summary>
    public static float Cross(CrossoverKind kind, float a, float b, int g, int cut1, int cut2, ulong draw, float alpha)
    {
        switch (kind)
        {
            case CrossoverKind.Uniform:
                return (draw >> 63) == 0 ? a : b;
            case CrossoverKind.OnePoint:
                return g < cut1 ? a : b;
            case CrossoverKind.TwoPoint:
                return g >= cut1 && g < cut2 ? b : a;
            default:
                var lo = a < b ? a : b;
                var d = a < b ? b - a : a - b;
                return lo + (Unit(draw) * (1f + 2f * alpha) - alpha) * d;
        }
    }

    /// <summary>Whether a crossover kind draws per gene (uniform, blend) rather than per offspring (the cut points).</summary>
    public static bool DrawsPerGene(CrossoverKind kind) => kind == CrossoverKind.Uniform || kind == CrossoverKind.Blend;

    /// <summary>
    /// A mutated gene x (one whose Hash32 of the GeneticMutation stream fell below the rate's threshold), from <paramref name="value"/>,
    /// Hash64 of the GeneticMutationValue stream: x + amount·N(0, 1), or amount·(2u − 1) (2u − 1 is exact, so one rounding).
    /// </summary>
    public static float Mutated(MutationKind kind, float x, ulong value, float amount) =>
        kind == MutationKind.Gaussian ? x + amount * CounterRng.StandardNormal(value) : amount * (2f * Unit(value) - 1f);
}
