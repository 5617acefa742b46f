namespace ILGPUAE.Objectives;

using ILGPUAE.Backend;
using ILGPUAE.Modules;

/// <summary>What a batch is scored against: the clean inputs (reconstruction) or class labels.</summary>
/// <param name="Values">Targets of the same shape as the model's output, e.g. the uncorrupted inputs [b, …].</param>
/// <param name="Labels">Class indices [b].</param>
public readonly record struct Targets(Tensor<float>? Values = null, Tensor<int>? Labels = null);

/// <summary>
/// A per-example loss and its delta: losses[m] = the loss of row m, and delta = ∂(mean over the batch)/∂(the output's
/// pre-activation), i.e. scaled by 1/b and already through the output activation, as <see cref="IModule.Backward"/> takes it.
/// </summary>
public interface IObjective
{
    /// <summary>Checks that the model's top can be scored by this objective (its activation, or a softmax); throws otherwise.</summary>
    void Validate(IModule top);

    void Delta(Tensor<float> output, in Targets targets, Tensor<float> delta, Tensor<float> losses);
}
