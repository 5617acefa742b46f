namespace ILGPUAE.Genetic;

using ILGPUAE.Backend;
using ILGPUAE.Corruption;
using ILGPUAE.Random;

/// <summary>
/// Reference for <see cref="IGenetic"/>, written from the definitions in <see cref="SelectionKind"/>, <see cref="CrossoverKind"/> and
/// <see cref="MutationKind"/> rather than from <see cref="GeneticRules"/>: integer decisions from the same draws, values in double.
/// Shapes as in the interface: population [N, P] row-major, fitness [N], parents [2·O], offspring [O, P].
/// </summary>
public static class GeneticReference
{
    /// <summary>⌊hash·n / 2³²⌋.</summary>
    private static int Below(uint hash, int n) => (int)(((ulong)hash * (ulong)n) >> 32);

    /// <summary>The top 24 bits of a draw as a fraction k/2²⁴.</summary>
    private static double Unit(ulong draw) => (draw >> 40) / 16777216.0;

    private static uint Hash32(GenerationKey key, RngStream stream, int individual, int gene) =>
        CounterRng.Hash32(key.Seed, (uint)stream, key.Generation, (uint)individual, (uint)gene);

    private static ulong Hash64(GenerationKey key, RngStream stream, int individual, int gene) =>
        CounterRng.Hash64(key.Seed, (uint)stream, key.Generation, (uint)individual, (uint)gene);

    /// <summary>The indices 0 … N−1 sorted best first: by loss, NaN last, ties by index.</summary>
    public static int[] Order(ReadOnlySpan<float> fitness)
    {
        var f = fitness.ToArray();
        var order = Enumerable.Range(0, f.Length).ToArray();
        Array.Sort(order, (a, b) =>
        {
            var (na, nb) = (float.IsNaN(f[a]), float.IsNaN(f[b]));
            if (na != nb)
                return na ? 1 : -1;
            if (!na && f[a] != f[b])
                return f[a] < f[b] ? -1 : 1;
            return a.CompareTo(b);
        });
        return order;
    }

    /// <summary>ranks[i] = the position of i in <see cref="Order"/>.</summary>
    public static int[] Ranks(ReadOnlySpan<float> fitness)
    {
        var order = Order(fitness);
        var ranks = new int[order.Length];
        for (var r = 0; r < order.Length; r++)
            ranks[order[r]] = r;
        return ranks;
    }

    /// <summary>The 2·O parents that <paramref name="selection"/> picks from fitness [N] (see <see cref="SelectionKind"/>).</summary>
    public static int[] Select(ReadOnlySpan<float> fitness, GenerationKey key, Selection selection, int slots)
    {
        var ranks = Ranks(fitness);
        var parents = new int[slots];
        for (var s = 0; s < slots; s++)
        {
            if (selection.Kind == SelectionKind.Tournament)
            {
                // The entrant of the lowest rank wins: the same order as the ranking (lowest loss, NaN last, lower index).
                var best = -1;
                for (var j = 0; j < selection.TournamentSize; j++)
                {
                    var entrant = Below(Hash32(key, RngStream.GeneticSelection, s, j), fitness.Length);
                    if (best < 0 || ranks[entrant] < ranks[best])
                        best = entrant;
                }
                parents[s] = best;
            }
            else
            {
                parents[s] = Roulette(fitness, Hash64(key, RngStream.GeneticSelection, s, 0));
            }
        }
        return parents;
    }

    /// <summary>
    /// The roulette pick for one draw. Its definition is in float (each step one IEEE operation, so every backend agrees), and so is this:
    /// the weights, their running sums and the target are the floats the definition names.
    /// </summary>
    private static int Roulette(ReadOnlySpan<float> fitness, ulong draw)
    {
        var finite = fitness.ToArray().Where(float.IsFinite).ToArray();
        if (finite.Length == 0)
            return Below((uint)(draw >> 32), fitness.Length);
        var (hi, lo) = (finite.Max(), finite.Min());
        var weights = new float[fitness.Length];
        for (var i = 0; i < weights.Length; i++)
            weights[i] = float.IsFinite(fitness[i]) ? (hi - fitness[i]) + (hi - lo) / 16f : 0f;
        var running = new float[weights.Length];
        var sum = 0f;
        for (var i = 0; i < weights.Length; i++)
            running[i] = sum += weights[i];
        if (!(sum > 0f))
            return Below((uint)(draw >> 32), fitness.Length);
        var target = (float)((draw >> 40) / 16777216.0) * sum;
        for (var i = 0; i < running.Length; i++)
            if (running[i] > target)
                return i;
        return Array.FindLastIndex(weights, w => w > 0f);
    }

    /// <summary>Offspring [O, P] of population [N, P] by <paramref name="crossover"/>, in double.</summary>
    public static double[] Crossover(int genes, ReadOnlySpan<double> population, ReadOnlySpan<int> parents, GenerationKey key, Crossover crossover)
    {
        var offspring = new double[parents.Length / 2 * genes];
        for (var j = 0; j < parents.Length / 2; j++)
        {
            var (pa, pb) = (parents[2 * j], parents[2 * j + 1]);
            var (cut1, cut2) = Cuts(crossover.Kind, key, j, genes);
            for (var g = 0; g < genes; g++)
            {
                var (a, b) = (population[pa * genes + g], population[pb * genes + g]);
                var draw = Hash64(key, RngStream.GeneticCrossover, j, g);
                offspring[j * genes + g] = crossover.Kind switch
                {
                    CrossoverKind.Uniform => draw >> 63 == 0 ? a : b,
                    CrossoverKind.OnePoint => g < cut1 ? a : b,
                    CrossoverKind.TwoPoint => g >= cut1 && g < cut2 ? b : a,
                    _ => Math.Min(a, b) - crossover.Alpha * Math.Abs(a - b) + Unit(draw) * (1 + 2.0 * crossover.Alpha) * Math.Abs(a - b),
                };
            }
        }
        return offspring;
    }

    /// <summary>The cut points of offspring j: (c, 0) for one-point, (c₁, c₂) for two-point, (0, 0) for the kinds that draw per gene.</summary>
    public static (int Cut1, int Cut2) Cuts(CrossoverKind kind, GenerationKey key, int offspring, int genes)
    {
        if (kind == CrossoverKind.OnePoint)
            return (genes < 2 ? 1 : 1 + Below(Hash32(key, RngStream.GeneticCrossover, offspring, 0), genes - 1), 0);
        if (kind == CrossoverKind.TwoPoint)
        {
            var x = Below(Hash32(key, RngStream.GeneticCrossover, offspring, 0), genes + 1);
            var y = Below(Hash32(key, RngStream.GeneticCrossover, offspring, 1), genes + 1);
            return (Math.Min(x, y), Math.Max(x, y));
        }
        return (0, 0);
    }

    /// <summary>Whether gene g of offspring j mutates at <paramref name="rate"/>.</summary>
    public static bool Mutates(GenerationKey key, float rate, int offspring, int gene) =>
        Hash32(key, RngStream.GeneticMutation, offspring, gene) < CounterRng.BernoulliThreshold(rate);

    /// <summary>offspring [O, P] after <paramref name="mutation"/>, in double.</summary>
    public static double[] Mutate(int genes, ReadOnlySpan<double> offspring, GenerationKey key, Mutation mutation)
    {
        var result = offspring.ToArray();
        for (var e = 0; e < result.Length; e++)
        {
            var (j, g) = (e / genes, e % genes);
            if (!Mutates(key, mutation.Rate, j, g))
                continue;
            var draw = Hash64(key, RngStream.GeneticMutationValue, j, g);
            result[e] = mutation.Kind == MutationKind.Gaussian
                ? result[e] + mutation.Amount * CorruptionReference.StandardNormal(draw)
                : -mutation.Amount + 2.0 * mutation.Amount * Unit(draw);
        }
        return result;
    }

    /// <summary>The mean over genes of population [N, P]'s per-gene (population) standard deviation, in double.</summary>
    public static double Diversity(int individuals, int genes, ReadOnlySpan<double> population)
    {
        var total = 0.0;
        for (var g = 0; g < genes; g++)
        {
            var mean = 0.0;
            for (var i = 0; i < individuals; i++)
                mean += population[i * genes + g];
            mean /= individuals;
            var squares = 0.0;
            for (var i = 0; i < individuals; i++)
                squares += (population[i * genes + g] - mean) * (population[i * genes + g] - mean);
            total += Math.Sqrt(squares / individuals);
        }
        return total / genes;
    }

    /// <summary>target [N, L] with source [O, L]'s row j in row destinations[j].</summary>
    public static double[] ScatterRows(int rowLength, ReadOnlySpan<double> source, ReadOnlySpan<int> destinations, ReadOnlySpan<double> target)
    {
        var result = target.ToArray();
        for (var j = 0; j < destinations.Length; j++)
            source.Slice(j * rowLength, rowLength).CopyTo(result.AsSpan(destinations[j] * rowLength, rowLength));
        return result;
    }
}
