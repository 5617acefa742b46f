namespace ILGPUAE.Modules;

using ILGPUAE.Backend;

/// <summary>
/// One piece of a model. A module allocates its outputs and input-delta buffers once, for the largest batch it is built
/// for, and returns row views of them, so a step allocates nothing.
/// <para>
/// Deltas are taken with respect to pre-activations: <see cref="Backward"/> receives δ = ∂L/∂(this module's output
/// before its activation) and returns δ of the module below, already multiplied by the derivative of that module's
/// activation (<c>inputActivation</c>), so that a GEMM epilogue fuses it into the product that forms it.
/// </para>
/// </summary>
public interface IModule : IDisposable
{
    /// <summary>Values per input row (e.g. 784 for MNIST) and per output row.</summary>
    int Inputs { get; }

    int Outputs { get; }

    /// <summary>The activation applied to the output last (what the module above passes back as its input activation).</summary>
    Activation OutputActivation { get; }

    /// <summary>The parameters this module owns, named as in checkpoints (a tied decoder lists its bias, not the shared W).</summary>
    IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>y [b, Outputs] for x [b, Inputs]; the module keeps x for <see cref="Backward"/>. Returns a view of its buffer.</summary>
    Tensor<float> Forward(Tensor<float> x, in StepContext context);

    /// <summary>
    /// Adds ∂L/∂θ into each parameter's gradient (the step's first contribution overwrites it: see
    /// <see cref="Parameter.GradientBeta"/>) for δ [b, Outputs] of the last <see cref="Forward"/>, and returns δ of the
    /// input (through <paramref name="inputActivation"/>'s derivative at the input), or null when
    /// <paramref name="needInputDelta"/> is false (the first module, or one above frozen layers).
    /// </summary>
    Tensor<float>? Backward(Tensor<float> delta, in StepContext context, Activation inputActivation, bool needInputDelta);
}
