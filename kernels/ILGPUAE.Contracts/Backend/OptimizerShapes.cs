namespace ILGPUAE.Backend;

/// <summary>Shape checks of the optimizer rules: every state tensor has its parameter's shape.</summary>
public static partial class Shapes
{
    /// <summary>param, grad and (with momentum) the momentum buffer of one shape; step ≥ 1.</summary>
    public static void SgdRule(Tensor<float> param, Tensor<float> grad, Tensor<float>? momentumBuffer, in SgdSettings settings, long step)
    {
        RequireSame(param, "param", grad, "grad");
        RequireStep(step);
        if (settings.Momentum != 0f)
            RequireState(param, momentumBuffer, "momentum_buffer", "momentum", settings.Momentum);
    }

    /// <summary>param, grad, square_avg; grad_avg when centered; momentum_buffer when momentum &gt; 0: one shape.</summary>
    public static void RmsProp(Tensor<float> param, Tensor<float> grad, Tensor<float> squareAvg, Tensor<float>? gradAvg,
        Tensor<float>? momentumBuffer, in RmsPropSettings settings)
    {
        RequireSame(param, "param", grad, "grad");
        RequireSame(param, "param", squareAvg, "square_avg");
        if (settings.Centered)
            RequireState(param, gradAvg, "grad_avg", "centered", 1f);
        if (settings.Momentum > 0f)
            RequireState(param, momentumBuffer, "momentum_buffer", "momentum", settings.Momentum);
    }

    /// <summary>param, grad, exp_avg, exp_avg_sq of one shape; step ≥ 1 (bias correction divides by 1 − β1ᵗ).</summary>
    public static void Adam(Tensor<float> param, Tensor<float> grad, Tensor<float> expAvg, Tensor<float> expAvgSq, long step)
    {
        RequireSame(param, "param", grad, "grad");
        RequireSame(param, "param", expAvg, "exp_avg");
        RequireSame(param, "param", expAvgSq, "exp_avg_sq");
        RequireStep(step);
    }

    /// <summary>param, grad and previous (the last iterate) of one shape; step ≥ 1; a finite step size and λ ≥ 0.</summary>
    public static void Fista(Tensor<float> param, Tensor<float> grad, Tensor<float> previous, in FistaSettings settings, long step)
    {
        RequireSame(param, "param", grad, "grad");
        RequireSame(param, "param", previous, "previous");
        RequireStep(step);
        if (!(settings.StepSize >= 0f && float.IsFinite(settings.StepSize)))
            throw new ArgumentOutOfRangeException(nameof(settings), settings.StepSize, "expected a finite step size ≥ 0");
        if (!(settings.L1 >= 0f && float.IsFinite(settings.L1)))
            throw new ArgumentOutOfRangeException(nameof(settings), settings.L1, "expected a finite L1 weight λ ≥ 0");
    }

    /// <summary>norm [2] (the total norm and the clip coefficient); at least one gradient, none null.</summary>
    public static void ClipGradNorm(IReadOnlyList<Tensor<float>> grads, float maxNorm, Tensor<float> norm)
    {
        RequireLength(norm, "norm", 2, $"the total norm and the clip coefficient");
        if (grads.Count == 0)
            throw new ArgumentException("clipping by global norm needs at least one gradient", nameof(grads));
        for (var i = 0; i < grads.Count; i++)
            if (grads[i] is null)
                throw new ArgumentNullException(nameof(grads), $"gradient {i} of {grads.Count} is null");
        if (!(maxNorm > 0f) || float.IsInfinity(maxNorm))
            throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "expected a finite max norm > 0");
    }

    /// <summary>The smooth step: x and out of one shape, ε finite and &gt; 0.</summary>
    public static void SmoothStep(Tensor<float> x, float epsilon, Tensor<float> output, string outputName)
    {
        RequireSame(x, "x", output, outputName);
        if (!(epsilon > 0f && float.IsFinite(epsilon)))
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "expected the smooth step's width ε finite and > 0");
    }

    private static void RequireStep(long step)
    {
        if (step < 1)
            throw new ArgumentOutOfRangeException(nameof(step), step, "expected the parameter's step count t ≥ 1 (1 on its first update)");
    }

    private static void RequireState(Tensor<float> param, Tensor<float>? state, string name, string setting, float value)
    {
        if (state is null)
            throw new ArgumentException($"{setting} {value} needs a {name} tensor of shape {param.Shape}", name);
        RequireSame(param, "param", state, name);
    }
}
