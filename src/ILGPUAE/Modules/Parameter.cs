namespace ILGPUAE.Modules;

using ILGPUAE.Backend;

/// <summary>
/// A trainable tensor and its gradient (same shape), under the name it has in checkpoints (e.g. "W", "layer0.W") and the
/// group whose optimizer settings apply to it (learning rate, weight decay, frozen). The module that creates a parameter
/// owns both tensors; optimizers keep their state per parameter, saved under the parameter's name.
/// </summary>
public sealed class Parameter(string name, Tensor<float> value, Tensor<float> grad, string group = ParameterGroups.Weights)
{
    private bool gradientWritten;

    public string Name { get; } = name;

    /// <summary>The values, owned by the module that made the parameter.</summary>
    public Tensor<float> Value { get; } = value;

    /// <summary>∂L/∂Value of the current step, same shape.</summary>
    public Tensor<float> Grad { get; } = grad;

    public string Group { get; } = group;

    public TensorShape Shape => Value.Shape;

    /// <summary>Whether a contribution reached <see cref="Grad"/> since the last <see cref="StartStep"/> (else it holds an old step's).</summary>
    public bool HasGradient => gradientWritten;

    public override string ToString() => $"{Name} {Shape} ({Group})";

    /// <summary>A new step begins: the next contribution overwrites <see cref="Grad"/>. No launch: nothing is zeroed.</summary>
    public void StartStep() => gradientWritten = false;

    /// <summary>
    /// The beta of the next product into <see cref="Grad"/> (grad = … + beta·grad): 0 for the step's first contribution,
    /// which so ignores the old contents, 1 after it, which adds. A tied W gets its decoder's and its encoder's this way.
    /// </summary>
    public float GradientBeta()
    {
        var beta = gradientWritten ? 1f : 0f;
        gradientWritten = true;
        return beta;
    }
}

/// <summary>
/// An existing tensor a module trains instead of allocating its own, by parameter name (null: allocate). The module checks
/// its shape and does not dispose it.
/// </summary>
public delegate Tensor<float>? SharedValues(string name);

/// <summary>Where a module's parameter values come from: a new tensor it owns, or a shared one it leaves to its owner.</summary>
internal static class ParameterValues
{
    /// <summary>The shared tensor named <paramref name="name"/> when <paramref name="values"/> has it (shape checked), else a new one.</summary>
    public static (Tensor<float> Tensor, bool Owned) Get(IBackend backend, SharedValues? values, string name, params int[] shape)
    {
        if (values?.Invoke(name) is not { } shared)
            return (backend.Allocate<float>(shape), true);
        var expected = new TensorShape(shape);
        if (!shared.Shape.Equals(expected))
            throw new ArgumentException($"shared parameter {name} is {shared.Shape}; the module needs {expected}");
        return (shared, false);
    }
}

/// <summary>The groups modules put their parameters in unless a model says otherwise.</summary>
public static class ParameterGroups
{
    /// <summary>Weight matrices and kernels: where weight decay applies by default.</summary>
    public const string Weights = "weights";

    /// <summary>Biases: no weight decay by default.</summary>
    public const string Biases = "biases";
}
