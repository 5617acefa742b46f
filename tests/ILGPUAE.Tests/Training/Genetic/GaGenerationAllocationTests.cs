namespace ILGPUAE.Tests.Training.Genetic;

using ILGPUAE.Backend;
using ILGPUAE.Genetic;
using ILGPUAE.Host;
using ILGPUAE.Training.Genetic;

/// <summary>
/// Issue 17's "nothing allocated per generation" on the host: after a warm-up, a whole generation of one island — the population's
/// fitness (batched GEMMs, losses, means), selection, crossover, mutation, replacement, diversity — allocates no managed memory on
/// the calling thread, and no device memory.
/// </summary>
public sealed class GaGenerationAllocationTests
{
    [Fact]
    public void AGenerationOnTheHostAllocatesNothing()
    {
        using var backend = new HostBackend(threads: 2);
        var layout = new TiedPopulationLayout(Visible: 50, Hidden: 7);
        var options = new GaOptions { Hidden = layout.Hidden, Population = 12, Batch = 10, Loss = LossKind.CrossEntropy };
        using var island = new Island(backend, 0, layout, options.Population, options.Batch, options.Operators(layout.Visible));
        island.Initialize(options.Seed);
        using var x = backend.Allocate<float>(options.Batch, layout.Visible);
        x.CopyFrom([.. Enumerable.Range(0, options.Batch * layout.Visible).Select(i => (i % 11) / 11f)]);
        var fitness = new float[options.Population];
        void Generation(uint g)
        {
            island.Evaluator.Evaluate(island.Population, x, options.Loss);
            island.Fitness.CopyTo(fitness);
            island.Operators.Breed(island.Population, island.Fitness, g, options.MutationAmount(g));
            island.Operators.Replace(island.Population, island.Fitness);
            island.Operators.Diversity(island.Population);
            backend.Synchronize();
        }
        Generation(0);
        Generation(1);
        var (managed, device) = (GC.GetAllocatedBytesForCurrentThread(), backend.AllocatedBytes);
        for (var g = 2u; g < 6; g++)
            Generation(g);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - managed);
        Assert.Equal(device, backend.AllocatedBytes);
        Assert.All(fitness, f => Assert.True(float.IsFinite(f)));
    }
}
