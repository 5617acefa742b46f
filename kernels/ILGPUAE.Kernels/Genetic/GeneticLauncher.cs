namespace ILGPUAE.Genetic;

using ILGPU;
using ILGPU.Runtime;
using ILGPUAE.Backend;
using ILGPUAE.Ilgpu;
using ILGPUAE.Random;

using SelectKernel = System.Action<ILGPU.Index1D, ILGPU.ArrayView<float>, ILGPU.ArrayView<int>, ILGPUAE.Genetic.SelectionParameters,
    ILGPUAE.Ilgpu.GridStride>;

/// <summary>
/// <see cref="IGenetic"/> on an ILGPU accelerator: shapes checked before each launch. Each kernel is loaded on its first use, so a
/// backend that never runs a genetic algorithm compiles none of them.
/// </summary>
public sealed class GeneticLauncher(IlgpuBackend backend) : IGenetic
{
    /// <summary>The partial sums of <see cref="Diversity"/>'s second pass: enough threads to stream P genes, few enough for one thread to add up.</summary>
    private const int DiversityPartials = 1024;

    private SelectKernel? tournament, roulette;
    private Action<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<int>, GridStride>? rank;
    private Action<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, int, GridStride>? scatterRows;
    private Action<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, CrossoverParameters, GridStride>? crossover;
    private Action<Index1D, ArrayView<float>, MutationParameters, GridStride>? mutate;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, int, GridStride>? columnDeviations;
    private Action<Index1D, ArrayView<float>, int, GridStride>? foldSums;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, int, float>? scaledSum;

    private Accelerator Accelerator => backend.Accelerator;

    public void Select(Tensor<float> fitness, GenerationKey key, Selection selection, Tensor<int> parents)
    {
        selection.ThrowIfInvalid();
        Shapes.GeneticSelect(fitness, parents);
        if (parents.Length == 0)
            return;
        var kernel = selection.Kind == SelectionKind.Tournament
            ? tournament ??= Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, SelectionParameters, GridStride>(GeneticKernels.Tournament)
            : roulette ??= Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, SelectionParameters, GridStride>(GeneticKernels.Roulette);
        var g = backend.Stride(parents.Length);
        kernel(g.Stride, backend.ViewOf(fitness, nameof(fitness)).AsContiguous(), backend.ViewOf(parents, nameof(parents)).AsContiguous(),
            new SelectionParameters(key.Seed, key.Generation, fitness.Length, selection.TournamentSize), g);
    }

    public void Rank(Tensor<float> fitness, Tensor<int> ranks, Tensor<int> order)
    {
        Shapes.GeneticRank(fitness, ranks, order);
        rank ??= Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<int>, GridStride>(GeneticKernels.Rank);
        var g = backend.Stride(fitness.Length);
        // The kernel reads N from g.Items, so every thread compares against all N whatever the stride.
        rank(g.Stride, backend.ViewOf(fitness, nameof(fitness)).AsContiguous(), backend.ViewOf(ranks, nameof(ranks)).AsContiguous(),
            backend.ViewOf(order, nameof(order)).AsContiguous(), g);
    }

    public void ScatterRows(Tensor<float> source, Tensor<int> destinations, Tensor<float> target)
    {
        Shapes.ScatterRows(source, destinations, target);
        if (source.Length == 0)
            return;
        scatterRows ??= Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, int, GridStride>(
            GeneticKernels.ScatterRows);
        var g = backend.Stride(source.Length);
        scatterRows(g.Stride, backend.ViewOf(source, nameof(source)).AsContiguous(), backend.ViewOf(destinations, nameof(destinations)).AsContiguous(),
            backend.ViewOf(target, nameof(target)).AsContiguous(), source.RowLength, g);
    }

    public void Crossover(Tensor<float> population, Tensor<int> parents, GenerationKey key, Crossover crossover, Tensor<float> offspring)
    {
        crossover.ThrowIfInvalid();
        Shapes.GeneticCrossover(population, parents, offspring);
        if (offspring.Length == 0)
            return;
        this.crossover ??= Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, CrossoverParameters, GridStride>(
            GeneticKernels.Crossover);
        var g = backend.Stride(offspring.Length);
        this.crossover(g.Stride, backend.ViewOf(population, nameof(population)).AsContiguous(), backend.ViewOf(parents, nameof(parents)).AsContiguous(),
            backend.ViewOf(offspring, nameof(offspring)).AsContiguous(),
            new CrossoverParameters(key.Seed, key.Generation, offspring.Shape[1], (int)crossover.Kind, crossover.Alpha), g);
    }

    public void Mutate(Tensor<float> offspring, GenerationKey key, Mutation mutation)
    {
        mutation.ThrowIfInvalid();
        Shapes.RequireRank2(offspring, nameof(offspring));
        if (offspring.Length == 0)
            return;
        mutate ??= Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, MutationParameters, GridStride>(GeneticKernels.Mutate);
        var g = backend.Stride(offspring.Length);
        mutate(g.Stride, backend.ViewOf(offspring, nameof(offspring)).AsContiguous(),
            new MutationParameters(key.Seed, key.Generation, offspring.Shape[1], CounterRng.BernoulliThreshold(mutation.Rate), (int)mutation.Kind,
                mutation.Amount), g);
    }

    /// <summary>Three launches: each gene's deviation into deviations, folded in place into ≤ 1024 partial sums, then their scaled sum.</summary>
    public void Diversity(Tensor<float> population, Tensor<float> deviations, Tensor<float> diversity)
    {
        Shapes.GeneticDiversity(population, deviations, diversity);
        columnDeviations ??= Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, GridStride>(GeneticKernels.ColumnDeviations);
        foldSums ??= Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, int, GridStride>(GeneticKernels.FoldSums);
        scaledSum ??= Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, float>(GeneticKernels.ScaledSum);
        var (n, p) = (population.Shape[0], population.Shape[1]);
        var view = backend.ViewOf(deviations, nameof(deviations)).AsContiguous();
        var g = backend.Stride(p);
        columnDeviations(g.Stride, backend.ViewOf(population, nameof(population)).AsContiguous(), view, n, g);
        var partials = Math.Min(p, DiversityPartials);
        var fold = backend.Stride(partials);
        foldSums(fold.Stride, view, p, fold);
        scaledSum(1, view, backend.ViewOf(diversity, nameof(diversity)).AsContiguous(), partials, 1f / p);
    }
}
