namespace ILGPUAE.Activation;

using ILGPUAE.Backend;

/// <summary>
/// Double-precision reference for the activations GEMM epilogues apply (<see cref="GemmEpilogue"/>): loops over the
/// references the activation structs hold (<see cref="IActivation.ApplyReference"/>,
/// <see cref="IActivation.DerivativeFromOutputReference"/>), which are the one definition of each function.
/// </summary>
public static class ActivationReference
{
    public static double Sigmoid(double a) => default(Sigmoid).ApplyReference(a);

    public static double Apply(Backend.Activation activation, double a) => Activations.Of(activation).ApplyReference(a);

    /// <summary>The derivative, written through the output y = act(a).</summary>
    public static double DerivativeFromOutput(Backend.Activation activation, double y) => Activations.Of(activation).DerivativeFromOutputReference(y);

    /// <summary>x[M,N] ← act(x + bias[N]).</summary>
    public static void BiasActivate(int m, int n, Span<double> x, ReadOnlySpan<double> bias, Backend.Activation activation)
    {
        var act = Activations.Of(activation);
        for (var i = 0; i < m; i++)
            for (var j = 0; j < n; j++)
                x[i * n + j] = act.ApplyReference(x[i * n + j] + bias[j]);
    }

    /// <summary>grad ← grad ⊙ act′(y), element-wise.</summary>
    public static void Backward(Span<double> grad, ReadOnlySpan<double> y, Backend.Activation activation)
    {
        var act = Activations.Of(activation);
        for (var i = 0; i < grad.Length; i++)
            grad[i] *= act.DerivativeFromOutputReference(y[i]);
    }
}
