namespace ILGPUAE.Backend;

public static partial class Shapes
{
    /// <summary>fitness [N] (N ≥ 1), parents [2·O].</summary>
    public static void GeneticSelect(Tensor<float> fitness, Tensor<int> parents)
    {
        RequirePopulationFitness(fitness);
        if (parents.Shape.Rank != 1 || parents.Length % 2 != 0)
            throw new ArgumentException($"parents {parents.Shape} must be a vector of 2·O indices, two per offspring", nameof(parents));
    }

    /// <summary>fitness, ranks and order [N], N ≥ 1.</summary>
    public static void GeneticRank(Tensor<float> fitness, Tensor<int> ranks, Tensor<int> order)
    {
        RequirePopulationFitness(fitness);
        RequireLength(ranks, "ranks", fitness.Length, $"one per individual of fitness {fitness.Shape}");
        RequireLength(order, "order", fitness.Length, $"one per individual of fitness {fitness.Shape}");
    }

    /// <summary>source [O, …] (or [O]), destinations [O], target [N, …] (or [N]) of source's row length.</summary>
    public static void ScatterRows(Tensor<float> source, Tensor<int> destinations, Tensor<float> target)
    {
        RequireLength(destinations, "destinations", source.Shape[0], $"one per row of source {source.Shape}");
        if (source.RowLength != target.RowLength)
            throw new ArgumentException($"source {source.Shape} and target {target.Shape} must have rows of one length");
        if (destinations.Length > target.Shape[0])
            throw new ArgumentException($"destinations {destinations.Shape} name more rows than target {target.Shape} has", nameof(destinations));
    }

    /// <summary>population [N, P] (N, P ≥ 1), parents [2·O], offspring [O, P].</summary>
    public static void GeneticCrossover(Tensor<float> population, Tensor<int> parents, Tensor<float> offspring)
    {
        RequirePopulation(population, "population");
        RequireRank2(offspring, "offspring");
        RequireLength(parents, "parents", 2 * offspring.Shape[0], $"two per row of offspring {offspring.Shape}");
        if (offspring.Shape[1] != population.Shape[1])
            throw new ArgumentException($"offspring {offspring.Shape} and population {population.Shape} must have the same genes (columns)", nameof(offspring));
    }

    /// <summary>population [N, P] (N, P ≥ 1), deviations [P], diversity [1].</summary>
    public static void GeneticDiversity(Tensor<float> population, Tensor<float> deviations, Tensor<float> diversity)
    {
        RequirePopulation(population, "population");
        RequireLength(deviations, "deviations", population.Shape[1], $"one per gene (column) of population {population.Shape}");
        RequireLength(diversity, "diversity", 1, $"a single value");
    }

    /// <summary>A [N, P] population with at least one individual and one gene.</summary>
    public static void RequirePopulation(Tensor<float> population, string name)
    {
        RequireRank2(population, name);
        if (population.Shape[0] < 1 || population.Shape[1] < 1)
            throw new ArgumentException($"{name} {population.Shape} must hold at least one individual of at least one gene", name);
    }

    private static void RequirePopulationFitness(Tensor<float> fitness)
    {
        if (fitness.Shape.Rank != 1 || fitness.Length < 1)
            throw new ArgumentException($"fitness {fitness.Shape} must be a vector of one loss per individual, at least one", nameof(fitness));
    }
}
