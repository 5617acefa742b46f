namespace ILGPUAE.Backend;

using ILGPUAE.Random;

/// <summary>How <see cref="IGenetic.Select"/> picks parents.</summary>
public enum SelectionKind
{
    /// <summary>
    /// Tournament of <see cref="Selection.TournamentSize"/> k: draw j ∈ [0, k) of parent slot s is individual
    /// <c>GeneticRules.Below(Hash32(seed, GeneticSelection, generation, s, j), N)</c> (with replacement); the entrant that
    /// <c>GeneticRules.Before</c> puts first wins (the lowest loss, NaN last, ties to the lower index).
    /// </summary>
    Tournament,

    /// <summary>
    /// Fitness-proportional (roulette) on losses, lower is better: with hi and lo the largest and smallest finite loss,
    /// w_i = (hi − f_i) + (hi − lo)/16 for a finite f_i and 0 otherwise, so the best gets 17 times the worst's weight whatever the
    /// losses' scale, and a NaN or infinite loss is never drawn. Slot s draws t = u·W, u = <c>GeneticRules.Unit(Hash64(seed,
    /// GeneticSelection, generation, s, 0))</c> and W = Σ w_i, and picks the first i whose float running sum w_0 + … + w_i
    /// (in index order) exceeds t, else the last individual of positive weight. Every step is one IEEE float operation (the /16 is
    /// exact), so the pick is the same on every backend. When W = 0 (all losses equal, or none finite) the pick is uniform:
    /// <c>GeneticRules.Below(Hash32(seed, GeneticSelection, generation, s, 0), N)</c>.
    /// </summary>
    Roulette,
}

/// <summary>How <see cref="IGenetic.Crossover"/> mixes the two parents a = parents[2j] and b = parents[2j + 1] of offspring j.</summary>
public enum CrossoverKind
{
    /// <summary>Gene g from a where bit 63 of Hash64(seed, GeneticCrossover, generation, j, g) is 0, else from b.</summary>
    Uniform,

    /// <summary>
    /// Genes [0, c) from a and [c, P) from b, over the flattened vector: c = 1 + Below(Hash32(seed, GeneticCrossover, generation, j, 0), P − 1)
    /// ∈ [1, P − 1], so both parents give at least one gene (c = 1, a's only gene, when P = 1).
    /// </summary>
    OnePoint,

    /// <summary>
    /// Genes [c₁, c₂) from b, the rest from a: x = Below(Hash32(…, j, 0), P + 1) and y = Below(Hash32(…, j, 1), P + 1), c₁ = min(x, y),
    /// c₂ = max(x, y) ∈ [0, P] (an empty segment, a copy of a, when x = y).
    /// </summary>
    TwoPoint,

    /// <summary>
    /// BLX-α: with lo = min(a_g, b_g) and d = |a_g − b_g|, gene g = lo + (u·(1 + 2α) − α)·d, uniform in [lo − α·d, lo + d + α·d],
    /// u = <c>GeneticRules.Unit(Hash64(seed, GeneticCrossover, generation, j, g))</c>.
    /// </summary>
    Blend,
}

/// <summary>How <see cref="IGenetic.Mutate"/> changes a gene; gene g of offspring j mutates where Hash32(seed, GeneticMutation, generation, j, g) &lt; BernoulliThreshold(rate).</summary>
public enum MutationKind
{
    /// <summary>x + σ·n, n = <c>CounterRng.StandardNormal(Hash64(seed, GeneticMutationValue, generation, j, g))</c> (the transform of Gaussian corruption).</summary>
    Gaussian,

    /// <summary>
    /// A fresh draw from the initial distribution U[−r, r]: r·(2u − 1), u = <c>GeneticRules.Unit(Hash64(seed, GeneticMutationValue, generation, j, g))</c>.
    /// </summary>
    Reset,
}

/// <summary>The counters that one generation's draws share: the run's seed and the generation number.</summary>
public readonly record struct GenerationKey(ulong Seed, uint Generation);

/// <summary>A selection operator: its kind and, for a tournament, its size k ≥ 1.</summary>
public readonly record struct Selection(SelectionKind Kind, int TournamentSize = 0)
{
    public static Selection Tournament(int size) => new(SelectionKind.Tournament, size);

    public static Selection Roulette() => new(SelectionKind.Roulette);

    public void ThrowIfInvalid()
    {
        if (Kind == SelectionKind.Tournament)
            ArgumentOutOfRangeException.ThrowIfLessThan(TournamentSize, 1, nameof(TournamentSize));
        else if (Kind != SelectionKind.Roulette)
            throw new ArgumentOutOfRangeException(nameof(Kind), Kind, "unknown selection kind");
    }
}

/// <summary>A crossover operator: its kind and, for <see cref="CrossoverKind.Blend"/>, α ≥ 0.</summary>
public readonly record struct Crossover(CrossoverKind Kind, float Alpha = 0f)
{
    public void ThrowIfInvalid()
    {
        if (!Enum.IsDefined(Kind))
            throw new ArgumentOutOfRangeException(nameof(Kind), Kind, "unknown crossover kind");
        if (!(float.IsFinite(Alpha) && Alpha >= 0f))
            throw new ArgumentOutOfRangeException(nameof(Alpha), Alpha, "a blend crossover's α must be finite and ≥ 0");
    }
}

/// <summary>A mutation operator: its kind, the probability <paramref name="Rate"/> that a gene mutates, and its amount (σ, or the reset range r).</summary>
public readonly record struct Mutation(MutationKind Kind, float Rate, float Amount)
{
    /// <summary>Each gene with probability <paramref name="rate"/> gets + N(0, σ²); the engine may anneal σ from call to call.</summary>
    public static Mutation Gaussian(float rate, float sigma) => new(MutationKind.Gaussian, rate, sigma);

    /// <summary>Each gene with probability <paramref name="rate"/> is redrawn from U[−r, r].</summary>
    public static Mutation Reset(float rate, float range) => new(MutationKind.Reset, rate, range);

    public void ThrowIfInvalid()
    {
        if (!Enum.IsDefined(Kind))
            throw new ArgumentOutOfRangeException(nameof(Kind), Kind, "unknown mutation kind");
        if (!(Rate is >= 0f and <= 1f))
            throw new ArgumentOutOfRangeException(nameof(Rate), Rate, "a mutation rate must be a probability in [0, 1]");
        if (!(float.IsFinite(Amount) && Amount >= 0f))
            throw new ArgumentOutOfRangeException(nameof(Amount), Amount, Kind == MutationKind.Gaussian ? "a mutation's σ must be finite and ≥ 0" : "a reset range r must be finite and ≥ 0");
    }
}

/// <summary>
/// Genetic operators on a population held as one [N, P] tensor (N individuals of P genes) with fitness [N], a loss (lower is better).
/// Every draw comes from <see cref="CounterRng"/> keyed by (seed, the operator's <see cref="RngStream"/>, generation, individual, gene),
/// so a run is reproducible on every backend; the integer outcomes (parents, cut points, which genes mutate, ranks) are the same bits
/// everywhere, the float ones (blend, Gaussian steps, reset values, diversity) the same within rounding.
/// </summary>
public interface IGenetic
{
    /// <summary>
    /// parents [2·O] ← indices into the N individuals of fitness [N]: slot s (offspring s / 2's parent s mod 2) by <paramref name="selection"/>
    /// (see <see cref="SelectionKind"/>).
    /// </summary>
    void Select(Tensor<float> fitness, GenerationKey key, Selection selection, Tensor<int> parents);

    /// <summary>
    /// ranks [N] ← the rank of each individual by fitness [N] (0 = best: the lowest loss, NaN last, ties to the lower index), and
    /// order [N] ← its inverse, order[ranks[i]] = i (order[0] the best). O(N²) compares; meant for N up to a few thousand.
    /// </summary>
    void Rank(Tensor<float> fitness, Tensor<int> ranks, Tensor<int> order);

    /// <summary>
    /// target[destinations[j], :] ← source[j, :] for source [O, …], destinations [O] (distinct rows of target) and target [N, …] of the
    /// same row length: offspring into the population's rows, or their fitness [O] into fitness [N] as rows of one element.
    /// </summary>
    void ScatterRows(Tensor<float> source, Tensor<int> destinations, Tensor<float> target);

    /// <summary>offspring [O, P] ← the crossover (see <see cref="CrossoverKind"/>) of population [N, P]'s rows parents[2j] and parents[2j + 1] for each j.</summary>
    void Crossover(Tensor<float> population, Tensor<int> parents, GenerationKey key, Crossover crossover, Tensor<float> offspring);

    /// <summary>offspring [O, P] mutated in place (see <see cref="MutationKind"/>), row j keyed as individual j.</summary>
    void Mutate(Tensor<float> offspring, GenerationKey key, Mutation mutation);

    /// <summary>
    /// diversity [1] ← (1/P)·Σ_g σ_g, the mean over genes of the population's standard deviation σ_g = √((1/N)·Σ_i (x_ig − μ_g)²),
    /// μ_g = (1/N)·Σ_i x_ig, for population [N, P]; deviations [P] is scratch (its contents afterwards are the backend's).
    /// </summary>
    void Diversity(Tensor<float> population, Tensor<float> deviations, Tensor<float> diversity);
}
