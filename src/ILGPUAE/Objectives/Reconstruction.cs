namespace ILGPUAE.Objectives;

using ILGPUAE.Backend;
using ILGPUAE.Modules;

/// <summary>
/// Reconstruction of the clean input by sigmoid outputs z: per example ½‖x − z‖² (<see cref="LossKind.SquaredError"/>) or
/// −Σ[x log z + (1 − x) log(1 − z)] (<see cref="LossKind.CrossEntropy"/>), summed over the outputs; one launch of the Delta
/// family forms the delta through the sigmoid and the losses.
/// </summary>
public sealed class Reconstruction(IBackend backend, LossKind loss) : IObjective
{
    public LossKind Loss { get; } = loss;

    public void Validate(IModule top)
    {
        if (top.OutputActivation != Activation.Sigmoid)
            throw new ArgumentException($"{Loss} reconstruction is defined on sigmoid outputs; the model's top is {top.OutputActivation}");
    }

    public void Delta(Tensor<float> output, in Targets targets, Tensor<float> delta, Tensor<float> losses)
    {
        var x = targets.Values ?? throw new ArgumentException("reconstruction needs target values (the clean inputs)", nameof(targets));
        backend.Delta.SigmoidOutputDelta(Loss, output, x, 1f / output.Rows, delta, losses);
    }
}
