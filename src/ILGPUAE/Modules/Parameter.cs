namespace ILGPUAE.Modules;

using ILGPUAE.Backend;

/// <summary>
/// A trainable tensor and its gradient (same shape), under the name it has in checkpoints (e.g. "W", "layer0.W") and the
/// group whose optimizer settings apply to it (learning rate, weight decay, frozen). The module that creates a parameter
/// owns both tensors; optimizers keep their state per parameter, saved under the parameter's name.
/// </summary>
public sealed record Parameter(string Name, Tensor<float> Value, Tensor<float> Grad, string Group = ParameterGroups.Weights)
{
    public TensorShape Shape => Value.Shape;
}

/// <summary>The groups modules put their parameters in unless a model says otherwise.</summary>
public static class ParameterGroups
{
    /// <summary>Weight matrices and kernels: where weight decay applies by default.</summary>
    public const string Weights = "weights";

    /// <summary>Biases: no weight decay by default.</summary>
    public const string Biases = "biases";
}
