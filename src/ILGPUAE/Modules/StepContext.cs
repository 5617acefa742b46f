namespace ILGPUAE.Modules;

using ILGPUAE.Backend;

/// <summary>
/// What a module needs to know about a step besides its input: which dataset examples the batch's rows are (random
/// draws are keyed by them, so a mask does not depend on the batch size, the order or the backend), the seed and epoch
/// of the draws, and whether the model is training (corruption applies) or being evaluated (it passes inputs through).
/// </summary>
/// <param name="Indices">Dataset index of each row of the batch, [b].</param>
public readonly record struct StepContext(Tensor<int> Indices, ulong Seed, uint Epoch, bool Training)
{
    /// <summary>Rows in the batch.</summary>
    public int Rows => Indices.Length;

    /// <summary>
    /// The step's per-example losses [b], which <see cref="Network.ForwardBackward"/> sets for the backward pass once the
    /// objective has written them, so that a penalty module (<see cref="ActivityL1"/>) adds its term; null elsewhere.
    /// </summary>
    public Tensor<float>? Losses { get; init; }
}
