namespace ILGPUAE.Activation;

using System.Runtime.Intrinsics;

/// <summary>
/// One activation function: what the kernels evaluate in float (ILGPU kernels and the host's scalar loops), the
/// host's Vector512 form of the same, and the double-precision reference the checks compare them with. Kernels are
/// generic over it (<c>where TAct : struct, IActivation</c>) and call its members on <c>default(TAct)</c>, the pattern
/// of ILGPU's own <c>IScanReduceOperation&lt;T&gt;</c> (static abstract members compile too, on the CPU accelerator and
/// for PTX, in ILGPU 1.5.3; instance members match the GEMM's epilogue and tile-shape structs). Members must be pure
/// and use only what ILGPU can compile: float arithmetic, comparisons, MathF.Exp.
/// <para>
/// The derivative is written through the output y = act(a), which is what a backward pass has kept: act′(a) expressed
/// in y. Adding an activation is one struct here, a value of <see cref="Backend.Activation"/>, its case in
/// <see cref="Activations.Visit{TResult}"/>, and its test.
/// </para>
/// </summary>
public interface IActivation
{
    /// <summary>The runtime selector that names this activation.</summary>
    Backend.Activation Kind { get; }

    /// <summary>y = act(a).</summary>
    float Apply(float a);

    /// <summary>act′(a) written through y = act(a).</summary>
    float DerivativeFromOutput(float y);

    /// <summary>
    /// gradient · act′ through y: a backward pass's delta. Each activation fixes the order of its float operations here
    /// (the sigmoid's is gradient·y·(1 − y), left to right, not gradient·(y·(1 − y))), so every kernel rounds it alike.
    /// </summary>
    float Backward(float gradient, float y);

    /// <summary><see cref="Apply(float)"/> on 16 lanes (the host provider).</summary>
    Vector512<float> Apply(Vector512<float> a);

    /// <summary><see cref="Backward(float, float)"/> on 16 lanes, in the same order of operations.</summary>
    Vector512<float> Backward(Vector512<float> gradient, Vector512<float> y);

    /// <summary>act(a) in double: the reference.</summary>
    double ApplyReference(double a);

    /// <summary>act′(a) written through y = act(a), in double: the reference.</summary>
    double DerivativeFromOutputReference(double y);
}

/// <summary>Code generic over the activation, run for the one that an <see cref="Backend.Activation"/> names (<see cref="Activations.Visit{TResult}"/>).</summary>
public interface IActivationVisitor<out TResult>
{
    TResult Visit<TAct>() where TAct : struct, IActivation;
}

/// <summary>Maps the runtime selector <see cref="Backend.Activation"/> to its struct: the one place that does.</summary>
public static class Activations
{
    /// <summary>Every activation, in the order of <see cref="Backend.Activation"/>'s values.</summary>
    public static IReadOnlyList<Backend.Activation> All { get; } = Enum.GetValues<Backend.Activation>();

    /// <summary>Runs <paramref name="visitor"/> with the struct of <paramref name="activation"/> as its type argument.</summary>
    public static TResult Visit<TResult>(Backend.Activation activation, IActivationVisitor<TResult> visitor) => activation switch
    {
        Backend.Activation.Identity => visitor.Visit<Identity>(),
        Backend.Activation.Sigmoid => visitor.Visit<Sigmoid>(),
        Backend.Activation.Tanh => visitor.Visit<Tanh>(),
        Backend.Activation.Relu => visitor.Visit<Relu>(),
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "no activation struct for this value"),
    };

    /// <summary>The struct of <paramref name="activation"/>, boxed: for references and tests, where an interface call per element costs nothing that matters.</summary>
    public static IActivation Of(Backend.Activation activation) => Visit(activation, Boxer.Instance);

    private sealed class Boxer : IActivationVisitor<IActivation>
    {
        public static readonly Boxer Instance = new();

        public IActivation Visit<TAct>() where TAct : struct, IActivation => default(TAct);
    }
}
