namespace ILGPUAE.Genetic;

using ILGPUAE.Backend;
using ILGPUAE.Random;

/// <summary>
/// The corruption of a minibatch before a population scores it: <paramref name="Noise"/> drawn with <paramref name="Key"/> (a GA keys it
/// by its generation: <c>Corrupt.KeyOf(seed, RngStream.Mask, generation, 0)</c> draws what a <see cref="Modules.Corrupt"/> module of a
/// model trained in epoch = generation draws), for the dataset rows <paramref name="Indices"/> [B] the minibatch's rows came from.
/// </summary>
public readonly record struct FitnessNoise(CorruptionNoise Noise, NoiseKey Key, Tensor<int> Indices);

/// <summary>
/// The reconstruction loss of every individual of a population of tied autoencoders (<see cref="TiedPopulationLayout"/>) on one
/// minibatch x [B, V], in five launches whatever N: the corruption of x (optional; the clean x stays the target), the encode
/// H_i = act(x̃·W_iᵀ + b_h,i) and the decode Z_i = σ(H_i·W_i + b_v,i) of all individuals as two batched GEMMs with fused bias and
/// activation, the per-row losses of all N·B reconstructions, and fitness[i] = the mean of individual i's B losses (a product with
/// a ones vector). Lower is fitter. Buffers for (N, B) are allocated once; an evaluation allocates nothing.
/// </summary>
public sealed class PopulationFitness : IDisposable
{
    private readonly IBackend backend;
    private readonly Tensor<float> corrupted, hidden, reconstructions, losses, ones, fitness;
    private readonly Tensor<float> lossesByIndividual, fitnessColumn;
    private Tensor<float>? boundPopulation, hiddenBiases, visibleBiases;

    /// <param name="individuals">N, the population's rows.</param>
    /// <param name="batch">B, the rows of every minibatch scored.</param>
    /// <param name="hiddenActivation">The encoder's activation, as <see cref="Modules.Networks.TiedDae"/>'s; the decoder's is the sigmoid.</param>
    public PopulationFitness(IBackend backend, TiedPopulationLayout layout, int individuals, int batch, Activation hiddenActivation = Activation.Sigmoid)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(individuals, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        this.backend = backend;
        Layout = layout;
        Individuals = individuals;
        Batch = batch;
        HiddenActivation = hiddenActivation;
        corrupted = backend.Allocate<float>(batch, layout.Visible);
        hidden = backend.Allocate<float>(individuals * batch, layout.Hidden);
        reconstructions = backend.Allocate<float>(individuals * batch, layout.Visible);
        losses = backend.Allocate<float>(individuals * batch);
        ones = backend.Allocate<float>(batch, 1);
        ones.CopyFrom(Enumerable.Repeat(1f, batch).ToArray());
        fitness = backend.Allocate<float>(individuals);
        lossesByIndividual = losses.View(0, individuals, batch);
        fitnessColumn = fitness.View(0, individuals, 1);
    }

    public TiedPopulationLayout Layout { get; }
    public int Individuals { get; }
    public int Batch { get; }
    public Activation HiddenActivation { get; }

    /// <summary>fitness [N] of the last <see cref="Evaluate"/>: individual i's mean loss over the minibatch's rows.</summary>
    public Tensor<float> Fitness => fitness;

    /// <summary>The reconstructions [N·B, V] of the last evaluation: rows i·B … i·B + B − 1 are individual i's.</summary>
    public Tensor<float> Reconstructions => reconstructions;

    /// <summary>
    /// Scores every row of <paramref name="population"/> [N, P] on <paramref name="x"/> [B, V] under <paramref name="loss"/>, the input
    /// corrupted by <paramref name="noise"/> when given; returns <see cref="Fitness"/> [N].
    /// </summary>
    public Tensor<float> Evaluate(Tensor<float> population, Tensor<float> x, LossKind loss, FitnessNoise? noise = null)
    {
        var (v, h, n, b) = (Layout.Visible, Layout.Hidden, Individuals, Batch);
        if (population.Shape.Rank != 2 || population.Shape[0] != n || population.Shape[1] != Layout.Parameters)
            throw new ArgumentException($"population {population.Shape} is not [{n}, {Layout.Parameters}] ({v} → {h} tied)", nameof(population));
        if (x.Shape.Rank != 2 || x.Shape[0] != b || x.Shape[1] != v)
            throw new ArgumentException($"minibatch x {x.Shape} is not [{b}, {v}]", nameof(x));
        var (hb, vb) = BiasesOf(population);
        var input = x;
        if (noise is { } corruption)
        {
            backend.Corruption.Corrupt(x, corruption.Indices, corruption.Key, corruption.Noise, corrupted);
            input = corrupted;
        }
        var p = Layout.Parameters;
        // H_i [B, H] = act(x̃ [B, V] · W_iᵀ + b_h,i): x̃ shared (stride 0), W_i stored [H, V] at row i.
        backend.Gemm.GemmBatched(Transpose.None, Transpose.Transposed, b, h, v, 1f, input, population, 0f, hidden,
            GemmEpilogue.BiasActivate(hb, HiddenActivation), new GemmBatch(n, 0, p, (long)b * h, p));
        // Z_i [B, V] = σ(H_i [B, H] · W_i [H, V] + b_v,i).
        backend.Gemm.GemmBatched(Transpose.None, Transpose.None, b, v, h, 1f, hidden, population, 0f, reconstructions,
            GemmEpilogue.BiasActivate(vb, Activation.Sigmoid), new GemmBatch(n, (long)b * h, p, (long)b * v, p));
        backend.Delta.SigmoidOutputLosses(loss, reconstructions, x, losses);
        // fitness [N, 1] = (1/B) · losses [N, B] · ones [B, 1].
        backend.Gemm.Gemm(Transpose.None, Transpose.None, 1f / b, lossesByIndividual, ones, 0f, fitnessColumn);
        return fitness;
    }

    /// <summary>
    /// The population from b_hidden of row 0 on and from b_visible of row 0 on (the batched GEMM's bias operands, stepped by P), made
    /// once per population tensor: a GA that keeps its population in one tensor allocates them on its first generation only.
    /// </summary>
    private (Tensor<float> Hidden, Tensor<float> Visible) BiasesOf(Tensor<float> population)
    {
        if (!ReferenceEquals(population, boundPopulation) || hiddenBiases is null || visibleBiases is null)
        {
            boundPopulation = population;
            hiddenBiases = population.View(Layout.HiddenBiasOffset, population.Length - Layout.HiddenBiasOffset);
            visibleBiases = population.View(Layout.VisibleBiasOffset, population.Length - Layout.VisibleBiasOffset);
        }
        return (hiddenBiases, visibleBiases);
    }

    public void Dispose()
    {
        corrupted.Dispose();
        hidden.Dispose();
        reconstructions.Dispose();
        losses.Dispose();
        ones.Dispose();
        fitness.Dispose();
    }
}
