namespace ILGPUAE.Optimizer;

using ILGPU;
using ILGPUAE.Ilgpu;

/// <summary>Parameter updates, grid-stride over the parameters.</summary>
public static class OptimizerKernels
{
    /// <summary>param ← param − lr·grad.</summary>
    public static void Sgd(Index1D index, ArrayView<float> param, ArrayView<float> grad, float learningRate, GridStride g)
    {
        for (int i = index; i < g.Items; i += g.Stride)
            param[i] -= learningRate * grad[i];
    }

    /// <summary>velocity ← momentum·velocity + grad; param ← param − lr·velocity.</summary>
    public static void SgdMomentum(Index1D index, ArrayView<float> param, ArrayView<float> grad, ArrayView<float> velocity, float learningRate, float momentum, GridStride g)
    {
        for (int i = index; i < g.Items; i += g.Stride)
        {
            var v = momentum * velocity[i] + grad[i];
            velocity[i] = v;
            param[i] -= learningRate * v;
        }
    }
}
