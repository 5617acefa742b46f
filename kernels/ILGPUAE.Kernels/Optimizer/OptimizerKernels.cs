namespace ILGPUAE.Optimizer;

using ILGPU;
using ILGPUAE.Ilgpu;

/// <summary>
/// Parameter updates, grid-stride over the parameters. The rules follow PyTorch's single-tensor implementations
/// operation by operation (see <see cref="Backend.IOptimizer"/>); a state view that a rule's settings do not use is
/// never touched (the launcher passes param in its place).
/// </summary>
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

    /// <summary>torch.optim.SGD: param, grad, buf [n].</summary>
    public static void SgdRule(Index1D index, ArrayView<float> param, ArrayView<float> grad, ArrayView<float> buf, SgdStep s, GridStride g)
    {
        for (int i = index; i < g.Items; i += g.Stride)
        {
            // The buffer is touched only with momentum (it may be empty without).
            var b = s.Momentum != 0f ? buf[i] : 0f;
            param[i] = s.Update(param[i], grad[i], ref b);
            if (s.Momentum != 0f)
                buf[i] = b;
        }
    }

    /// <summary>torch.optim.RMSprop: param, grad, squareAvg, gradAvg (centered), buf (momentum) [n].</summary>
    public static void RmsProp(Index1D index, ArrayView<float> param, ArrayView<float> grad, ArrayView<float> squareAvg, ArrayView<float> gradAvg,
        ArrayView<float> buf, RmsPropStep s, GridStride g)
    {
        for (int i = index; i < g.Items; i += g.Stride)
        {
            // The optional state is touched only when its option is on (the views may be empty without).
            var v = squareAvg[i];
            var m = s.Centered != 0 ? gradAvg[i] : 0f;
            var b = s.Momentum > 0f ? buf[i] : 0f;
            param[i] = s.Update(param[i], grad[i], ref v, ref m, ref b);
            squareAvg[i] = v;
            if (s.Centered != 0)
                gradAvg[i] = m;
            if (s.Momentum > 0f)
                buf[i] = b;
        }
    }

    /// <summary>torch.optim.Adam / AdamW: param, grad, expAvg, expAvgSq [n].</summary>
    public static void Adam(Index1D index, ArrayView<float> param, ArrayView<float> grad, ArrayView<float> expAvg, ArrayView<float> expAvgSq,
        AdamStep s, GridStride g)
    {
        for (int i = index; i < g.Items; i += g.Stride)
        {
            var m = expAvg[i];
            var v = expAvgSq[i];
            param[i] = s.Update(param[i], grad[i], ref m, ref v);
            expAvg[i] = m;
            expAvgSq[i] = v;
        }
    }

    /// <summary>FISTA iteration k: param (y_k → y_{k+1}), grad, previous (x_{k−1} → x_k) [n].</summary>
    public static void Fista(Index1D index, ArrayView<float> param, ArrayView<float> grad, ArrayView<float> previous, FistaStep s, GridStride g)
    {
        for (int i = index; i < g.Items; i += g.Stride)
        {
            var x = previous[i];
            param[i] = s.Update(param[i], grad[i], ref x);
            previous[i] = x;
        }
    }

    /// <summary>
    /// partials[t] (+)= Σ grad[i]² over i = t, t + P, … for P = partials' length threads: each thread owns one partial, so the
    /// sum is free of atomics and its order fixed. accumulate = 0 for the first gradient of a clip.
    /// </summary>
    public static void SquaredNormPartials(Index1D index, ArrayView<float> grad, ArrayView<float> partials, int accumulate)
    {
        var sum = 0f;
        for (long i = index.X; i < grad.Length; i += partials.Length)
            sum += grad[i] * grad[i];
        partials[index] = accumulate != 0 ? partials[index] + sum : sum;
    }

    /// <summary>One thread: norm[0] = √Σ partials, norm[1] = min(1, maxNorm / (norm[0] + 1e-6)), the order of the sum fixed.</summary>
    public static void ClipCoefficient(Index1D index, ArrayView<float> partials, ArrayView<float> norm, float maxNorm)
    {
        var total = 0f;
        for (var t = 0L; t < partials.Length; t++)
            total += partials[t];
        var n = MathF.Sqrt(total);
        norm[0] = n;
        norm[1] = MathF.Min(1f, maxNorm / (n + OptimizerMath.ClipEpsilon));
    }

    /// <summary>grad[i] ← grad[i] · norm[1]: the clip coefficient read on the device.</summary>
    public static void ScaleByCoefficient(Index1D index, ArrayView<float> grad, ArrayView<float> norm, GridStride g)
    {
        var c = norm[1];
        for (int i = index; i < g.Items; i += g.Stride)
            grad[i] *= c;
    }
}
