namespace ILGPUAE.Cli.Verbs;

using global::CommandLine;
using ILGPUAE.IO;
using ILGPUAE.Optimizers;
using ILGPUAE.Training;

/// <summary>The CLI's names for the update rules (torch.optim's).</summary>
public enum OptimizerOption
{
    Sgd,
    Nesterov,
    Rmsprop,
    Adam,
    Adamw,

    /// <summary>Full-batch gradient descent with a backtracking line search (`train sparse` only).</summary>
    Linesearch,
}

/// <summary>
/// The options every verb that writes a run shares, declared once: the data limits, --resume, --checkpoint-every and --force (the
/// accelerator's and --dataset come from <see cref="DatasetOptions"/>). A verb with an update rule of its own (ANAMO's alternating
/// schedule) takes these alone; the others take <see cref="TrainingVerbOptions"/>.
/// </summary>
public abstract class RunVerbOptions : DatasetOptions
{
    [Option("train-limit", HelpText = "Train on the first N training examples (pretrain and finetune: of the training split, before the validation examples).")]
    public int? TrainLimit { get; set; }

    [Option("test-limit", HelpText = "Report on the first N test examples.")]
    public int? TestLimit { get; set; }

    [Option("resume", HelpText = "Continue the run in this directory. It keeps its saved options: an option given with another value is refused; " +
        "only --accelerator, --device, --data-dir, --checkpoint-every and (train dae) --epochs, the total to continue to, may change. " +
        "A run stopped mid-epoch (--checkpoint-every, SIGINT, SIGTERM) continues from the step it saved.")]
    public string? Resume { get; set; }

    [Option("checkpoint-every", Default = 0, HelpText = "Also checkpoint every N steps inside an epoch (data order position, optimizer state, the epoch's losses so far), so a killed run loses at most N steps; 0 = at epoch ends only. Not with --hogwild. May change on --resume.")]
    public int CheckpointEvery { get; set; }

    /// <summary>The options typed on the command line (flag → its text, "" for a switch), as against defaults; set by <see cref="CliApp"/>.</summary>
    public IReadOnlyDictionary<string, string> Given { get; set; } = new Dictionary<string, string>();

    [Option("force", Default = false, HelpText = "Write into a non-empty --out directory.")]
    public bool Force { get; set; }
}

/// <summary>
/// The options of the training verbs that take one of the core's update rules, declared once: <see cref="RunVerbOptions"/>', the
/// non-finite policy, and the optimizer rule with its settings and clipping.
/// </summary>
public abstract class TrainingVerbOptions : RunVerbOptions
{
    [Option("on-nan", HelpText = "What a NaN or infinite loss or weight does: stop (default: the run stops naming the epoch, the step and the last good checkpoint); skip-batch (a batch whose loss or gradient is not finite is not applied, and each epoch says how many were; this takes the generic step, slower than the fused SGD paths, and reads one flag from the device per step); halve-lr (train dae, pretrain and train deep: back to the last checkpoint's state at half the learning rate, at most 5 times, each said in one line and recorded in metrics.json). Saved with the run: --resume keeps it.")]
    public string? OnNan { get; set; }

    /// <summary>The policy --on-nan names, else <paramref name="basis"/> (a preset's or the defaults').</summary>
    public NanPolicy ResolveOnNan(NanPolicy basis) => OnNan is null ? basis : NanPolicies.Parse(OnNan);

    [Option("optimizer", HelpText = "sgd (default), nesterov, rmsprop, adam or adamw, as torch.optim defines them. Without --lr: 0.1 for sgd and nesterov (train dae), PyTorch's default otherwise (rmsprop 0.01, adam and adamw 0.001).")]
    public OptimizerOption? Optimizer { get; set; }

    [Option("weight-decay", HelpText = "Weight decay on the weights (not the biases): L2 added to the gradient; decoupled for adamw (default 0; adamw 0.01).")]
    public float? WeightDecay { get; set; }

    [Option("clip-grad-norm", HelpText = "Scale the gradients down to this global L2 norm before each step when larger, computed on the device (default: no clipping).")]
    public float? ClipGradNorm { get; set; }

    [Option("betas", HelpText = "Adam's and AdamW's β₁,β₂ (default 0.9,0.999).")]
    public string? Betas { get; set; }

    [Option("eps", HelpText = "RMSprop's and Adam's ε (default 1e-8).")]
    public float? Epsilon { get; set; }

    [Option("rmsprop-alpha", HelpText = "RMSprop's smoothing constant α (default 0.99).")]
    public float? RmsPropAlpha { get; set; }

    /// <summary>Whether the verb trains with the line search (`--optimizer linesearch`); the others refuse it.</summary>
    protected virtual bool TakesLineSearch => false;

    /// <summary>The rule these options name, over <paramref name="basis"/> (a preset's, or a resumed run's).</summary>
    public OptimizerChoice ResolveOptimizer(OptimizerChoice basis)
    {
        if (Optimizer == OptimizerOption.Linesearch && !TakesLineSearch)
            throw new InputException("--optimizer linesearch: only `train sparse` takes the line search; expected sgd, nesterov, rmsprop, adam or adamw");
        var kind = Optimizer is { } o ? ToKind(o) : basis.Kind;
        var betas = Betas is null ? [basis.Beta1, basis.Beta2] : ListOption.Floats(Betas, "--betas");
        if (betas.Length != 2)
            throw new InputException($"--betas {Betas}: expected two numbers, β₁,β₂, e.g. 0.9,0.999");
        var kindChanged = kind != basis.Kind;
        return basis with
        {
            Kind = kind,
            WeightDecay = WeightDecay ?? (kindChanged ? OptimizerOptions.Defaults(kind).WeightDecay : basis.WeightDecay),
            ClipGradNorm = ClipGradNorm ?? basis.ClipGradNorm,
            Beta1 = betas[0],
            Beta2 = betas[1],
            Epsilon = Epsilon ?? basis.Epsilon,
            RmsPropAlpha = RmsPropAlpha ?? basis.RmsPropAlpha,
        };
    }

    /// <summary>
    /// The run's momentum: <paramref name="given"/> on the command line, else 0.9 for Nesterov over a basis without momentum
    /// (Nesterov needs momentum &gt; 0; 0.9 is the usual choice, as <see cref="OptimizerOptions.Defaults"/> has it), else the basis'.
    /// </summary>
    public static float MomentumFor(float? given, OptimizerKind kind, float basis) =>
        given ?? (kind == OptimizerKind.Nesterov && basis == 0f ? OptimizerOptions.Defaults(OptimizerKind.Nesterov).Momentum : basis);

    private static OptimizerKind ToKind(OptimizerOption o) => o switch
    {
        OptimizerOption.Sgd => OptimizerKind.Sgd,
        OptimizerOption.Nesterov => OptimizerKind.Nesterov,
        OptimizerOption.Rmsprop => OptimizerKind.RmsProp,
        OptimizerOption.Adam => OptimizerKind.Adam,
        OptimizerOption.Adamw => OptimizerKind.AdamW,
        OptimizerOption.Linesearch => OptimizerKind.LineSearch,
        _ => throw new ArgumentOutOfRangeException(nameof(o), o, null),
    };
}
