namespace ILGPUAE.Tests.Training;

using ILGPUAE.Backend;
using ILGPUAE.Genetic;
using ILGPUAE.IO;
using ILGPUAE.Random;
using ILGPUAE.Tests.Host;
using ILGPUAE.Tests.Kernels;

/// <summary>
/// <see cref="GenerationOperators"/> with a fake fitness (the squared distance of each individual from 0.25 everywhere, computed on the
/// host): a fixed seed repeats every population bit for bit, replacement writes the offspring into the least fit rows and never loses
/// an elite, bad counts are refused in the engine's terms, and a generation allocates nothing.
/// </summary>
public abstract class GenerationOperatorsTests(IBackend backend)
{
    private const int N = 17, P = 33;

    public static TheoryData<string> OperatorSets => ["tournament blend gaussian", "roulette two-point reset", "tournament uniform gaussian"];

    private static GenerationOptions Options(string set, ulong seed, int offspring = 6, int elites = 2) => set switch
    {
        "tournament blend gaussian" => new(Selection.Tournament(3), new Crossover(CrossoverKind.Blend, 0.3f), Mutation.Gaussian(0.2f, 0.1f), offspring, elites, seed),
        "roulette two-point reset" => new(Selection.Roulette(), new Crossover(CrossoverKind.TwoPoint), Mutation.Reset(0.1f, 1f), offspring, elites, seed),
        _ => new(Selection.Tournament(2), new Crossover(CrossoverKind.Uniform), Mutation.Gaussian(0.5f, 0.3f), offspring, elites, seed),
    };

    private static float[] Losses(float[] rows, int count)
    {
        var losses = new float[count];
        for (var i = 0; i < count; i++)
            for (var g = 0; g < P; g++)
            {
                var d = rows[i * P + g] - 0.25f;
                losses[i] += d * d;
            }
        return losses;
    }

    private static float[] InitialPopulation() =>
        Enumerable.Range(0, N * P).Select(i => (float)(2 * CounterRng.Uniform(7, (uint)RngStream.Init, 0, (uint)i, 0) - 1)).ToArray();

    /// <summary>Populations after each of <paramref name="generations"/> generations, σ annealed by 0.9 a generation.</summary>
    private List<float[]> Run(GenerationOptions options, int generations)
    {
        using var population = backend.Allocate<float>(N, P);
        using var fitness = backend.Allocate<float>(N);
        population.CopyFrom(InitialPopulation());
        fitness.CopyFrom(Losses(InitialPopulation(), N));
        using var operators = new GenerationOperators(backend, N, P, options);
        var snapshots = new List<float[]>();
        for (var g = 0u; g < generations; g++)
        {
            operators.Breed(population, fitness, g, options.Mutation.Amount * MathF.Pow(0.9f, g));
            backend.Synchronize();
            operators.OffspringFitness.CopyFrom(Losses(operators.Offspring.ToArray(), options.Offspring));
            operators.Replace(population, fitness);
            backend.Synchronize();
            snapshots.Add(population.ToArray());
        }
        return snapshots;
    }

    [Theory]
    [MemberData(nameof(OperatorSets))]
    public void AFixedSeedGivesTheSamePopulationsEveryGeneration(string set)
    {
        var first = Run(Options(set, seed: 41), 5);
        var again = Run(Options(set, seed: 41), 5);
        var other = Run(Options(set, seed: 42), 5);

        for (var g = 0; g < 5; g++)
            Assert.True(first[g].AsSpan().SequenceEqual(again[g]), $"generation {g}: the same seed gave a different population");
        // The seed matters: another one breeds another first generation.
        Assert.False(first[0].AsSpan().SequenceEqual(other[0]));
    }

    /// <summary>
    /// Over 12 generations: the rows of the O worst losses (ties to the higher index, as the ranks order them) receive the offspring exactly,
    /// every other row (the e elites among them) is untouched, the fitness vector describes the population, and the best loss never rises.
    /// </summary>
    [Theory]
    [MemberData(nameof(OperatorSets))]
    public void ReplacementTakesTheLeastFitAndNeverAnElite(string set)
    {
        var options = Options(set, seed: 5, offspring: 9, elites: 3);
        using var population = backend.Allocate<float>(N, P);
        using var fitness = backend.Allocate<float>(N);
        population.CopyFrom(InitialPopulation());
        fitness.CopyFrom(Losses(InitialPopulation(), N));
        using var operators = new GenerationOperators(backend, N, P, options);
        var best = Losses(InitialPopulation(), N).Min();
        for (var g = 0u; g < 12; g++)
        {
            operators.Breed(population, fitness, g);
            backend.Synchronize();
            var before = population.ToArray();
            var f = fitness.ToArray();
            var offspring = operators.Offspring.ToArray();
            operators.OffspringFitness.CopyFrom(Losses(offspring, options.Offspring));
            operators.Replace(population, fitness);
            backend.Synchronize();
            var after = population.ToArray();

            var worstFirst = Enumerable.Range(0, N).OrderByDescending(i => f[i]).ThenByDescending(i => i).ToArray();
            var replaced = worstFirst[..options.Offspring];
            for (var i = 0; i < N; i++)
            {
                var row = after.AsSpan(i * P, P);
                var j = Array.IndexOf(replaced, i);
                // Ranks N − O … N − 1 in order: the worst (rank N − 1) gets the last offspring.
                var expected = j >= 0 ? offspring.AsSpan((options.Offspring - 1 - j) * P, P) : before.AsSpan(i * P, P);
                Assert.True(row.SequenceEqual(expected), $"generation {g}, row {i} ({(j >= 0 ? "replaced" : "kept")})");
            }
            Assert.Equal(Losses(after, N), fitness.ToArray());
            var bestNow = fitness.ToArray().Min();
            Assert.True(bestNow <= best, $"generation {g}: best loss rose from {best} to {bestNow}");
            best = bestNow;
        }
    }

    [Fact]
    public void OffspringThatWouldReplaceAnEliteAreRefused()
    {
        var e = Assert.Throws<InputException>(() => new GenerationOperators(backend, N, P, Options("tournament blend gaussian", 1, offspring: N - 2, elites: 3)));
        Assert.Equal("offspring", e.Setting);
        Assert.StartsWith($"offspring {N - 2}: expected an integer in [1, {N - 3}]", e.Message);
        Assert.Equal("elites", Assert.Throws<InputException>(() => new GenerationOperators(backend, N, P, Options("roulette two-point reset", 1, elites: N))).Setting);
        // At the limit, O = N − e, the operators are made.
        new GenerationOperators(backend, N, P, Options("roulette two-point reset", 1, offspring: N - 3, elites: 3)).Dispose();
    }

    [Fact]
    public void AGenerationAllocatesNothing()
    {
        var options = Options("roulette two-point reset", 3);
        using var population = backend.Allocate<float>(N, P);
        using var fitness = backend.Allocate<float>(N);
        population.CopyFrom(InitialPopulation());
        fitness.CopyFrom(Losses(InitialPopulation(), N));
        using var operators = new GenerationOperators(backend, N, P, options);
        operators.Breed(population, fitness, 0);
        operators.Replace(population, fitness);
        operators.Diversity(population);
        backend.Synchronize();
        var bytes = backend.AllocatedBytes;
        for (var g = 1u; g < 4; g++)
        {
            operators.Breed(population, fitness, g);
            operators.Replace(population, fitness);
            operators.Diversity(population);
        }
        backend.Synchronize();
        Assert.Equal(bytes, backend.AllocatedBytes);
        Assert.True(operators.DiversityValue.ToArray()[0] > 0f);
    }
}

[Collection(HostCollection.Name)]
public sealed class HostGenerationOperatorsTests(HostFixture fixture) : GenerationOperatorsTests(fixture.Backend);

[Collection(CpuAcceleratorCollection.Name)]
public sealed class CpuAcceleratorGenerationOperatorsTests(CpuAcceleratorFixture fixture) : GenerationOperatorsTests(fixture.Backend);
