namespace ILGPUAE.Optimizer;

using ILGPUAE.Backend;

/// <summary>The per-step scalars the optimizer rules compute on the host, where the step count t is known.</summary>
public static class OptimizerMath
{
    /// <summary>clip_grad_norm_'s guard against a zero norm: coefficient = maxNorm / (norm + 1e-6).</summary>
    public const float ClipEpsilon = 1e-6f;

    /// <summary>
    /// Adam's bias corrections at step t, in double as PyTorch evaluates them in Python: StepSize = lr / (1 − β1ᵗ) and
    /// Bc2Sqrt = √(1 − β2ᵗ); the kernels then compute param ← param − StepSize · exp_avg / (√exp_avg_sq / Bc2Sqrt + eps).
    /// </summary>
    public static (float StepSize, float Bc2Sqrt) AdamBiasCorrections(in AdamSettings settings, long step)
    {
        var bc1 = 1.0 - Math.Pow(settings.Beta1, step);
        var bc2 = 1.0 - Math.Pow(settings.Beta2, step);
        return ((float)(settings.LearningRate / bc1), (float)Math.Sqrt(bc2));
    }

    /// <summary>AdamW's decoupled decay factor 1 − lr·wd, applied to param first (1 for Adam, whose decay is L2).</summary>
    public static float DecayFactor(in AdamSettings settings) =>
        settings.Decoupled ? 1f - settings.LearningRate * settings.WeightDecay : 1f;

    /// <summary>
    /// FISTA's extrapolation coefficient at iteration k = <paramref name="step"/> ≥ 1, (s_k − 1)/s_{k+1}, with s_1 = 1 and
    /// s_{k+1} = (1 + √(1 + 4s_k²))/2, in double (0 at k = 1; it rises towards 1 as (k − 1)/(k + 2) does).
    /// </summary>
    public static double FistaMomentum(long step)
    {
        static double Next(double s) => (1.0 + Math.Sqrt(1.0 + 4.0 * s * s)) / 2.0;
        var s = 1.0;
        for (var k = 1L; k < step; k++)
            s = Next(s);
        return (s - 1.0) / Next(s);
    }
}
