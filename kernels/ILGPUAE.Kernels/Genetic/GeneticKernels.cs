namespace ILGPUAE.Genetic;

using ILGPU;
using ILGPU.Algorithms;
using ILGPUAE.Backend;
using ILGPUAE.Ilgpu;
using ILGPUAE.Random;

/// <summary>
/// The Genetic family's kernels, grid-stride and barrier-free (so ILGPU's CPU accelerator runs them without its costly barriers). The
/// decisions come from <see cref="GeneticRules"/>, the same code the host provider runs. Shapes: population [N, P], fitness [N],
/// parents [2·O], offspring [O, P], all row-major.
/// </summary>
public static class GeneticKernels
{
    /// <summary>One thread per parent slot s: the winner of k draws with replacement (<see cref="SelectionKind.Tournament"/>).</summary>
    public static void Tournament(Index1D index, ArrayView<float> fitness, ArrayView<int> parents, SelectionParameters p, GridStride g)
    {
        for (int s = index; s < g.Items; s += g.Stride)
        {
            var best = GeneticRules.Below(CounterRng.Hash32(p.Seed, (uint)RngStream.GeneticSelection, p.Generation, (uint)s, 0), p.Individuals);
            for (var j = 1; j < p.TournamentSize; j++)
            {
                var entrant = GeneticRules.Below(CounterRng.Hash32(p.Seed, (uint)RngStream.GeneticSelection, p.Generation, (uint)s, (uint)j), p.Individuals);
                if (GeneticRules.Before(fitness[entrant], entrant, fitness[best], best))
                    best = entrant;
            }
            parents[s] = best;
        }
    }

    /// <summary>One thread per parent slot s, each scanning the whole fitness vector in index order (<see cref="SelectionKind.Roulette"/>).</summary>
    public static void Roulette(Index1D index, ArrayView<float> fitness, ArrayView<int> parents, SelectionParameters p, GridStride g)
    {
        for (int s = index; s < g.Items; s += g.Stride)
        {
            var hi = float.NegativeInfinity;
            var lo = float.PositiveInfinity;
            for (var i = 0; i < p.Individuals; i++)
            {
                var f = fitness[i];
                if (GeneticRules.IsFinite(f))
                {
                    hi = f > hi ? f : hi;
                    lo = f < lo ? f : lo;
                }
            }
            var total = 0f;
            var last = -1;
            for (var i = 0; i < p.Individuals; i++)
            {
                var w = GeneticRules.RouletteWeight(fitness[i], hi, lo);
                total += w;
                if (w > 0f)
                    last = i;
            }
            var draw = CounterRng.Hash64(p.Seed, (uint)RngStream.GeneticSelection, p.Generation, (uint)s, 0);
            if (!(total > 0f))
            {
                parents[s] = GeneticRules.Below((uint)(draw >> 32), p.Individuals);
                continue;
            }
            var target = GeneticRules.Unit(draw) * total;
            var pick = last;
            var running = 0f;
            for (var i = 0; i < last; i++)
            {
                running += GeneticRules.RouletteWeight(fitness[i], hi, lo);
                if (running > target)
                {
                    pick = i;
                    break;
                }
            }
            parents[s] = pick;
        }
    }

    /// <summary>One thread per individual i: ranks[i] = how many individuals rank before it; order[ranks[i]] = i.</summary>
    public static void Rank(Index1D index, ArrayView<float> fitness, ArrayView<int> ranks, ArrayView<int> order, GridStride g)
    {
        for (int i = index; i < g.Items; i += g.Stride)
        {
            var fi = fitness[i];
            var rank = 0;
            for (var j = 0; j < g.Items; j++)
                if (GeneticRules.Before(fitness[j], j, fi, i))
                    rank++;
            ranks[i] = rank;
            order[rank] = i;
        }
    }

    /// <summary>Element e = j·L + c of source [O, L]: target[destinations[j]·L + c] = source[e].</summary>
    public static void ScatterRows(Index1D index, ArrayView<float> source, ArrayView<int> destinations, ArrayView<float> target, int rowLength,
        GridStride g)
    {
        for (int e = index; e < g.Items; e += g.Stride)
        {
            var j = e / rowLength;
            var c = e - j * rowLength;
            target[(long)destinations[j] * rowLength + c] = source[e];
        }
    }

    /// <summary>Element e = j·P + gene of offspring [O, P] from parents[2j] and parents[2j + 1] (<see cref="CrossoverKind"/>).</summary>
    public static void Crossover(Index1D index, ArrayView<float> population, ArrayView<int> parents, ArrayView<float> offspring, CrossoverParameters p,
        GridStride g)
    {
        var kind = (CrossoverKind)p.Kind;
        for (int e = index; e < g.Items; e += g.Stride)
        {
            var j = e / p.Genes;
            var gene = e - j * p.Genes;
            var a = population[(long)parents[2 * j] * p.Genes + gene];
            var b = population[(long)parents[2 * j + 1] * p.Genes + gene];
            ulong draw = 0;
            int cut1 = 0, cut2 = 0;
            if (GeneticRules.DrawsPerGene(kind))
            {
                draw = CounterRng.Hash64(p.Seed, (uint)RngStream.GeneticCrossover, p.Generation, (uint)j, (uint)gene);
            }
            else if (kind == CrossoverKind.OnePoint)
            {
                cut1 = GeneticRules.OnePointCut(CounterRng.Hash32(p.Seed, (uint)RngStream.GeneticCrossover, p.Generation, (uint)j, 0), p.Genes);
            }
            else
            {
                var x = GeneticRules.Below(CounterRng.Hash32(p.Seed, (uint)RngStream.GeneticCrossover, p.Generation, (uint)j, 0), p.Genes + 1);
                var y = GeneticRules.Below(CounterRng.Hash32(p.Seed, (uint)RngStream.GeneticCrossover, p.Generation, (uint)j, 1), p.Genes + 1);
                cut1 = x < y ? x : y;
                cut2 = x < y ? y : x;
            }
            offspring[e] = GeneticRules.Cross(kind, a, b, gene, cut1, cut2, draw, p.Alpha);
        }
    }

    /// <summary>Element e = j·P + gene of offspring [O, P], mutated in place (<see cref="MutationKind"/>).</summary>
    public static void Mutate(Index1D index, ArrayView<float> offspring, MutationParameters p, GridStride g)
    {
        var kind = (MutationKind)p.Kind;
        for (int e = index; e < g.Items; e += g.Stride)
        {
            var j = e / p.Genes;
            var gene = e - j * p.Genes;
            if (CounterRng.Hash32(p.Seed, (uint)RngStream.GeneticMutation, p.Generation, (uint)j, (uint)gene) < p.Threshold)
                offspring[e] = GeneticRules.Mutated(kind, offspring[e],
                    CounterRng.Hash64(p.Seed, (uint)RngStream.GeneticMutationValue, p.Generation, (uint)j, (uint)gene), p.Amount);
        }
    }

    /// <summary>One thread per gene (column) of population [N, P]: deviations[gene] = the column's standard deviation, mean first, then Σ (x − μ)².</summary>
    public static void ColumnDeviations(Index1D index, ArrayView<float> population, ArrayView<float> deviations, int individuals, GridStride g)
    {
        var genes = g.Items;
        for (int gene = index; gene < genes; gene += g.Stride)
        {
            var sum = 0f;
            for (var i = 0; i < individuals; i++)
                sum += population[(long)i * genes + gene];
            var mean = sum / individuals;
            var squares = 0f;
            for (var i = 0; i < individuals; i++)
            {
                var d = population[(long)i * genes + gene] - mean;
                squares += d * d;
            }
            deviations[gene] = XMath.Sqrt(squares / individuals);
        }
    }

    /// <summary>
    /// Thread t of T = g.Items: values[t] = Σ values[t + k·T] over k, in place (thread t alone reads and writes the indices ≡ t mod T), so a
    /// second pass sums T partials in a fixed order.
    /// </summary>
    public static void FoldSums(Index1D index, ArrayView<float> values, int count, GridStride g)
    {
        for (int t = index; t < g.Items; t += g.Stride)
        {
            var sum = 0f;
            for (var k = t; k < count; k += g.Items)
                sum += values[k];
            values[t] = sum;
        }
    }

    /// <summary>One thread: result[0] = scale·Σ values[0 .. count).</summary>
    public static void ScaledSum(Index1D index, ArrayView<float> values, ArrayView<float> result, int count, float scale)
    {
        if (index != 0)
            return;
        var sum = 0f;
        for (var k = 0; k < count; k++)
            sum += values[k];
        result[0] = scale * sum;
    }
}

/// <summary>The scalars of one selection launch.</summary>
public readonly struct SelectionParameters(ulong seed, uint generation, int individuals, int tournamentSize)
{
    public ulong Seed { get; } = seed;
    public uint Generation { get; } = generation;
    public int Individuals { get; } = individuals;
    public int TournamentSize { get; } = tournamentSize;
}

/// <summary>The scalars of one crossover launch (Kind is a <see cref="CrossoverKind"/>).</summary>
public readonly struct CrossoverParameters(ulong seed, uint generation, int genes, int kind, float alpha)
{
    public ulong Seed { get; } = seed;
    public uint Generation { get; } = generation;
    public int Genes { get; } = genes;
    public int Kind { get; } = kind;
    public float Alpha { get; } = alpha;
}

/// <summary>The scalars of one mutation launch (Kind is a <see cref="MutationKind"/>; Threshold the rate's Bernoulli threshold).</summary>
public readonly struct MutationParameters(ulong seed, uint generation, int genes, ulong threshold, int kind, float amount)
{
    public ulong Seed { get; } = seed;
    public uint Generation { get; } = generation;
    public int Genes { get; } = genes;
    public ulong Threshold { get; } = threshold;
    public int Kind { get; } = kind;
    public float Amount { get; } = amount;
}
