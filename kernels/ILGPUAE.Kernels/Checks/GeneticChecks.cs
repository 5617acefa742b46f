namespace ILGPUAE.Checks;

using ILGPUAE.Backend;
using ILGPUAE.Genetic;

/// <summary>
/// The checks of the Genetic family: integer outcomes (parents, ranks, which genes crossover and mutation take) compared bit for bit,
/// float outcomes (blend, mutation values, diversity) within the rounding of their float formula.
/// </summary>
public sealed partial class KernelChecks
{
    /// <summary>The crossover kinds the checks run, each with the α it is checked at (blend only).</summary>
    public static readonly Crossover[] CheckedCrossovers =
        [new(CrossoverKind.Uniform), new(CrossoverKind.OnePoint), new(CrossoverKind.TwoPoint), new(CrossoverKind.Blend, 0.3f)];

    /// <summary>The mutations the checks run: Gaussian σ = 0.5 and reset to U[−0.7, 0.7], each at rate 0.3.</summary>
    public static readonly Mutation[] CheckedMutations = [Mutation.Gaussian(0.3f, 0.5f), Mutation.Reset(0.3f, 0.7f)];

    private static readonly GenerationKey CheckedGeneration = new(12345, 6);

    /// <summary>
    /// Per size s: tournament (k = 3) and roulette selection of 5 offspring's parents from s losses; the ranks of s losses; 5 rows of 17
    /// scattered into [max(s, 5), 17]; each crossover of 5 offspring of 7 parents with s genes; each mutation of [5, s]; diversity of
    /// [s, 17] and [3, s].
    /// </summary>
    public IEnumerable<CheckResult> Genetics(IReadOnlyList<int> sizes)
    {
        foreach (var s in sizes)
        {
            yield return GeneticSelect(Selection.Tournament(3), s, 5);
            yield return GeneticSelect(Selection.Roulette(), s, 5);
            yield return GeneticRank(s);
            yield return GeneticScatterRows(Math.Max(s, 5), 5, 17);
            foreach (var crossover in CheckedCrossovers)
                yield return GeneticCrossover(crossover, 7, s, 5);
            foreach (var mutation in CheckedMutations)
                yield return GeneticMutate(mutation, 5, s);
            yield return GeneticDiversity(s, 17);
            yield return GeneticDiversity(3, s);
        }
    }

    /// <summary>
    /// n losses in [0, 1) rounded to 1/8 (so many tie), then for n ≥ 4 a NaN at n − 2 and for n ≥ 6 +∞ at 1: the tie, NaN and infinity
    /// rules all decide some outcomes.
    /// </summary>
    public float[] Losses(int n)
    {
        var f = Uniform(n, 0, 1);
        for (var i = 0; i < n; i++)
            f[i] = MathF.Floor(f[i] * 8) / 8;
        if (n >= 4)
            f[n - 2] = float.NaN;
        if (n >= 6)
            f[1] = float.PositiveInfinity;
        return f;
    }

    /// <summary>The 2·<paramref name="offspring"/> parents selected from <see cref="Losses"/>(n): exact.</summary>
    public CheckResult GeneticSelect(Selection selection, int n, int offspring)
    {
        var f = Losses(n);
        using var tf = Upload(f, n);
        using var tp = backend.Allocate<int>(2 * offspring);
        backend.Genetic.Select(tf, CheckedGeneration, selection, tp);
        var expected = GeneticReference.Select(f, CheckedGeneration, selection, 2 * offspring);
        var name = selection.Kind == SelectionKind.Tournament ? $"genetic tournament k={selection.TournamentSize}" : "genetic roulette";
        return Compare(name, $"N={n} O={offspring}", ToFloat(DownloadInts(tp)), ToDouble(expected), 0);
    }

    /// <summary>The ranks and the order of <see cref="Losses"/>(n): exact.</summary>
    public CheckResult GeneticRank(int n)
    {
        var f = Losses(n);
        using var tf = Upload(f, n);
        using var tr = backend.Allocate<int>(n);
        using var to = backend.Allocate<int>(n);
        backend.Genetic.Rank(tf, tr, to);
        var ranks = ToFloat(DownloadInts(tr));
        var order = ToFloat(DownloadInts(to));
        return Worst(Compare("genetic rank", $"N={n}", ranks, ToDouble(GeneticReference.Ranks(f)), 0),
            Compare("genetic rank", $"N={n}", order, ToDouble(GeneticReference.Order(f)), 0));
    }

    /// <summary>o rows of length p into distinct rows (the last o, in reverse) of a [n, p] target: exact.</summary>
    public CheckResult GeneticScatterRows(int n, int o, int p)
    {
        var source = Uniform(o * p, -1, 1);
        var target = Uniform(n * p, -1, 1);
        var destinations = Enumerable.Range(0, o).Select(j => n - 1 - j).ToArray();
        using var ts = Upload(source, o, p);
        using var td = UploadInts(destinations);
        using var tt = Upload(target, n, p);
        backend.Genetic.ScatterRows(ts, td, tt);
        return Compare("genetic scatter rows", $"N={n} O={o} P={p}", Download(tt),
            GeneticReference.ScatterRows(p, ToDouble(source), destinations, ToDouble(target)), 0);
    }

    /// <summary>
    /// o offspring of p genes from parents drawn over n individuals in [−1, 1]. Uniform, one- and two-point copy genes, so they are exact;
    /// blend: lo + (u·(1 + 2α) − α)·d in float is within a few roundings of max(|a|, |b|)·(1 + 2α) ≤ 1.6.
    /// </summary>
    public CheckResult GeneticCrossover(Crossover crossover, int n, int p, int o)
    {
        var population = Uniform(n * p, -1, 1);
        var parents = Labels(2 * o, n);
        using var tpop = Upload(population, n, p);
        using var tpar = UploadInts(parents);
        using var toff = backend.Allocate<float>(o, p);
        backend.Genetic.Crossover(tpop, tpar, CheckedGeneration, crossover, toff);
        var expected = GeneticReference.Crossover(p, ToDouble(population), parents, CheckedGeneration, crossover);
        var name = crossover.Kind switch
        {
            CrossoverKind.Uniform => "genetic crossover uniform",
            CrossoverKind.OnePoint => "genetic crossover one-point",
            CrossoverKind.TwoPoint => "genetic crossover two-point",
            _ => $"genetic crossover blend α={crossover.Alpha}",
        };
        return Compare(name, $"N={n} P={p} O={o}", Download(toff), expected, crossover.Kind == CrossoverKind.Blend ? 1e-6 : 0, 1e-6);
    }

    /// <summary>
    /// [o, p] in [−1, 1] mutated in place. The genes that do not mutate must be untouched, bit for bit (a separate exact comparison);
    /// the mutated ones within (Gaussian) 2e-5·σ + 2.5e-7·|ref| as Gaussian corruption, or (reset) one rounding of r·(2u − 1).
    /// </summary>
    public CheckResult GeneticMutate(Mutation mutation, int o, int p)
    {
        var x = Uniform(o * p, -1, 1);
        using var tx = Upload(x, o, p);
        backend.Genetic.Mutate(tx, CheckedGeneration, mutation);
        var actual = Download(tx);
        var expected = GeneticReference.Mutate(p, ToDouble(x), CheckedGeneration, mutation);
        var untouched = Enumerable.Range(0, x.Length).Where(e => !GeneticReference.Mutates(CheckedGeneration, mutation.Rate, e / p, e % p)).ToArray();
        var name = mutation.Kind == MutationKind.Gaussian ? $"genetic mutate gaussian σ={mutation.Amount}" : $"genetic mutate reset r={mutation.Amount}";
        var size = $"O={o} P={p} rate={mutation.Rate}";
        var (absolute, relative) = mutation.Kind == MutationKind.Gaussian ? (2e-5 * mutation.Amount, 2.5e-7) : (1e-7 * mutation.Amount, 0.0);
        return Worst(Compare(name, size, untouched.Select(e => actual[e]).ToArray(), untouched.Select(e => expected[e]).ToArray(), 0),
            Compare(name, size, actual, expected, absolute, relative));
    }

    /// <summary>
    /// The diversity of [n, p] in [−1, 1]: float sums of n values per gene and of p deviations, each within about (n or p)·2⁻²⁴ relative
    /// of the double ones.
    /// </summary>
    public CheckResult GeneticDiversity(int n, int p)
    {
        var x = Uniform(n * p, -1, 1);
        using var tx = Upload(x, n, p);
        using var tdev = backend.Allocate<float>(p);
        using var tdiv = backend.Allocate<float>(1);
        backend.Genetic.Diversity(tx, tdev, tdiv);
        var expected = GeneticReference.Diversity(n, p, ToDouble(x));
        return Compare("genetic diversity", $"N={n} P={p}", Download(tdiv), [expected], 1e-6, 2e-7 * (n + p) + 1e-6);
    }

    private int[] DownloadInts(Tensor<int> t)
    {
        backend.Synchronize();
        return t.ToArray();
    }
}
