namespace ILGPUAE.Tests.Training.Genetic;

using ILGPUAE.Backend;
using ILGPUAE.Genetic;
using ILGPUAE.Host;
using ILGPUAE.Modules;
using ILGPUAE.Training;
using ILGPUAE.Training.Genetic;

/// <summary>
/// `train ga`'s islands: migration moves each island's best individual (row and fitness) into the least fit row of the next island,
/// the step migrates exactly every interval generations, and a random topology never sends an island's migrants to itself.
/// </summary>
public sealed class MigrationTests
{
    private static readonly TiedPopulationLayout Layout = new(Visible: 6, Hidden: 2);

    private static GenerationOptions Operators(int individuals) =>
        new(Selection.Tournament(2), new Crossover(CrossoverKind.Uniform), Mutation.Gaussian(0.1f, 0.1f), Offspring: individuals / 2, Elites: 1, Seed: 7);

    [Fact]
    public void TheBestOfEachIslandReplacesTheLeastFitOfTheNextOnARing()
    {
        using var backend = new HostBackend(threads: 1);
        var islands = Enumerable.Range(0, 3).Select(i => new Island(backend, i, Layout, individuals: 4, batch: 2, Operators(4))).ToList();
        try
        {
            var p = Layout.Parameters;
            float[][] fitness = [[5f, 1f, 7f, 3f], [2f, 9f, 4f, 6f], [8f, 0.5f, 3f, 10f]];
            for (var i = 0; i < islands.Count; i++)
            {
                // Row r of island i holds the value 10·i + r in every gene.
                islands[i].Population.CopyFrom([.. Enumerable.Range(0, 4).SelectMany(r => Enumerable.Repeat(10f * i + r, p))]);
                islands[i].Fitness.CopyFrom(fitness[i]);
            }
            using var migration = new LocalMigration(MigrationTopology.Ring, migrants: 1, seed: 1);
            migration.Migrate(islands, generation: 10);

            // Island 0's best (row 1, loss 1) → island 1's worst (row 1, loss 9); island 1's best (row 0, loss 2) → island 2's worst (row 3);
            // island 2's best (row 1, loss 0.5) → island 0's worst (row 2). Every other row stays.
            float[][] expectedRows = [[0, 1, 21, 3], [10, 1, 12, 13], [20, 21, 22, 10]];
            float[][] expectedFitness = [[5f, 1f, 0.5f, 3f], [2f, 1f, 4f, 6f], [8f, 0.5f, 3f, 2f]];
            for (var i = 0; i < islands.Count; i++)
            {
                var rows = islands[i].Population.ToArray();
                Assert.Equal(expectedRows[i], Enumerable.Range(0, 4).Select(r => rows[r * p]));
                Assert.All(Enumerable.Range(0, 4), r => Assert.All(rows.AsSpan(r * p, p).ToArray(), v => Assert.Equal(rows[r * p], v)));
                Assert.Equal(expectedFitness[i], islands[i].Fitness.ToArray());
            }
        }
        finally
        {
            islands.ForEach(i => i.Dispose());
        }
    }

    [Fact]
    public void ARandomTopologyNeverSendsAnIslandToItselfAndReachesEveryOther()
    {
        using var migration = new LocalMigration(MigrationTopology.Random, migrants: 1, seed: 3);
        for (var from = 0; from < 4; from++)
        {
            var destinations = Enumerable.Range(0, 200).Select(g => migration.Destination(from, 4, (uint)g)).ToHashSet();
            Assert.DoesNotContain(from, destinations);
            Assert.Equal(3, destinations.Count);
        }
    }

    [Fact]
    public void TheStepMigratesEveryIntervalGenerationsAfterScoringTheIslands()
    {
        using var backend = new HostBackend(threads: 1);
        var options = new GaOptions { Hidden = Layout.Hidden, Population = 4, Batch = 2, Islands = 2, MigrationInterval = 2, Elites = 1 };
        var islands = Enumerable.Range(0, 2).Select(i => new Island(backend, i, Layout, 4, 2, options.Operators(Layout.Visible))).ToList();
        try
        {
            islands.ForEach(i => i.Initialize(options.Seed));
            var migration = new RecordingMigration();
            using var step = new GaStep(backend, options, islands, migration);
            RunGenerations(backend, step, 7, [1, 3], g =>
            {
                // Migration sees the generation's fresh fitness: the statistics just recorded for each island.
                if (migration.Fitness.Count > 0 && migration.Generations[^1] == g)
                    Assert.Equal(step.Reports.Where(r => r.Generation == g).Select(r => r.Best), migration.Fitness[^1].Select(f => (double)f.Min()));
            });
            Assert.Equal([2u, 4u, 6u], migration.Generations);
            Assert.Equal(14, step.Reports.Count);
        }
        finally
        {
            islands.ForEach(i => i.Dispose());
        }
    }

    [Fact]
    public void IslandsOnHostLanesEvolveAtOnceToTheSameBitsAsOnTheBackendItself()
    {
        using var backend = new HostBackend(threads: 2);
        var options = new GaOptions { Hidden = Layout.Hidden, Population = 6, Batch = 2, Islands = 3, MigrationInterval = 2, Elites = 1, MemeticSteps = 1 };
        float[][] Evolve(bool onLanes)
        {
            using var lanes = new IslandLanes(backend, onLanes ? options.Islands : 1);
            Assert.Equal(onLanes ? 2 : 0, lanes.Count);
            var islands = Enumerable.Range(0, options.Islands).Select(i => new Island(lanes.For(i), i, Layout, 6, 2, options.Operators(Layout.Visible))).ToList();
            try
            {
                islands.ForEach(i => i.Initialize(options.Seed));
                using var migration = new LocalMigration(options.Topology, options.Migrants, options.Seed);
                using var step = new GaStep(backend, options, islands, migration);
                RunGenerations(backend, step, 5, [0, 2]);
                return [.. islands.Select(i => i.Population.ToArray())];
            }
            finally
            {
                islands.ForEach(i => i.Dispose());
            }
        }
        var shared = Evolve(onLanes: false);
        var lanes = Evolve(onLanes: true);
        for (var i = 0; i < shared.Length; i++)
            Assert.Equal(shared[i], lanes[i]);
    }

    /// <summary>
    /// <paramref name="generations"/> calls of <paramref name="step"/> on a minibatch of rows <paramref name="rows"/> of four fixed images,
    /// <paramref name="after"/> after each with the generation's number.
    /// </summary>
    private static void RunGenerations(IBackend backend, GaStep step, int generations, int[] rows, Action<int>? after = null)
    {
        using var data = backend.Allocate<float>(4, Layout.Visible);
        data.CopyFrom([.. Enumerable.Range(0, 4 * Layout.Visible).Select(i => (i % 7) / 7f)]);
        using var indices = backend.Allocate<int>(rows.Length);
        indices.CopyFrom(rows);
        using var losses = backend.Allocate<float>(rows.Length);
        for (var g = 0; g < generations; g++)
        {
            step.Run(0, new TrainingBatch(data, new StepContext(indices, 1, 0, Training: true), null, losses, 0.1f));
            after?.Invoke(g);
        }
    }

    private sealed class RecordingMigration : IMigration
    {
        public List<uint> Generations { get; } = [];
        public List<float[][]> Fitness { get; } = [];

        public void Migrate(IReadOnlyList<Island> islands, uint generation)
        {
            Generations.Add(generation);
            Fitness.Add([.. islands.Select(i => i.Fitness.ToArray())]);
        }
    }
}
