namespace ILGPUAE.Tests.Models;

using ILGPUAE.Backend;
using ILGPUAE.Genetic;
using ILGPUAE.Modules;
using ILGPUAE.Random;
using ILGPUAE.Tests.Host;
using ILGPUAE.Tests.Kernels;

/// <summary>
/// <see cref="PopulationFitness"/> against the model core: the fitness of every individual equals the mean loss that a
/// <see cref="Networks.TiedDae"/> network built on views of its row (<see cref="TiedPopulationLayout.Values"/>) reports through its
/// ordinary forward pass and objective, clean and under the masking noise its Corrupt module draws in the same epoch.
/// </summary>
public abstract class PopulationFitnessTests(IBackend backend)
{
    // Awkward sizes: no dimension a multiple of 4, 16 or 32.
    private const int Visible = 53, Hidden = 19, Individuals = 5, Batch = 7;
    private const ulong Seed = 2026;

    public static TheoryData<LossKind, float> Cases => new()
    {
        { LossKind.SquaredError, 0f },
        { LossKind.CrossEntropy, 0f },
        { LossKind.SquaredError, 0.3f },
        { LossKind.CrossEntropy, 0.3f },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void EachIndividualsFitnessIsItsModelsMeanLoss(LossKind loss, float corruption)
    {
        var layout = new TiedPopulationLayout(Visible, Hidden);
        using var population = backend.Allocate<float>(Individuals, layout.Parameters);
        population.CopyFrom(Uniform(Individuals * layout.Parameters, -0.6f, 0.6f, stream: 1));
        using var x = backend.Allocate<float>(Batch, Visible);
        x.CopyFrom(Uniform(Batch * Visible, -0.3f, 1.3f, stream: 2).Select(v => Math.Clamp(v, 0f, 1f)).ToArray());
        using var indices = backend.Allocate<int>(Batch);
        indices.CopyFrom(Enumerable.Range(0, Batch).ToArray());
        const uint generation = 3;
        FitnessNoise? noise = corruption > 0f
            ? new FitnessNoise(CorruptionNoise.Masking(corruption), Corrupt.KeyOf(Seed, RngStream.Mask, generation, 0), indices)
            : null;
        using var fitness = new PopulationFitness(backend, layout, Individuals, Batch);
        var before = backend.AllocatedBytes;
        fitness.Evaluate(population, x, loss, noise);
        backend.Synchronize();
        var scores = fitness.Fitness.ToArray();
        // A second evaluation allocates nothing on the backend and gives the same scores.
        fitness.Evaluate(population, x, loss, noise);
        backend.Synchronize();
        Assert.Equal(before, backend.AllocatedBytes);
        Assert.Equal(scores, fitness.Fitness.ToArray());

        var spec = Networks.TiedDae(Visible, Hidden, corruption, loss);
        for (var i = 0; i < Individuals; i++)
        {
            using var network = spec.Build(backend, Batch, layout.Values(population, i));
            using var losses = backend.Allocate<float>(Batch);
            network.ForwardBackward(x, new StepContext(indices, Seed, generation, Training: corruption > 0f), losses);
            backend.Synchronize();
            var expected = losses.ToArray().Average(l => (double)l);
            // The batched and single products sum in different orders: float error of a few ulps per row loss of ~10.
            Assert.True(Math.Abs(scores[i] - expected) <= 1e-5 * Math.Abs(expected) + 1e-5,
                $"individual {i}: fitness {scores[i]}, its network's mean loss {expected}");
        }
        Assert.All(scores, s => Assert.True(float.IsFinite(s)));
        Assert.Equal(Individuals, scores.Distinct().Count());
    }

    [Fact]
    public void TheWrongPopulationOrMinibatchShapeIsRefused()
    {
        var layout = new TiedPopulationLayout(Visible, Hidden);
        using var fitness = new PopulationFitness(backend, layout, Individuals, Batch);
        using var population = backend.Allocate<float>(Individuals, layout.Parameters + 1);
        using var x = backend.Allocate<float>(Batch, Visible);
        var e = Assert.Throws<ArgumentException>(() => fitness.Evaluate(population, x, LossKind.SquaredError));
        Assert.Contains("population", e.Message);
    }

    private static float[] Uniform(int count, float low, float high, uint stream) =>
        [.. Enumerable.Range(0, count).Select(i => low + (high - low) * (float)CounterRng.Uniform(Seed, (uint)RngStream.Data, stream, (uint)i, 0))];
}

[Collection(HostCollection.Name)]
public sealed class HostPopulationFitnessTests(HostFixture fixture) : PopulationFitnessTests(fixture.Backend);

[Collection(CpuAcceleratorCollection.Name)]
public sealed class CpuAcceleratorPopulationFitnessTests(CpuAcceleratorFixture fixture) : PopulationFitnessTests(fixture.Backend);
