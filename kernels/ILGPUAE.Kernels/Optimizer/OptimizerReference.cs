namespace ILGPUAE.Optimizer;

/// <summary>Reference for <see cref="Backend.IOptimizer"/> (PyTorch's SGD, dampening 0).</summary>
public static class OptimizerReference
{
    public static void Sgd(Span<double> param, ReadOnlySpan<double> grad, Span<double> velocity, double learningRate, double momentum)
    {
        for (var i = 0; i < param.Length; i++)
        {
            var step = grad[i];
            if (momentum != 0)
            {
                velocity[i] = momentum * velocity[i] + grad[i];
                step = velocity[i];
            }
            param[i] -= learningRate * step;
        }
    }
}
