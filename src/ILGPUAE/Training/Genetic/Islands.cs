namespace ILGPUAE.Training.Genetic;

using ILGPUAE.Backend;
using ILGPUAE.Genetic;
using ILGPUAE.Random;

/// <summary>
/// One sub-population of a `train ga` run on the device: population [N, P] of tied autoencoders, its fitness (the losses of its last
/// evaluation, [N]), the evaluator that writes them and the operators that breed it, each allocated once.
/// </summary>
public sealed class Island : IDisposable
{
    private readonly Tensor<int> ranks, order;

    public Island(IBackend backend, int index, TiedPopulationLayout layout, int individuals, int batch, GenerationOptions operators)
    {
        Index = index;
        Backend = backend;
        Layout = layout;
        Population = backend.Allocate<float>(individuals, layout.Parameters);
        Evaluator = new PopulationFitness(backend, layout, individuals, batch);
        Operators = new GenerationOperators(backend, individuals, layout.Parameters, operators);
        ranks = backend.Allocate<int>(individuals);
        order = backend.Allocate<int>(individuals);
    }

    public int Index { get; }
    public IBackend Backend { get; }
    public TiedPopulationLayout Layout { get; }
    public int Individuals => Population.Shape[0];

    /// <summary>[N, P]: row i is individual i's [W | b_hidden | b_visible] (<see cref="TiedPopulationLayout"/>).</summary>
    public Tensor<float> Population { get; }

    /// <summary>[N]: the losses of the last evaluation (the evaluator's buffer), lower is fitter.</summary>
    public Tensor<float> Fitness => Evaluator.Fitness;

    public PopulationFitness Evaluator { get; }
    public GenerationOperators Operators { get; }

    /// <summary>Individual <paramref name="individual"/>'s parameters, copied to the host.</summary>
    public float[] Row(int individual) => Population.View(individual * Layout.Parameters, Layout.Parameters).ToArray();

    /// <summary>
    /// The island's individuals ordered by <see cref="Fitness"/> as it stands, best first, on the device (order[0] the fittest; ties to
    /// the lower index): valid until the next call.
    /// </summary>
    public Tensor<int> RankedOrder()
    {
        Backend.Genetic.Rank(Fitness, ranks, order);
        return order;
    }

    /// <summary>
    /// Every individual's initial parameters, as a tied autoencoder of `train dae` starts: individual i's W from
    /// <see cref="Models.TiedAutoencoder.InitialWeights"/> at (seed, layer i) — individual 0 starts where `train dae --seed` does — and
    /// zero biases; the islands draw disjoint layers.
    /// </summary>
    public void Initialize(ulong seed)
    {
        var (v, h, p) = (Layout.Visible, Layout.Hidden, Layout.Parameters);
        var values = new float[Individuals * p];
        for (var i = 0; i < Individuals; i++)
            Models.TiedAutoencoder.InitialWeights(v, h, seed, (uint)(Index * Individuals + i)).CopyTo(values.AsSpan(i * p, h * v));
        Population.CopyFrom(values);
    }

    public void Dispose()
    {
        Population.Dispose();
        Evaluator.Dispose();
        Operators.Dispose();
        ranks.Dispose();
        order.Dispose();
    }
}

/// <summary>
/// Where a run's islands compute: on a backend that hands out lanes (<see cref="ILaneProvider"/>, the host) and with two islands or
/// more, island i on lane i mod L, L = min(islands, the provider's lanes), so that the lanes' islands evolve at once on their own
/// threads; elsewhere all on the backend itself, one after another.
/// </summary>
public sealed class IslandLanes : IDisposable
{
    private readonly IBackend backend;
    private readonly List<IBackend> lanes = [];

    public IslandLanes(IBackend backend, int islands)
    {
        this.backend = backend;
        if (islands >= 2 && backend is ILaneProvider provider && provider.MaxLanes >= 2)
            for (var i = 0; i < Math.Min(islands, provider.MaxLanes); i++)
                lanes.Add(provider.CreateLane());
    }

    /// <summary>Lanes in use (0: the islands share the backend).</summary>
    public int Count => lanes.Count;

    /// <summary>The backend island <paramref name="island"/> computes on.</summary>
    public IBackend For(int island) => lanes.Count == 0 ? backend : lanes[island % lanes.Count];

    public void Dispose()
    {
        foreach (var lane in lanes)
            lane.Dispose();
    }
}

/// <summary>
/// How migrants move between islands: the one place a run's islands meet, so that an implementation can carry them between processes
/// or machines instead (each island then living where it runs).
/// </summary>
public interface IMigration
{
    /// <summary>
    /// At <paramref name="generation"/>, after every island's fitness was evaluated on the generation's minibatch: moves each island's
    /// best individuals, with their fitness, into the rows of its destination's least fit.
    /// </summary>
    void Migrate(IReadOnlyList<Island> islands, uint generation);
}

/// <summary>
/// Migration between islands of one process, on their backend: the best <c>migrants</c> of island i replace the least fit
/// of island i + 1 (mod islands) on a ring, or of an island drawn from the counter-based generator keyed by (seed, generation, i) —
/// never i itself — on a random topology. Emigrants are all taken before any island receives, so a ring moves each island's best
/// one step at once.
/// </summary>
public sealed class LocalMigration : IMigration, IDisposable
{
    private readonly MigrationTopology topology;
    private readonly int migrants;
    private readonly ulong seed;
    private readonly List<(Tensor<float> Rows, Tensor<float> Fitness)> outgoing = [];

    public LocalMigration(MigrationTopology topology, int migrants, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(migrants, 1);
        this.topology = topology;
        this.migrants = migrants;
        this.seed = seed;
    }

    /// <summary>The island that island <paramref name="from"/>'s migrants go to at <paramref name="generation"/>.</summary>
    public int Destination(int from, int islands, uint generation) => topology switch
    {
        MigrationTopology.Ring => (from + 1) % islands,
        _ => (from + 1 + GeneticRules.Below(CounterRng.Hash32(seed, (uint)RngStream.GeneticMigration, generation, (uint)from, 0), islands - 1)) % islands,
    };

    public void Migrate(IReadOnlyList<Island> islands, uint generation)
    {
        if (islands.Count < 2)
            return;
        var backend = islands[0].Backend;
        while (outgoing.Count < islands.Count)
        {
            var p = islands[0].Layout.Parameters;
            outgoing.Add((backend.Allocate<float>(migrants, p), backend.Allocate<float>(migrants, 1)));
        }
        for (var i = 0; i < islands.Count; i++)
        {
            var best = islands[i].RankedOrder().Slice(0, migrants);
            backend.Corruption.Gather(islands[i].Population, best, outgoing[i].Rows);
            backend.Corruption.Gather(islands[i].Fitness.View(0, islands[i].Individuals, 1), best, outgoing[i].Fitness);
        }
        for (var i = 0; i < islands.Count; i++)
        {
            var to = islands[Destination(i, islands.Count, generation)];
            var order = to.RankedOrder();
            var leastFit = order.Slice(to.Individuals - migrants, migrants);
            backend.Genetic.ScatterRows(outgoing[i].Rows, leastFit, to.Population);
            backend.Genetic.ScatterRows(outgoing[i].Fitness, leastFit, to.Fitness.View(0, to.Individuals, 1));
        }
    }

    public void Dispose()
    {
        foreach (var (rows, fitness) in outgoing)
        {
            rows.Dispose();
            fitness.Dispose();
        }
    }
}
