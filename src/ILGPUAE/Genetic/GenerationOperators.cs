namespace ILGPUAE.Genetic;

using ILGPUAE.Backend;
using ILGPUAE.IO;

/// <summary>
/// The operators of one generation, in the engine's terms (the names a run's options give them in JSON).
/// </summary>
/// <param name="Selection">How parents are picked (setting "selection", with "tournament_size").</param>
/// <param name="Crossover">How two parents make an offspring (setting "crossover", with "blend_alpha").</param>
/// <param name="Mutation">
/// How offspring mutate (settings "mutation", "mutation_rate", "mutation_scale"): Amount is σ for Gaussian steps — the value a run starts
/// from, which <see cref="GenerationOperators.Breed"/> may be given annealed — or the range r of a reset, the initial distribution's:
/// for a tied autoencoder's population, <see cref="Models.TiedAutoencoder.InitialWeightRange"/> of its sizes.
/// </param>
/// <param name="Offspring">O, the offspring per generation, who replace the O least fit (setting "offspring"; αN in the paper).</param>
/// <param name="Elites">e, the best individuals that are never replaced (setting "elites").</param>
/// <param name="Seed">Keys every draw with the generation number (setting "seed").</param>
public sealed record GenerationOptions(Selection Selection, Crossover Crossover, Mutation Mutation, int Offspring, int Elites, ulong Seed)
{
    /// <summary>
    /// Throws an <see cref="InputException"/> naming the setting unless the operators are valid for a population of
    /// <paramref name="individuals"/>: 1 ≤ offspring ≤ individuals − elites, so replacing the offspring count's least fit never
    /// touches the elites.
    /// </summary>
    public void ThrowIfInvalid(int individuals)
    {
        if (Elites < 0 || Elites >= individuals)
            throw InputException.AboutSetting("elites", $"elites {Elites}: expected an integer in [0, {individuals - 1}] (fewer than population {individuals})",
                $"population {individuals}");
        if (Offspring < 1 || Offspring > individuals - Elites)
            throw InputException.AboutSetting("offspring",
                $"offspring {Offspring}: expected an integer in [1, {individuals - Elites}] (population {individuals} minus elites {Elites}), so no elite is replaced",
                $"population {individuals}", $"elites {Elites}");
        if (Selection.Kind == SelectionKind.Tournament && Selection.TournamentSize < 1)
            throw InputException.ForSetting("tournament_size", Selection.TournamentSize, "an integer ≥ 1");
        if (!(float.IsFinite(Crossover.Alpha) && Crossover.Alpha >= 0))
            throw InputException.ForSetting("blend_alpha", Crossover.Alpha, "a finite number ≥ 0");
        if (!(Mutation.Rate is >= 0f and <= 1f))
            throw InputException.ForSetting("mutation_rate", Mutation.Rate, "a probability in [0, 1]");
        if (!(float.IsFinite(Mutation.Amount) && Mutation.Amount >= 0))
            throw InputException.ForSetting("mutation_scale", Mutation.Amount, "a finite number ≥ 0");
    }
}

/// <summary>
/// One generation of a genetic algorithm on a population [N, P] with fitness [N] (losses) on the device: <see cref="Breed"/> selects
/// 2·O parents, crosses them into <see cref="Offspring"/> [O, P] and mutates those; the caller evaluates them into
/// <see cref="OffspringFitness"/> [O]; <see cref="Replace"/> ranks the population and writes offspring and fitness into the rows of
/// ranks N − O … N − 1, so the best N − O (the elites among them) survive. Every buffer is allocated here, once; a generation
/// allocates nothing and copies nothing to the host.
/// </summary>
public sealed class GenerationOperators : IDisposable
{
    private readonly IBackend backend;
    private readonly GenerationOptions options;
    private readonly Tensor<int> parents, ranks, order;
    private readonly Tensor<int> leastFit;
    private readonly Tensor<float> deviations;

    public GenerationOperators(IBackend backend, int individuals, int genes, GenerationOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(individuals, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(genes, 1);
        options.ThrowIfInvalid(individuals);
        this.backend = backend;
        this.options = options;
        Individuals = individuals;
        Genes = genes;
        parents = backend.Allocate<int>(2 * options.Offspring);
        ranks = backend.Allocate<int>(individuals);
        order = backend.Allocate<int>(individuals);
        // order[N − O …] are the O least fit, the rows their offspring replace.
        leastFit = order.Slice(individuals - options.Offspring, options.Offspring);
        Offspring = backend.Allocate<float>(options.Offspring, genes);
        OffspringFitness = backend.Allocate<float>(options.Offspring);
        deviations = backend.Allocate<float>(genes);
        DiversityValue = backend.Allocate<float>(1);
    }

    public int Individuals { get; }
    public int Genes { get; }

    /// <summary>[O, P]: the offspring of the last <see cref="Breed"/>.</summary>
    public Tensor<float> Offspring { get; }

    /// <summary>[O]: the caller writes the offspring' losses here before <see cref="Replace"/>.</summary>
    public Tensor<float> OffspringFitness { get; }

    /// <summary>[1]: the last <see cref="Diversity"/>, on the device.</summary>
    public Tensor<float> DiversityValue { get; }

    /// <summary>
    /// Selection, crossover and mutation of generation <paramref name="generation"/> into <see cref="Offspring"/>; the mutation's σ or r
    /// is <paramref name="mutationAmount"/> where given (an annealed σ), else the options'.
    /// </summary>
    public void Breed(Tensor<float> population, Tensor<float> fitness, uint generation, float? mutationAmount = null)
    {
        RequirePopulation(population, fitness);
        var key = new GenerationKey(options.Seed, generation);
        var mutation = mutationAmount is { } amount ? options.Mutation with { Amount = amount } : options.Mutation;
        backend.Genetic.Select(fitness, key, options.Selection, parents);
        backend.Genetic.Crossover(population, parents, key, options.Crossover, Offspring);
        backend.Genetic.Mutate(Offspring, key, mutation);
    }

    /// <summary>The offspring and their fitness into the rows of the O least fit (ranked by <paramref name="fitness"/> as it stands).</summary>
    public void Replace(Tensor<float> population, Tensor<float> fitness)
    {
        RequirePopulation(population, fitness);
        backend.Genetic.Rank(fitness, ranks, order);
        backend.Genetic.ScatterRows(Offspring, leastFit, population);
        backend.Genetic.ScatterRows(OffspringFitness, leastFit, fitness);
    }

    /// <summary>The population's diversity (mean over genes of the per-gene standard deviation) into <see cref="DiversityValue"/>, on the device.</summary>
    public Tensor<float> Diversity(Tensor<float> population)
    {
        backend.Genetic.Diversity(population, deviations, DiversityValue);
        return DiversityValue;
    }

    private void RequirePopulation(Tensor<float> population, Tensor<float> fitness)
    {
        if (population.Shape.Rank != 2 || population.Shape[0] != Individuals || population.Shape[1] != Genes)
            throw new ArgumentException($"population {population.Shape} must be [{Individuals}, {Genes}], the shape these operators were made for", nameof(population));
        if (fitness.Shape.Rank != 1 || fitness.Length != Individuals)
            throw new ArgumentException($"fitness {fitness.Shape} must be [{Individuals}], one loss per individual", nameof(fitness));
    }

    public void Dispose()
    {
        leastFit.Dispose();
        parents.Dispose();
        ranks.Dispose();
        order.Dispose();
        Offspring.Dispose();
        OffspringFitness.Dispose();
        deviations.Dispose();
        DiversityValue.Dispose();
    }
}
