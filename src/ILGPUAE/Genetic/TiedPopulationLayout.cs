namespace ILGPUAE.Genetic;

using ILGPUAE.Backend;
using ILGPUAE.Models;
using ILGPUAE.Modules;

/// <summary>
/// How a population [N, P] of tied autoencoders (<paramref name="Visible"/> → <paramref name="Hidden"/>) lays out each row:
/// [W (Hidden × Visible, row-major) | b_hidden (Hidden) | b_visible (Visible)], P = <see cref="Parameters"/>. A row's parts are
/// views of the population (<see cref="Tensor{T}.View(int, int[])"/>), so an individual is evaluated, saved or trained as an
/// ordinary model without a copy.
/// </summary>
public readonly record struct TiedPopulationLayout(int Visible, int Hidden)
{
    /// <summary>P: the parameters of one individual.</summary>
    public int Parameters => Hidden * Visible + Hidden + Visible;

    /// <summary>Where b_hidden starts in a row.</summary>
    public int HiddenBiasOffset => Hidden * Visible;

    /// <summary>Where b_visible starts in a row.</summary>
    public int VisibleBiasOffset => Hidden * Visible + Hidden;

    /// <summary>Views of row <paramref name="individual"/> of <paramref name="population"/> [N, P]: W [Hidden, Visible], b_hidden, b_visible.</summary>
    public TiedDaeParameters Views(Tensor<float> population, int individual)
    {
        if (population.Shape.Rank != 2 || population.Shape[1] != Parameters)
            throw new ArgumentException($"population {population.Shape} is not [individuals, {Parameters}] for {Visible} → {Hidden}", nameof(population));
        ArgumentOutOfRangeException.ThrowIfNegative(individual);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(individual, population.Shape[0]);
        var row = individual * Parameters;
        return new TiedDaeParameters(population.View(row, Hidden, Visible), population.View(row + HiddenBiasOffset, Hidden),
            population.View(row + VisibleBiasOffset, Visible));
    }

    /// <summary>A tied autoencoder of its own (on <paramref name="backend"/>) holding <paramref name="row"/>'s values, [W | b_hidden | b_visible].</summary>
    public TiedAutoencoder Model(IBackend backend, float[] row) =>
        TiedAutoencoder.FromValues(backend, Visible, Hidden, row.AsSpan(0, HiddenBiasOffset), row.AsSpan(HiddenBiasOffset, Hidden),
            row.AsSpan(VisibleBiasOffset, Visible));

    /// <summary>
    /// The row's views by checkpoint name (W, b_hidden, b_visible), for <see cref="NetworkSpec.Build"/>: the network of
    /// <see cref="Networks.TiedDae"/> built with them trains or scores the individual in place.
    /// </summary>
    public SharedValues Values(Tensor<float> population, int individual)
    {
        var views = Views(population, individual);
        return name => name switch
        {
            TiedAutoencoder.WeightName => views.Weights,
            TiedAutoencoder.HiddenBiasName => views.HiddenBias,
            TiedAutoencoder.VisibleBiasName => views.VisibleBias,
            _ => null,
        };
    }
}
