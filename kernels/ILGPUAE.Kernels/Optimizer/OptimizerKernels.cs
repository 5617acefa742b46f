namespace ILGPUAE.Optimizer;

using ILGPU;

/// <summary>Parameter updates, one thread per parameter.</summary>
public static class OptimizerKernels
{
    /// <summary>param ← param − lr·grad.</summary>
    public static void Sgd(Index1D i, ArrayView<float> param, ArrayView<float> grad, float learningRate)
    {
        param[i] -= learningRate * grad[i];
    }

    /// <summary>velocity ← momentum·velocity + grad; param ← param − lr·velocity.</summary>
    public static void SgdMomentum(Index1D i, ArrayView<float> param, ArrayView<float> grad, ArrayView<float> velocity, float learningRate, float momentum)
    {
        var v = momentum * velocity[i] + grad[i];
        velocity[i] = v;
        param[i] -= learningRate * v;
    }
}
