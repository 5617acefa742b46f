namespace ILGPUAE.Training.Genetic;

using System.Globalization;
using System.Text.Json.Serialization;
using ILGPUAE.Backend;
using ILGPUAE.Data;
using ILGPUAE.Genetic;
using ILGPUAE.IO;
using ILGPUAE.Models;
using ILGPUAE.Modules;

/// <summary>Where migrants go: island i to i + 1 (mod islands), or to another island drawn per migration.</summary>
public enum MigrationTopology
{
    Ring,
    Random,
}

/// <summary>
/// Everything that defines a `train ga` run (the paper's Algorithm 2 on tied sigmoid autoencoders, with islands and an optional
/// memetic step); saved with the run, so a resumed run keeps it. Each trainer step is one generation on one minibatch of
/// <see cref="Batch"/> images, so an epoch is ⌊train / batch⌋ generations.
/// </summary>
public sealed record GaOptions
{
    public DatasetKind Dataset { get; init; }

    /// <summary>Hidden units of every individual (a tied autoencoder visible → hidden).</summary>
    public int Hidden { get; init; } = 100;

    /// <summary>Masking-noise probability of the scored minibatch (0: plain autoencoders); the clean images are the targets.</summary>
    public float Corruption { get; init; }

    [JsonConverter(typeof(NamedEnumConverter<LossKind>))]
    public LossKind Loss { get; init; } = LossKind.SquaredError;

    /// <summary>N, the individuals of each island.</summary>
    public int Population { get; init; } = 64;

    /// <summary>O, the offspring per generation, who replace the O least fit (αN in the paper); null: half the population.</summary>
    public int? Offspring { get; init; }

    /// <summary>e, the best individuals never replaced.</summary>
    public int Elites { get; init; } = 1;

    [JsonConverter(typeof(NamedEnumConverter<SelectionKind>))]
    public SelectionKind Selection { get; init; } = SelectionKind.Tournament;

    public int TournamentSize { get; init; } = 3;

    [JsonConverter(typeof(NamedEnumConverter<CrossoverKind>))]
    public CrossoverKind Crossover { get; init; } = CrossoverKind.Uniform;

    /// <summary>α of the blend crossover (BLX-α).</summary>
    public float BlendAlpha { get; init; } = 0.5f;

    [JsonConverter(typeof(NamedEnumConverter<MutationKind>))]
    public MutationKind Mutation { get; init; } = MutationKind.Gaussian;

    /// <summary>The probability that a gene mutates.</summary>
    public float MutationRate { get; init; } = 0.01f;

    /// <summary>σ of a Gaussian mutation at generation 0 (a reset draws from the initial distribution instead).</summary>
    public float MutationScale { get; init; } = 0.1f;

    /// <summary>σ of generation g is scale·decay^g (1: constant).</summary>
    public float MutationDecay { get; init; } = 1f;

    /// <summary>Images per generation's minibatch.</summary>
    public int Batch { get; init; } = 100;

    /// <summary>Whether every generation scores the same minibatch (the first <see cref="Batch"/> training images) instead of the next one.</summary>
    public bool FixedMinibatch { get; init; }

    /// <summary>Epochs over the training images, ⌊train / batch⌋ generations each.</summary>
    public int Epochs { get; init; } = 1;

    /// <summary>Sub-populations of <see cref="Population"/> individuals each, evolved side by side.</summary>
    public int Islands { get; init; } = 1;

    /// <summary>Generations between migrations (with more than one island).</summary>
    public int MigrationInterval { get; init; } = 10;

    /// <summary>The best individuals of an island that migrate, replacing the least fit of the receiving island.</summary>
    public int Migrants { get; init; } = 1;

    [JsonConverter(typeof(NamedEnumConverter<MigrationTopology>))]
    public MigrationTopology Topology { get; init; } = MigrationTopology.Ring;

    /// <summary>SGD steps on each offspring on the generation's minibatch before it joins the population (Lamarckian; 0: a plain GA).</summary>
    public int MemeticSteps { get; init; }

    /// <summary>The memetic SGD steps' learning rate.</summary>
    public float MemeticLearningRate { get; init; } = 0.1f;

    public ulong Seed { get; init; } = 1;

    public int? TrainLimit { get; init; }

    public int? TestLimit { get; init; }

    /// <summary>O as resolved: <see cref="Offspring"/>, or half the population (at least 1).</summary>
    [JsonIgnore]
    public int OffspringCount => Offspring ?? Math.Max(1, Population / 2);

    /// <summary>The operators of one island's generation; a reset mutation draws from <paramref name="visible"/> → hidden's initial range.</summary>
    public GenerationOptions Operators(int visible) => new(
        Selection == SelectionKind.Tournament ? ILGPUAE.Backend.Selection.Tournament(TournamentSize) : ILGPUAE.Backend.Selection.Roulette(),
        new ILGPUAE.Backend.Crossover(Crossover, BlendAlpha),
        Mutation == MutationKind.Gaussian ? ILGPUAE.Backend.Mutation.Gaussian(MutationRate, MutationScale)
            : ILGPUAE.Backend.Mutation.Reset(MutationRate, (float)TiedAutoencoder.InitialWeightRange(visible, Hidden)),
        OffspringCount, Elites, Seed);

    /// <summary>The Gaussian mutation's σ at <paramref name="generation"/>; null for a reset (its range does not anneal).</summary>
    public float? MutationAmount(long generation) =>
        Mutation == MutationKind.Gaussian && MutationDecay != 1f ? MutationScale * MathF.Pow(MutationDecay, generation) : null;

    /// <summary>One individual's model: <see cref="Networks.TiedDae"/> (what `train dae` trains and `eval` reads).</summary>
    public NetworkSpec Network(int visible) => Networks.TiedDae(visible, Hidden, Corruption, Loss);

    /// <summary>Throws <see cref="InputException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        Require(Enum.IsDefined(Dataset), "dataset", Dataset, "a dataset name");
        Require(Hidden >= 1, "hidden", Hidden, "an integer ≥ 1");
        Require(Corruption is >= 0f and < 1f, "corruption", Corruption, "a probability in [0, 1)");
        Require(Enum.IsDefined(Loss), "loss", Loss, "mse or xent");
        Require(Population >= 2, "population", Population, "an integer ≥ 2");
        Require(Batch >= 1, "batch", Batch, "an integer ≥ 1");
        Require(Epochs >= 1, "epochs", Epochs, "an integer ≥ 1");
        Require(Islands >= 1, "islands", Islands, "an integer ≥ 1");
        Require(MigrationInterval >= 1, "migration_interval", MigrationInterval, "an integer ≥ 1 (generations)");
        Require(Migrants >= 1 && Migrants < Population, "migrants", Migrants, $"an integer in [1, {Population - 1}] (fewer than population {Population})");
        Require(Enum.IsDefined(Topology), "topology", Topology, "ring or random");
        Require(MemeticSteps >= 0, "memetic_steps", MemeticSteps, "an integer ≥ 0");
        Require(float.IsFinite(MemeticLearningRate) && MemeticLearningRate > 0f, "memetic_learning_rate", MemeticLearningRate, "a finite number > 0");
        Require(float.IsFinite(MutationDecay) && MutationDecay is > 0f and <= 1f, "mutation_decay", MutationDecay, "a number in (0, 1]");
        Require(Enum.IsDefined(Selection), "selection", Selection, "tournament or roulette");
        Require(Enum.IsDefined(Crossover), "crossover", Crossover, "uniform, one-point, two-point or blend");
        Require(Enum.IsDefined(Mutation), "mutation", Mutation, "gaussian or reset");
        DataLimits.Validate(TrainLimit, null, TestLimit);
        // Offspring, elites, tournament size, blend α, mutation rate and σ: the operators' own checks, in the same terms.
        Operators(visible: 1).ThrowIfInvalid(Population);
    }

    /// <summary>The run in one line.</summary>
    public string Summary(int visible, int train, int test) =>
        $"data: {Datasets.Info(Dataset).DisplayName}, {train} train / {test} test; {Islands} island{(Islands > 1 ? "s" : "")} of {Population} tied autoencoders " +
        $"{visible}→{Hidden} ({TiedPopulationParameters(visible).ToString("N0", CultureInfo.InvariantCulture)} genes), {OffspringCount} offspring and {Elites} elite{(Elites == 1 ? "" : "s")} per generation, " +
        $"{(Selection == SelectionKind.Tournament ? $"tournament {TournamentSize}" : "roulette")}, {Crossover.ToString().ToLowerInvariant()} crossover, " +
        $"{Mutation.ToString().ToLowerInvariant()} mutation (rate {MutationRate}{(Mutation == MutationKind.Gaussian ? $", σ {MutationScale}" : "")}), " +
        $"{(MemeticSteps > 0 ? $"{MemeticSteps} memetic SGD step{(MemeticSteps > 1 ? "s" : "")} (lr {MemeticLearningRate}), " : "")}" +
        $"batch {Batch}{(FixedMinibatch ? " (fixed)" : "")}, seed {Seed}";

    private int TiedPopulationParameters(int visible) => new TiedPopulationLayout(visible, Hidden).Parameters;

    private static void Require(bool ok, string setting, object? value, string expected)
    {
        if (!ok)
            throw InputException.ForSetting(setting, value, expected);
    }
}
