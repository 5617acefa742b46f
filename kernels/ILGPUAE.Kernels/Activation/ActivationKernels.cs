namespace ILGPUAE.Activation;

using ILGPU;
using ILGPUAE.Ilgpu;

/// <summary>Element-wise activation kernels over an [M,N] matrix, grid-stride over its elements.</summary>
public static class ActivationKernels
{
    public static float Sigmoid(float a) => 1f / (1f + MathF.Exp(-a));

    /// <summary>x[i] ← sigmoid(x[i] + bias[i mod N]).</summary>
    public static void BiasSigmoid(Index1D index, ArrayView<float> x, ArrayView<float> bias, GridStride g)
    {
        var n = (int)bias.Length;
        for (int i = index; i < g.Items; i += g.Stride)
            x[i] = Sigmoid(x[i] + bias[i % n]);
    }

    /// <summary>x[i] ← x[i] + bias[i mod N].</summary>
    public static void BiasIdentity(Index1D index, ArrayView<float> x, ArrayView<float> bias, GridStride g)
    {
        var n = (int)bias.Length;
        for (int i = index; i < g.Items; i += g.Stride)
            x[i] = x[i] + bias[i % n];
    }

    /// <summary>grad[i] ← grad[i] · y[i](1 − y[i]).</summary>
    public static void SigmoidBackward(Index1D index, ArrayView<float> grad, ArrayView<float> y, GridStride g)
    {
        for (int i = index; i < g.Items; i += g.Stride)
        {
            var v = y[i];
            grad[i] = grad[i] * v * (1f - v);
        }
    }
}
