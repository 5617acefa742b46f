namespace ILGPUAE.Optimizer;

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
}
