namespace ILGPUAE.Activation;

using ILGPUAE.Backend;

/// <summary>Double-precision reference for the activations GEMM epilogues apply (<see cref="GemmEpilogue"/>).</summary>
public static class ActivationReference
{
    public static double Sigmoid(double a) => 1.0 / (1.0 + Math.Exp(-a));

    public static double Apply(Backend.Activation activation, double a) => activation switch
    {
        Backend.Activation.Identity => a,
        Backend.Activation.Sigmoid => Sigmoid(a),
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, null),
    };

    /// <summary>The derivative, written through the output y = act(a).</summary>
    public static double DerivativeFromOutput(Backend.Activation activation, double y) => activation switch
    {
        Backend.Activation.Identity => 1.0,
        Backend.Activation.Sigmoid => y * (1.0 - y),
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, null),
    };

    /// <summary>x[M,N] ← act(x + bias[N]).</summary>
    public static void BiasActivate(int m, int n, Span<double> x, ReadOnlySpan<double> bias, Backend.Activation activation)
    {
        for (var i = 0; i < m; i++)
            for (var j = 0; j < n; j++)
                x[i * n + j] = Apply(activation, x[i * n + j] + bias[j]);
    }

    /// <summary>grad ← grad ⊙ act′(y), element-wise.</summary>
    public static void Backward(Span<double> grad, ReadOnlySpan<double> y, Backend.Activation activation)
    {
        for (var i = 0; i < grad.Length; i++)
            grad[i] *= DerivativeFromOutput(activation, y[i]);
    }
}
