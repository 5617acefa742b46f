namespace ILGPUAE.Optimizers;

using System.Text.Json.Serialization;

/// <summary>
/// A training run's update rule beside its learning rate and momentum (which runs keep as options of their own, as they did
/// before the other rules existed): torch.optim's SGD, Nesterov, RMSprop, Adam or AdamW with PyTorch's defaults, weight decay
/// on the weights group, and clipping by global gradient norm. Saved in a run's options; files without it are SGD.
/// </summary>
public sealed record OptimizerChoice
{
    [JsonConverter(typeof(IO.NamedEnumConverter<OptimizerKind>))]
    public OptimizerKind Kind { get; init; } = OptimizerKind.Sgd;

    /// <summary>On weights only (biases are not decayed): L2 added to the gradient, or decoupled for AdamW.</summary>
    public float WeightDecay { get; init; }

    /// <summary>Adam's and AdamW's β₁ and β₂.</summary>
    public float Beta1 { get; init; } = 0.9f;

    public float Beta2 { get; init; } = 0.999f;

    /// <summary>RMSprop's and Adam's ε.</summary>
    public float Epsilon { get; init; } = 1e-8f;

    /// <summary>RMSprop's smoothing constant α.</summary>
    public float RmsPropAlpha { get; init; } = 0.99f;

    /// <summary>Clip the trained gradients to this global L2 norm before each step (null: no clipping).</summary>
    public float? ClipGradNorm { get; init; }

    /// <summary>
    /// Whether the step is SGD as the fused fast paths take it: torch.optim.SGD with momentum or none, no dampening, no weight
    /// decay, no clipping.
    /// </summary>
    [JsonIgnore]
    public bool IsPlainSgd => Kind == OptimizerKind.Sgd && WeightDecay == 0f && ClipGradNorm is null;

    /// <summary>PyTorch's default learning rate for <see cref="Kind"/> (SGD has none there; 0.1 is the classic DAE's).</summary>
    public static float DefaultLearningRate(OptimizerKind kind, float sgd) =>
        kind is OptimizerKind.Sgd or OptimizerKind.Nesterov ? sgd : OptimizerOptions.Defaults(kind).LearningRate;

    /// <summary>The optimizer's settings with the run's learning rate and momentum.</summary>
    public OptimizerOptions With(float learningRate, float momentum) => new()
    {
        Kind = Kind,
        LearningRate = learningRate,
        Momentum = momentum,
        WeightDecay = WeightDecay,
        Beta1 = Beta1,
        Beta2 = Beta2,
        Epsilon = Epsilon,
        Alpha = RmsPropAlpha,
        MaxGradNorm = ClipGradNorm,
    };

    /// <summary>
    /// Throws <see cref="IO.InputException"/> naming the first of this record's own settings out of range, as the options' JSON
    /// names it (weight_decay, beta1 …), so that a front end blames the option that set it rather than the rule's kind.
    /// </summary>
    public void ValidateSettings()
    {
        Require(float.IsFinite(WeightDecay) && WeightDecay >= 0f, "weight_decay", WeightDecay, "a finite number ≥ 0");
        Require(Beta1 is >= 0f and < 1f, "beta1", Beta1, "β₁ in [0, 1)");
        Require(Beta2 is >= 0f and < 1f, "beta2", Beta2, "β₂ in [0, 1)");
        Require(float.IsFinite(Epsilon) && Epsilon >= 0f, "epsilon", Epsilon, "a finite number ≥ 0");
        Require(RmsPropAlpha is >= 0f and < 1f, "rms_prop_alpha", RmsPropAlpha, "a number in [0, 1)");
        Require(ClipGradNorm is null || (float.IsFinite(ClipGradNorm.Value) && ClipGradNorm > 0f), "clip_grad_norm", ClipGradNorm, "a finite number > 0");
    }

    /// <summary>
    /// Throws <see cref="IO.InputException"/> about the optimizer setting when its rule refuses <paramref name="resolved"/> (these
    /// settings as a run resolves them, e.g. by <see cref="With"/>), in the rule's own words.
    /// </summary>
    public void ValidateResolved(OptimizerOptions resolved)
    {
        try
        {
            resolved.Validate();
        }
        catch (ArgumentException e)
        {
            throw IO.InputException.AboutSetting("optimizer", $"optimizer {Kind}: {e.Message}");
        }
    }

    private static void Require(bool ok, string setting, float? value, string expected)
    {
        if (!ok)
            throw IO.InputException.ForSetting(setting, value?.ToString(System.Globalization.CultureInfo.InvariantCulture), expected);
    }

    /// <summary>"lr 0.1, momentum 0.9" (SGD, as before the other rules existed) or "adam lr 0.001, weight decay 0.01, clip 1".</summary>
    public string Describe(float learningRate, float momentum)
    {
        var text = Kind == OptimizerKind.Sgd
            ? $"lr {learningRate}, momentum {momentum}"
            : $"{Kind.ToString().ToLowerInvariant()} lr {learningRate}" + (momentum != 0 ? $", momentum {momentum}" : "");
        if (WeightDecay != 0)
            text += $", weight decay {WeightDecay}";
        if (ClipGradNorm is { } clip)
            text += $", clip {clip}";
        return text;
    }
}
