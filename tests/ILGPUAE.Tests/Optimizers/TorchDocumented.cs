namespace ILGPUAE.Tests.Optimizers;

/// <summary>
/// PyTorch's optimizers as the "Algorithm" boxes of their documentation write them (torch.optim.SGD, RMSprop, Adam, AdamW),
/// re-implemented here plainly, element by element in double, independently of OptimizerReference (which follows the
/// implementation's operation order). Each returns θ after every step t = 1 … T for the gradients g_1 … g_T.
/// </summary>
internal static class TorchDocumented
{
    /// <summary>SGD: γ lr, λ weight decay, μ momentum, τ dampening.</summary>
    public static double[][] Sgd(double[] theta0, double[][] grads, double lr, double momentum, double dampening, double weightDecay, bool nesterov)
    {
        var theta = (double[])theta0.Clone();
        var b = new double[theta.Length];
        var trajectory = new double[grads.Length][];
        for (var t = 1; t <= grads.Length; t++)
        {
            for (var i = 0; i < theta.Length; i++)
            {
                var g = grads[t - 1][i];
                if (weightDecay != 0)
                    g = g + weightDecay * theta[i];
                if (momentum != 0)
                {
                    if (t > 1)
                        b[i] = momentum * b[i] + (1 - dampening) * g;
                    else
                        b[i] = g;
                    if (nesterov)
                        g = g + momentum * b[i];
                    else
                        g = b[i];
                }
                theta[i] = theta[i] - lr * g;
            }
            trajectory[t - 1] = (double[])theta.Clone();
        }
        return trajectory;
    }

    /// <summary>RMSprop: α alpha, γ lr, λ weight decay, μ momentum, ε eps.</summary>
    public static double[][] RmsProp(double[] theta0, double[][] grads, double lr, double alpha, double eps, double weightDecay, double momentum,
        bool centered)
    {
        var theta = (double[])theta0.Clone();
        var v = new double[theta.Length];
        var b = new double[theta.Length];
        var gAve = new double[theta.Length];
        var trajectory = new double[grads.Length][];
        for (var t = 1; t <= grads.Length; t++)
        {
            for (var i = 0; i < theta.Length; i++)
            {
                var g = grads[t - 1][i];
                if (weightDecay != 0)
                    g = g + weightDecay * theta[i];
                v[i] = alpha * v[i] + (1 - alpha) * g * g;
                var vTilde = v[i];
                if (centered)
                {
                    gAve[i] = gAve[i] * alpha + (1 - alpha) * g;
                    vTilde = vTilde - gAve[i] * gAve[i];
                }
                if (momentum > 0)
                {
                    b[i] = momentum * b[i] + g / (Math.Sqrt(vTilde) + eps);
                    theta[i] = theta[i] - lr * b[i];
                }
                else
                {
                    theta[i] = theta[i] - lr * g / (Math.Sqrt(vTilde) + eps);
                }
            }
            trajectory[t - 1] = (double[])theta.Clone();
        }
        return trajectory;
    }

    /// <summary>Adam (λ as L2 on the gradient) or AdamW (θ ← θ − γλθ first): γ lr, β1, β2, ε, λ.</summary>
    public static double[][] Adam(double[] theta0, double[][] grads, double lr, double beta1, double beta2, double eps, double weightDecay, bool adamW)
    {
        var theta = (double[])theta0.Clone();
        var m = new double[theta.Length];
        var v = new double[theta.Length];
        var trajectory = new double[grads.Length][];
        for (var t = 1; t <= grads.Length; t++)
        {
            for (var i = 0; i < theta.Length; i++)
            {
                var g = grads[t - 1][i];
                if (adamW)
                    theta[i] = theta[i] - lr * weightDecay * theta[i];
                else if (weightDecay != 0)
                    g = g + weightDecay * theta[i];
                m[i] = beta1 * m[i] + (1 - beta1) * g;
                v[i] = beta2 * v[i] + (1 - beta2) * g * g;
                var mHat = m[i] / (1 - Math.Pow(beta1, t));
                var vHat = v[i] / (1 - Math.Pow(beta2, t));
                theta[i] = theta[i] - lr * mHat / (Math.Sqrt(vHat) + eps);
            }
            trajectory[t - 1] = (double[])theta.Clone();
        }
        return trajectory;
    }

    /// <summary>torch.nn.utils.clip_grad_norm_'s documentation: the norm of all gradients together, scaled to max_norm when above it.</summary>
    public static double ClipGradNorm(double[][] grads, double maxNorm)
    {
        var squares = 0.0;
        foreach (var g in grads)
            foreach (var x in g)
                squares += x * x;
        var total = Math.Sqrt(squares);
        var coefficient = maxNorm / (total + 1e-6);
        if (coefficient < 1)
            foreach (var g in grads)
                for (var i = 0; i < g.Length; i++)
                    g[i] *= coefficient;
        return total;
    }
}
