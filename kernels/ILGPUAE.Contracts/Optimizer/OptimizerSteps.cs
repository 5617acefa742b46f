namespace ILGPUAE.Optimizer;

using System.Runtime.Intrinsics;
using ILGPUAE.Backend;

/// <summary>The scalars of one torch.optim.SGD launch (OptimizerKernels.SgdRule, the host job); flags are ints, as kernels take them.</summary>
public readonly struct SgdStep
{
    public SgdStep(in SgdSettings settings, long step)
    {
        LearningRate = settings.LearningRate;
        Momentum = settings.Momentum;
        // PyTorch evaluates 1 − dampening in double and hands the float product to add_(alpha=…).
        OneMinusDampening = (float)(1.0 - settings.Dampening);
        WeightDecay = settings.WeightDecay;
        Nesterov = settings.Nesterov ? 1 : 0;
        FirstStep = step == 1 ? 1 : 0;
    }

    public float LearningRate { get; }
    public float Momentum { get; }
    public float OneMinusDampening { get; }
    public float WeightDecay { get; }
    public int Nesterov { get; }

    /// <summary>1 on the parameter's first step: PyTorch then sets buf = d (no dampening), not μ·0 + (1 − dampening)·d.</summary>
    public int FirstStep { get; }

    /// <summary>
    /// One element of torch.optim.SGD, the arithmetic both the ILGPU kernel and the host job run: returns the new parameter
    /// for parameter <paramref name="p"/> and gradient <paramref name="g"/>; <paramref name="buf"/> (the momentum buffer) is
    /// read and written only when <see cref="Momentum"/> ≠ 0.
    /// </summary>
    public float Update(float p, float g, ref float buf)
    {
        var d = g;
        if (WeightDecay != 0f)
            d += WeightDecay * p;
        if (Momentum != 0f)
        {
            var b = FirstStep != 0 ? d : Momentum * buf + OneMinusDampening * d;
            buf = b;
            d = Nesterov != 0 ? d + Momentum * b : b;
        }
        return p - LearningRate * d;
    }

    /// <summary>
    /// <see cref="Update(float, float, ref float)"/> on 16 elements, operation for operation in the same order (IEEE
    /// +, −, ×, ÷ and √ round each lane as the scalar does), so the host's lanes give the kernel's bits.
    /// </summary>
    public Vector512<float> Update(Vector512<float> p, Vector512<float> g, ref Vector512<float> buf)
    {
        var d = g;
        if (WeightDecay != 0f)
            d += Vector512.Create(WeightDecay) * p;
        if (Momentum != 0f)
        {
            var b = FirstStep != 0 ? d : Vector512.Create(Momentum) * buf + Vector512.Create(OneMinusDampening) * d;
            buf = b;
            d = Nesterov != 0 ? d + Vector512.Create(Momentum) * b : b;
        }
        return p - Vector512.Create(LearningRate) * d;
    }
}

/// <summary>The scalars of one RMSprop launch.</summary>
public readonly struct RmsPropStep
{
    public RmsPropStep(in RmsPropSettings settings)
    {
        LearningRate = settings.LearningRate;
        Alpha = settings.Alpha;
        OneMinusAlpha = (float)(1.0 - settings.Alpha);
        Epsilon = settings.Epsilon;
        WeightDecay = settings.WeightDecay;
        Momentum = settings.Momentum;
        Centered = settings.Centered ? 1 : 0;
    }

    public float LearningRate { get; }
    public float Alpha { get; }
    public float OneMinusAlpha { get; }
    public float Epsilon { get; }
    public float WeightDecay { get; }
    public float Momentum { get; }
    public int Centered { get; }

    /// <summary>
    /// One element of torch.optim.RMSprop (both providers run it): returns the new parameter; <paramref name="gradAvg"/> is
    /// read and written only when <see cref="Centered"/>, <paramref name="buf"/> only when <see cref="Momentum"/> &gt; 0.
    /// </summary>
    public float Update(float p, float g, ref float squareAvg, ref float gradAvg, ref float buf)
    {
        var d = g;
        if (WeightDecay != 0f)
            d += WeightDecay * p;
        var v = Alpha * squareAvg + OneMinusAlpha * d * d;
        squareAvg = v;
        float avg;
        if (Centered != 0)
        {
            var m = Alpha * gradAvg + OneMinusAlpha * d;
            gradAvg = m;
            avg = MathF.Sqrt(v - m * m) + Epsilon;
        }
        else
        {
            avg = MathF.Sqrt(v) + Epsilon;
        }
        if (Momentum > 0f)
        {
            var b = Momentum * buf + d / avg;
            buf = b;
            return p - LearningRate * b;
        }
        return p - LearningRate * (d / avg);
    }

    /// <summary><see cref="Update(float, float, ref float, ref float, ref float)"/> on 16 elements, operation for operation (the same bits).</summary>
    public Vector512<float> Update(Vector512<float> p, Vector512<float> g, ref Vector512<float> squareAvg, ref Vector512<float> gradAvg, ref Vector512<float> buf)
    {
        var d = g;
        if (WeightDecay != 0f)
            d += Vector512.Create(WeightDecay) * p;
        var alpha = Vector512.Create(Alpha);
        var oneMinusAlpha = Vector512.Create(OneMinusAlpha);
        var v = alpha * squareAvg + oneMinusAlpha * d * d;
        squareAvg = v;
        Vector512<float> avg;
        if (Centered != 0)
        {
            var m = alpha * gradAvg + oneMinusAlpha * d;
            gradAvg = m;
            avg = Vector512.Sqrt(v - m * m) + Vector512.Create(Epsilon);
        }
        else
        {
            avg = Vector512.Sqrt(v) + Vector512.Create(Epsilon);
        }
        if (Momentum > 0f)
        {
            var b = Vector512.Create(Momentum) * buf + d / avg;
            buf = b;
            return p - Vector512.Create(LearningRate) * b;
        }
        return p - Vector512.Create(LearningRate) * (d / avg);
    }
}

/// <summary>The scalars of one Adam launch, bias corrections computed on the host for step t.</summary>
public readonly struct AdamStep
{
    public AdamStep(in AdamSettings settings, long step)
    {
        Beta1 = settings.Beta1;
        OneMinusBeta1 = (float)(1.0 - settings.Beta1);
        Beta2 = settings.Beta2;
        OneMinusBeta2 = (float)(1.0 - settings.Beta2);
        Epsilon = settings.Epsilon;
        L2 = settings.Decoupled ? 0f : settings.WeightDecay;
        DecayFactor = OptimizerMath.DecayFactor(settings);
        (StepSize, Bc2Sqrt) = OptimizerMath.AdamBiasCorrections(settings, step);
    }

    public float Beta1 { get; }
    public float OneMinusBeta1 { get; }
    public float Beta2 { get; }
    public float OneMinusBeta2 { get; }
    public float Epsilon { get; }

    /// <summary>Adam's L2 coefficient (0 for AdamW).</summary>
    public float L2 { get; }

    /// <summary>AdamW's 1 − lr·wd (1 for Adam).</summary>
    public float DecayFactor { get; }

    /// <summary>lr / (1 − β1ᵗ).</summary>
    public float StepSize { get; }

    /// <summary>√(1 − β2ᵗ).</summary>
    public float Bc2Sqrt { get; }

    /// <summary>One element of torch.optim.Adam / AdamW (both providers run it): returns the new parameter and updates both moments.</summary>
    public float Update(float param, float g, ref float expAvg, ref float expAvgSq)
    {
        var p = param * DecayFactor;
        var d = g;
        if (L2 != 0f)
            d += L2 * p;
        var m = Beta1 * expAvg + OneMinusBeta1 * d;
        var v = Beta2 * expAvgSq + OneMinusBeta2 * d * d;
        expAvg = m;
        expAvgSq = v;
        return p - StepSize * (m / (MathF.Sqrt(v) / Bc2Sqrt + Epsilon));
    }

    /// <summary><see cref="Update(float, float, ref float, ref float)"/> on 16 elements, operation for operation (the same bits).</summary>
    public Vector512<float> Update(Vector512<float> param, Vector512<float> g, ref Vector512<float> expAvg, ref Vector512<float> expAvgSq)
    {
        var p = param * Vector512.Create(DecayFactor);
        var d = g;
        if (L2 != 0f)
            d += Vector512.Create(L2) * p;
        var m = Vector512.Create(Beta1) * expAvg + Vector512.Create(OneMinusBeta1) * d;
        var v = Vector512.Create(Beta2) * expAvgSq + Vector512.Create(OneMinusBeta2) * d * d;
        expAvg = m;
        expAvgSq = v;
        return p - Vector512.Create(StepSize) * (m / (Vector512.Sqrt(v) / Vector512.Create(Bc2Sqrt) + Vector512.Create(Epsilon)));
    }
}

/// <summary>The scalars of one FISTA launch at iteration k, the extrapolation coefficient computed on the host in double.</summary>
public readonly struct FistaStep
{
    public FistaStep(in FistaSettings settings, long step)
    {
        StepSize = settings.StepSize;
        Threshold = (float)((double)settings.StepSize * settings.L1);
        WeightDecay = settings.WeightDecay;
        Momentum = (float)OptimizerMath.FistaMomentum(step);
        Extrapolate = step == 1 || settings.Last ? 0 : 1;
    }

    /// <summary>e.</summary>
    public float StepSize { get; }

    /// <summary>e·λ, the soft threshold (0: the prox is the identity).</summary>
    public float Threshold { get; }

    public float WeightDecay { get; }

    /// <summary>(s_k − 1)/s_{k+1}.</summary>
    public float Momentum { get; }

    /// <summary>0 at k = 1 (y_2 = x_1, and previous, whatever it held, is not read) and at the loop's last iteration (param ← x_k).</summary>
    public int Extrapolate { get; }

    /// <summary>
    /// One element (both providers run it): returns y_{k+1} (x_k at the last iteration) for y_k = <paramref name="y"/> and gradient <paramref name="g"/>,
    /// and leaves x_k in <paramref name="previous"/>.
    /// </summary>
    public float Update(float y, float g, ref float previous)
    {
        var d = g;
        if (WeightDecay != 0f)
            d += WeightDecay * y;
        var z = y - StepSize * d;
        var x = z - MathF.Min(MathF.Max(z, -Threshold), Threshold);
        var next = Extrapolate == 0 ? x : x + Momentum * (x - previous);
        previous = x;
        return next;
    }

    /// <summary><see cref="Update(float, float, ref float)"/> on 16 elements, operation for operation (the same bits).</summary>
    public Vector512<float> Update(Vector512<float> y, Vector512<float> g, ref Vector512<float> previous)
    {
        var d = g;
        if (WeightDecay != 0f)
            d += Vector512.Create(WeightDecay) * y;
        var z = y - Vector512.Create(StepSize) * d;
        var t = Vector512.Create(Threshold);
        var x = z - Vector512.Min(Vector512.Max(z, -t), t);
        var next = Extrapolate == 0 ? x : x + Vector512.Create(Momentum) * (x - previous);
        previous = x;
        return next;
    }
}
