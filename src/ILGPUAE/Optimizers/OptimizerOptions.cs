namespace ILGPUAE.Optimizers;

using System.Globalization;

/// <summary>Which update rule an <see cref="Optimizer"/> applies (torch.optim's names).</summary>
public enum OptimizerKind
{
    /// <summary>torch.optim.SGD (momentum, dampening and weight decay optional).</summary>
    Sgd,

    /// <summary>torch.optim.SGD with nesterov=True: needs momentum &gt; 0 and dampening 0.</summary>
    Nesterov,

    /// <summary>torch.optim.RMSprop (momentum and centering optional).</summary>
    RmsProp,

    /// <summary>torch.optim.Adam: weight decay is L2, added to the gradient.</summary>
    Adam,

    /// <summary>torch.optim.AdamW: weight decay is decoupled, param ← param·(1 − lr·wd) before the Adam step.</summary>
    AdamW,

    /// <summary>
    /// FISTA restarted every <see cref="OptimizerOptions.FistaLoop"/> steps (<see cref="FistaRule"/>): the learning rate is its step
    /// size, <see cref="OptimizerOptions.WeightL1"/> its prox's λ; with λ = 0, Nesterov's accelerated gradient. Not in PyTorch.
    /// </summary>
    Fista,

    /// <summary>
    /// Gradient descent with a backtracking (Armijo) line search on the objective with its weight decay, full batch by default: a
    /// step of its own (Training.LineSearchStep), not a per-parameter rule, so <see cref="Optimizer"/> refuses it.
    /// </summary>
    LineSearch,
}

/// <summary>
/// An optimizer's settings with PyTorch's defaults (<see cref="Defaults"/> gives each kind's: lr 1e-3, RMSprop's 1e-2; AdamW's
/// weight decay 0.01). Settings a kind does not use are ignored: momentum and dampening by Adam(W), betas by SGD and RMSprop,
/// alpha and centered by all but RMSprop.
/// </summary>
public sealed record OptimizerOptions
{
    public OptimizerKind Kind { get; init; } = OptimizerKind.Sgd;

    /// <summary>lr; per-group values override it (<see cref="ParameterGroupOptions"/>).</summary>
    public float LearningRate { get; init; } = 1e-3f;

    /// <summary>SGD's and RMSprop's momentum (0: none).</summary>
    public float Momentum { get; init; }

    /// <summary>SGD's dampening of the gradient added to the momentum buffer (not applied on the first step, as in PyTorch).</summary>
    public float Dampening { get; init; }

    /// <summary>L2 for SGD, RMSprop and Adam; decoupled for AdamW. Per-group values override it; the biases group defaults to 0.</summary>
    public float WeightDecay { get; init; }

    public float Beta1 { get; init; } = 0.9f;
    public float Beta2 { get; init; } = 0.999f;

    /// <summary>RMSprop's and Adam's eps.</summary>
    public float Epsilon { get; init; } = 1e-8f;

    /// <summary>RMSprop's smoothing constant.</summary>
    public float Alpha { get; init; } = 0.99f;

    /// <summary>RMSprop divides by the root of the gradient's variance estimate instead of its second moment.</summary>
    public bool Centered { get; init; }

    /// <summary>
    /// λ of an L1 penalty λ‖w‖₁ on the weights (the groups weight decay applies to by default: not <see cref="Modules.ParameterGroups.Biases"/>),
    /// added to the loss the gradients are of: each step adds its subgradient λ·sign(w) (sign(0) = 0, as torch.sign) to the trained
    /// weights' gradients before clipping and the rule, as loss.backward() on loss + λ·Σ|w| would in PyTorch; FISTA takes it by its
    /// prox instead (the soft threshold). 0: none.
    /// </summary>
    public float WeightL1 { get; init; }

    /// <summary>Clip the gradients of every trained parameter to this global L2 norm before each step (null: no clipping).</summary>
    public float? MaxGradNorm { get; init; }

    /// <summary>FISTA's inner-loop length: its momentum sequence restarts every this many steps, each loop ending at its iterate (0: never).</summary>
    public int FistaLoop { get; init; }

    /// <summary>
    /// PyTorch's defaults for <paramref name="kind"/>. Nesterov has none in PyTorch (its momentum 0 is refused there); 0.9 is
    /// this engine's.
    /// </summary>
    public static OptimizerOptions Defaults(OptimizerKind kind) => kind switch
    {
        OptimizerKind.Nesterov => new() { Kind = kind, Momentum = 0.9f },
        OptimizerKind.RmsProp => new() { Kind = kind, LearningRate = 1e-2f },
        OptimizerKind.AdamW => new() { Kind = kind, WeightDecay = 1e-2f },
        _ => new() { Kind = kind },
    };

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting out of range, e.g. "beta1 1.2: expected [0, 1)".</summary>
    public void Validate()
    {
        if (!Enum.IsDefined(Kind))
            throw new ArgumentException($"optimizer kind {(int)Kind}: expected one of {string.Join(", ", Enum.GetNames<OptimizerKind>())}");
        RequireAtLeastZero("learning rate", LearningRate);
        RequireAtLeastZero("momentum", Momentum);
        RequireInRange("dampening", Dampening, closedAbove: true);
        RequireAtLeastZero("weight decay", WeightDecay);
        RequireAtLeastZero("weight L1", WeightL1);
        if (FistaLoop < 0)
            throw new ArgumentException($"FISTA loop {FistaLoop}: expected an iteration count ≥ 0");
        RequireInRange("beta1", Beta1, closedAbove: false);
        RequireInRange("beta2", Beta2, closedAbove: false);
        RequireAtLeastZero("eps", Epsilon);
        RequireInRange("alpha", Alpha, closedAbove: false);
        if (MaxGradNorm is { } max && !(max > 0f && float.IsFinite(max)))
            throw new ArgumentException($"max grad norm {Format(max)}: expected a finite value > 0");
        if (Kind == OptimizerKind.Nesterov && (Momentum <= 0f || Dampening != 0f))
            throw new ArgumentException($"Nesterov momentum {Format(Momentum)} with dampening {Format(Dampening)}: expected momentum > 0 and dampening 0");
    }

    internal static string Format(float value) => value.ToString(CultureInfo.InvariantCulture);

    internal static void RequireAtLeastZero(string name, float value)
    {
        if (!(value >= 0f && float.IsFinite(value)))
            throw new ArgumentException($"{name} {Format(value)}: expected a finite value ≥ 0");
    }

    private static void RequireInRange(string name, float value, bool closedAbove)
    {
        if (!(value >= 0f && (closedAbove ? value <= 1f : value < 1f)))
            throw new ArgumentException($"{name} {Format(value)}: expected [0, 1{(closedAbove ? "]" : ")")}");
    }
}

/// <summary>
/// Settings of one parameter group (<see cref="Modules.Parameter.Group"/>): its learning rate and weight decay when not the
/// optimizer's, or frozen (its parameters are neither clipped nor updated, and their step counts stay where they are).
/// </summary>
public sealed record ParameterGroupOptions(string Group, float? LearningRate = null, float? WeightDecay = null, bool Frozen = false);
