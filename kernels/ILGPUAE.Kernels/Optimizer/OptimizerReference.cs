namespace ILGPUAE.Optimizer;

using ILGPUAE.Backend;

/// <summary>
/// Double-precision references for <see cref="IOptimizer"/>: PyTorch's update rules (torch.optim, single-tensor
/// implementation) element by element, every scalar setting widened to double. State spans start zero-filled.
/// </summary>
public static class OptimizerReference
{
    /// <summary>PyTorch's SGD, dampening 0, no Nesterov, no weight decay: the trainers' <see cref="IOptimizer.Sgd(Tensor{float}, Tensor{float}, Tensor{float}?, float, float)"/>.</summary>
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

    /// <summary>torch.optim.SGD at the parameter's step t ≥ 1 (t = 1: the momentum buffer is created as a copy of d). param, grad, buf [n].</summary>
    public static void Sgd(Span<double> param, ReadOnlySpan<double> grad, Span<double> momentumBuffer, in SgdSettings s, long step)
    {
        double lr = s.LearningRate, mu = s.Momentum, dampening = s.Dampening, wd = s.WeightDecay;
        for (var i = 0; i < param.Length; i++)
        {
            var d = grad[i] + wd * param[i];
            if (mu != 0)
            {
                momentumBuffer[i] = step == 1 ? d : mu * momentumBuffer[i] + (1 - dampening) * d;
                d = s.Nesterov ? d + mu * momentumBuffer[i] : momentumBuffer[i];
            }
            param[i] -= lr * d;
        }
    }

    /// <summary>torch.optim.RMSprop. param, grad, squareAvg [n]; gradAvg [n] when centered, momentumBuffer [n] when momentum &gt; 0 (else empty).</summary>
    public static void RmsProp(Span<double> param, ReadOnlySpan<double> grad, Span<double> squareAvg, Span<double> gradAvg, Span<double> momentumBuffer,
        in RmsPropSettings s)
    {
        double lr = s.LearningRate, alpha = s.Alpha, eps = s.Epsilon, wd = s.WeightDecay, mu = s.Momentum;
        for (var i = 0; i < param.Length; i++)
        {
            var d = grad[i] + wd * param[i];
            squareAvg[i] = alpha * squareAvg[i] + (1 - alpha) * d * d;
            double avg;
            if (s.Centered)
            {
                gradAvg[i] = alpha * gradAvg[i] + (1 - alpha) * d;
                avg = Math.Sqrt(squareAvg[i] - gradAvg[i] * gradAvg[i]) + eps;
            }
            else
            {
                avg = Math.Sqrt(squareAvg[i]) + eps;
            }
            if (mu > 0)
            {
                momentumBuffer[i] = mu * momentumBuffer[i] + d / avg;
                param[i] -= lr * momentumBuffer[i];
            }
            else
            {
                param[i] -= lr * d / avg;
            }
        }
    }

    /// <summary>torch.optim.Adam (L2 weight decay) or AdamW (decoupled) at step t ≥ 1, bias-corrected. param, grad, expAvg, expAvgSq [n].</summary>
    public static void Adam(Span<double> param, ReadOnlySpan<double> grad, Span<double> expAvg, Span<double> expAvgSq, in AdamSettings s, long step)
    {
        double lr = s.LearningRate, beta1 = s.Beta1, beta2 = s.Beta2, eps = s.Epsilon, wd = s.WeightDecay;
        var stepSize = lr / (1 - Math.Pow(beta1, step));
        var bc2Sqrt = Math.Sqrt(1 - Math.Pow(beta2, step));
        for (var i = 0; i < param.Length; i++)
        {
            if (s.Decoupled)
                param[i] *= 1 - lr * wd;
            var d = s.Decoupled ? grad[i] : grad[i] + wd * param[i];
            expAvg[i] = beta1 * expAvg[i] + (1 - beta1) * d;
            expAvgSq[i] = beta2 * expAvgSq[i] + (1 - beta2) * d * d;
            param[i] -= stepSize * expAvg[i] / (Math.Sqrt(expAvgSq[i]) / bc2Sqrt + eps);
        }
    }

    /// <summary>
    /// FISTA's iteration k ≥ 1 (<see cref="IOptimizer.Fista"/>): param holds y_k and becomes y_{k+1} (x_k when last); previous holds x_{k−1}
    /// and becomes x_k. The soft threshold is written as the textbook's cases, the sequence s_k recomputed from s_1 = 1.
    /// </summary>
    public static void Fista(Span<double> param, ReadOnlySpan<double> grad, Span<double> previous, in FistaSettings s, long step)
    {
        double e = s.StepSize, threshold = (double)s.StepSize * s.L1, wd = s.WeightDecay;
        double sk = 1;
        for (var k = 1; k < step; k++)
            sk = (1 + Math.Sqrt(1 + 4 * sk * sk)) / 2;
        var sNext = (1 + Math.Sqrt(1 + 4 * sk * sk)) / 2;
        var momentum = (sk - 1) / sNext;
        for (var i = 0; i < param.Length; i++)
        {
            var z = param[i] - e * (grad[i] + wd * param[i]);
            var x = z > threshold ? z - threshold : z < -threshold ? z + threshold : 0.0;
            param[i] = step == 1 || s.Last ? x : x + momentum * (x - previous[i]);
            previous[i] = x;
        }
    }

    /// <summary>
    /// torch.nn.utils.clip_grad_norm_ (L2): scales every gradient by min(1, maxNorm / (total + 1e-6)) and returns the total norm
    /// ‖(every element of grads)‖₂ before clipping.
    /// </summary>
    public static double ClipGradNorm(IReadOnlyList<double[]> grads, double maxNorm)
    {
        var sum = 0.0;
        foreach (var g in grads)
            foreach (var v in g)
                sum += v * v;
        var total = Math.Sqrt(sum);
        var coefficient = Math.Min(1.0, maxNorm / (total + OptimizerMath.ClipEpsilon));
        foreach (var g in grads)
            for (var i = 0; i < g.Length; i++)
                g[i] *= coefficient;
        return total;
    }
}
