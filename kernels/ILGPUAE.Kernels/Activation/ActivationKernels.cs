namespace ILGPUAE.Activation;

using ILGPU;

/// <summary>Element-wise activation kernels; one thread per element of an [M,N] matrix.</summary>
public static class ActivationKernels
{
    public static float Sigmoid(float a) => 1f / (1f + MathF.Exp(-a));

    /// <summary>x[i] ← sigmoid(x[i] + bias[i mod N]).</summary>
    public static void BiasSigmoid(Index1D i, ArrayView<float> x, ArrayView<float> bias)
    {
        var n = (int)bias.Length;
        x[i] = Sigmoid(x[i] + bias[i % n]);
    }

    /// <summary>x[i] ← x[i] + bias[i mod N].</summary>
    public static void BiasIdentity(Index1D i, ArrayView<float> x, ArrayView<float> bias)
    {
        var n = (int)bias.Length;
        x[i] = x[i] + bias[i % n];
    }

    /// <summary>grad[i] ← grad[i] · y[i](1 − y[i]).</summary>
    public static void SigmoidBackward(Index1D i, ArrayView<float> grad, ArrayView<float> y)
    {
        var v = y[i];
        grad[i] = grad[i] * v * (1f - v);
    }
}
