namespace ILGPUAE.Tests.Kernels;

using ILGPUAE.Backend;
using ILGPUAE.Checks;
using ILGPUAE.Host;
using ILGPUAE.Tests.Host;

/// <summary>
/// The Genetic family against its reference (<see cref="KernelChecks.Genetics"/>' checks) at the awkward population shapes N ∈ {1, 7, 33},
/// P ∈ {1, 17, 1000}, O ∈ {1, 5}, on each backend; the ordering rules on a hand-made vector; statistics the reference cannot pin (uniform
/// crossover takes half of each parent, the roulette draws in proportion to its weights); and the checks shown able to fail.
/// </summary>
public abstract class GeneticKernelTests(IBackend backend)
{
    public static TheoryData<int, int, int> Shapes()
    {
        var data = new TheoryData<int, int, int>();
        foreach (var n in new[] { 1, 7, 33 })
            foreach (var p in new[] { 1, 17, 1000 })
                foreach (var o in new[] { 1, 5 })
                    data.Add(n, p, o);
        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void EveryOperatorMatchesItsReference(int n, int p, int o)
    {
        var checks = new KernelChecks(backend);
        var results = new List<CheckResult>
        {
            checks.GeneticSelect(Selection.Tournament(1), n, o),
            checks.GeneticSelect(Selection.Tournament(4), n, o),
            checks.GeneticSelect(Selection.Roulette(), n, o),
            checks.GeneticRank(n),
            checks.GeneticScatterRows(Math.Max(n, o), o, p),
            checks.GeneticDiversity(n, p),
        };
        results.AddRange(KernelChecks.CheckedCrossovers.Select(c => checks.GeneticCrossover(c, n, p, o)));
        results.AddRange(KernelChecks.CheckedMutations.Select(m => checks.GeneticMutate(m, o, p)));
        results.Add(checks.GeneticMutate(Mutation.Gaussian(1f, 0.01f), o, p));
        var failures = results.Where(r => !r.Passed).ToList();
        Assert.True(failures.Count == 0, string.Join("; ", failures));
    }

    /// <summary>
    /// Losses [2, NaN, 1, 2, −∞]: −∞ first, then 1, then the two 2s by index, NaN last; the inverse order lists them best first; a
    /// tournament of one draw returns its entrant whatever its loss, and of many the best of those drawn.
    /// </summary>
    [Fact]
    public void RanksPutNaNLastAndBreakTiesByIndex()
    {
        using var f = backend.Allocate<float>(5);
        f.CopyFrom([2f, float.NaN, 1f, 2f, float.NegativeInfinity]);
        using var ranks = backend.Allocate<int>(5);
        using var order = backend.Allocate<int>(5);
        backend.Genetic.Rank(f, ranks, order);
        backend.Synchronize();

        Assert.Equal([2, 4, 1, 3, 0], ranks.ToArray());
        Assert.Equal([4, 2, 0, 3, 1], order.ToArray());
    }

    /// <summary>All losses equal, or none finite: the roulette's weights sum to 0 and it falls back to a uniform pick, never an index out of range.</summary>
    [Theory]
    [InlineData(3f)]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void RouletteWithoutWeightsPicksUniformly(float loss)
    {
        const int n = 4, slots = 4000;
        using var f = backend.Allocate<float>(n);
        f.CopyFrom(Enumerable.Repeat(loss, n).ToArray());
        using var parents = backend.Allocate<int>(slots);
        backend.Genetic.Select(f, new GenerationKey(5, 1), Selection.Roulette(), parents);
        backend.Synchronize();

        var counts = new int[n];
        foreach (var i in parents.ToArray())
            counts[i]++;
        // Binomial(4000, 1/4): σ ≈ 27; 5σ either side of 1000.
        Assert.All(counts, c => Assert.InRange(c, 1000 - 137, 1000 + 137));
    }

    /// <summary>
    /// Losses [0, 1, 2, 3] give weights w_i = (3 − f_i) + 3/16: 51, 35, 19 and 3 sixteenths of 108/16. Over 40 000 slots each count is
    /// within 5σ of its binomial mean, and the best is drawn about 17 times as often as the worst.
    /// </summary>
    [Fact]
    public void RouletteDrawsInProportionToItsWeights()
    {
        const int slots = 40_000;
        using var f = backend.Allocate<float>(4);
        f.CopyFrom([0f, 1f, 2f, 3f]);
        using var parents = backend.Allocate<int>(slots);
        backend.Genetic.Select(f, new GenerationKey(17, 3), Selection.Roulette(), parents);
        backend.Synchronize();

        var counts = new int[4];
        foreach (var i in parents.ToArray())
            counts[i]++;
        double[] weights = [51, 35, 19, 3];
        for (var i = 0; i < 4; i++)
        {
            var q = weights[i] / 108;
            Assert.InRange(counts[i], slots * q - 5 * Math.Sqrt(slots * q * (1 - q)), slots * q + 5 * Math.Sqrt(slots * q * (1 - q)));
        }
    }

    /// <summary>
    /// Parent a all 0, parent b all 1, over 10⁵ genes: uniform crossover takes Binomial(10⁵, ½) genes from b (within 5σ ≈ 791 of 50 000);
    /// one-point takes a prefix of a and the rest of b; two-point a single run of b inside a.
    /// </summary>
    [Fact]
    public void CrossoverTakesEachParentAsItsKindSays()
    {
        const int p = 100_000;
        using var population = backend.Allocate<float>(2, p);
        population.CopyFrom([.. new float[p], .. Enumerable.Repeat(1f, p)]);
        using var parents = backend.Allocate<int>(2);
        parents.CopyFrom([0, 1]);
        using var offspring = backend.Allocate<float>(1, p);
        var key = new GenerationKey(99, 2);

        backend.Genetic.Crossover(population, parents, key, new Crossover(CrossoverKind.Uniform), offspring);
        backend.Synchronize();
        var fromB = offspring.ToArray().Count(v => v == 1f);
        Assert.InRange(fromB, p / 2 - 5 * Math.Sqrt(p / 4.0), p / 2 + 5 * Math.Sqrt(p / 4.0));

        backend.Genetic.Crossover(population, parents, key, new Crossover(CrossoverKind.OnePoint), offspring);
        backend.Synchronize();
        var one = offspring.ToArray();
        var cut = Array.IndexOf(one, 1f);
        Assert.InRange(cut, 1, p - 1);
        Assert.All(one[..cut], v => Assert.Equal(0f, v));
        Assert.All(one[cut..], v => Assert.Equal(1f, v));

        backend.Genetic.Crossover(population, parents, key, new Crossover(CrossoverKind.TwoPoint), offspring);
        backend.Synchronize();
        var two = offspring.ToArray();
        var runs = Enumerable.Range(1, p - 1).Count(i => two[i] != two[i - 1]);
        Assert.True(runs <= 2, $"{runs} switches between parents; two-point crossover makes at most two");
    }

    /// <summary>The checks fail on a real output changed by one index, one ulp of an untouched gene, or a diversity off by 1e-3 relative.</summary>
    [Fact]
    public void APerturbedOutputFailsItsCheck()
    {
        KernelChecks Perturbing(Action<float[]> change) => new(backend) { BeforeCompare = change };

        Assert.True(new KernelChecks(backend).GeneticSelect(Selection.Tournament(3), 33, 5).Passed);
        Assert.False(Perturbing(o => o[^1] = (o[^1] + 1) % 33).GeneticSelect(Selection.Tournament(3), 33, 5).Passed);
        Assert.False(Perturbing(o => o[0] = (o[0] + 1) % 33).GeneticSelect(Selection.Roulette(), 33, 5).Passed);
        // The ranks are compared first, the order second: a swap in either fails.
        var compared = 0;
        Assert.False(Perturbing(o => { if (compared++ == 1) (o[0], o[1]) = (o[1], o[0]); }).GeneticRank(7).Passed);
        // The genes a mutation leaves alone are compared exactly: one ulp fails where the tolerance of a mutated gene would pass.
        compared = 0;
        Assert.False(Perturbing(o => { if (compared++ == 0 && o.Length > 0) o[0] = MathF.BitIncrement(o[0]); }).GeneticMutate(Mutation.Gaussian(0.3f, 0.5f), 5, 17).Passed);
        Assert.False(Perturbing(o => o[0] = MathF.BitIncrement(o[0])).GeneticCrossover(new Crossover(CrossoverKind.TwoPoint), 7, 17, 5).Passed);
        Assert.False(Perturbing(o => o[0] *= 1.001f).GeneticDiversity(33, 17).Passed);
    }

    [Fact]
    public void BadShapesAreRefusedWithTheirShapes()
    {
        using var f = backend.Allocate<float>(4);
        using var odd = backend.Allocate<int>(3);
        var e = Assert.Throws<ArgumentException>(() => backend.Genetic.Select(f, default, Selection.Tournament(2), odd));
        Assert.Contains("[3]", e.Message);
        using var population = backend.Allocate<float>(4, 6);
        using var offspring = backend.Allocate<float>(2, 5);
        using var parents = backend.Allocate<int>(4);
        e = Assert.Throws<ArgumentException>(() => backend.Genetic.Crossover(population, parents, default, new Crossover(CrossoverKind.Uniform), offspring));
        Assert.Contains("[2, 5]", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => backend.Genetic.Select(f, default, Selection.Tournament(0), parents));
        Assert.Throws<ArgumentOutOfRangeException>(() => backend.Genetic.Mutate(population, default, Mutation.Gaussian(1.5f, 0.1f)));
    }
}

[Collection(CpuAcceleratorCollection.Name)]
public sealed class CpuAcceleratorGeneticKernelTests(CpuAcceleratorFixture fixture) : GeneticKernelTests(fixture.Backend)
{
    /// <summary>
    /// The ILGPU kernels and the host jobs make the same integer decisions from the same draws: parents, ranks and the genes of the
    /// copying crossovers and of the untouched mutation genes are equal bit for bit across the two backends, at a population of 257 × 1031.
    /// </summary>
    [Fact]
    public void HostAndCpuAcceleratorAgreeBitForBit()
    {
        using var host = new HostBackend(2);
        var backends = new IBackend[] { fixture.Backend, host };
        const int n = 257, p = 1031, o = 64;
        var losses = new KernelChecks(host).Losses(n);
        var genes = Enumerable.Range(0, n * p).Select(i => MathF.Sin(i * 0.37f)).ToArray();
        var key = new GenerationKey(2024, 11);
        var outputs = backends.Select(b =>
        {
            using var f = b.Allocate<float>(n);
            f.CopyFrom(losses);
            using var population = b.Allocate<float>(n, p);
            population.CopyFrom(genes);
            using var tournament = b.Allocate<int>(2 * o);
            using var roulette = b.Allocate<int>(2 * o);
            using var ranks = b.Allocate<int>(n);
            using var order = b.Allocate<int>(n);
            using var offspring = b.Allocate<float>(o, p);
            b.Genetic.Select(f, key, Selection.Tournament(3), tournament);
            b.Genetic.Select(f, key, Selection.Roulette(), roulette);
            b.Genetic.Rank(f, ranks, order);
            b.Genetic.Crossover(population, tournament, key, new Crossover(CrossoverKind.TwoPoint), offspring);
            b.Genetic.Mutate(offspring, key, Mutation.Reset(0.05f, 0.3f));
            b.Synchronize();
            return (Tournament: tournament.ToArray(), Roulette: roulette.ToArray(), Ranks: ranks.ToArray(), Order: order.ToArray(),
                Offspring: offspring.ToArray());
        }).ToList();

        Assert.Equal(outputs[0].Tournament, outputs[1].Tournament);
        Assert.Equal(outputs[0].Roulette, outputs[1].Roulette);
        Assert.Equal(outputs[0].Ranks, outputs[1].Ranks);
        Assert.Equal(outputs[0].Order, outputs[1].Order);
        // Reset values are one rounding of r·(2u − 1) on both, so the whole offspring is the same bits.
        Assert.Equal(outputs[0].Offspring, outputs[1].Offspring);
    }
}

[Collection(HostCollection.Name)]
public sealed class HostGeneticKernelTests(HostFixture fixture) : GeneticKernelTests(fixture.Backend);
