namespace ILGPUAE.Optimizers;

using ILGPUAE.Backend;
using ILGPUAE.Modules;

/// <summary>A named optimizer state tensor: "&lt;parameter name&gt;.&lt;state name&gt;", e.g. "layer0.W.exp_avg".</summary>
public sealed record OptimizerStateTensor(string Name, Tensor<float> Tensor);

/// <summary>
/// One update rule over parameter groups: per-group learning rate and weight decay, frozen groups skipped, optional clipping of
/// the trained parameters' gradients by their global L2 norm (on the device), and a step count per parameter (PyTorch's
/// state['step']). Every state tensor is allocated once, zero-filled, when the optimizer is made; <see cref="Step"/> allocates
/// nothing and reads nothing back from the device.
/// </summary>
public sealed class Optimizer : IDisposable
{
    private readonly IBackend backend;
    private readonly Parameter[] parameters;
    private readonly Tensor<float>[][] state;
    private readonly float[] learningRates, weightDecays;
    private readonly bool[] frozen;
    private readonly long[] stepCounts;

    /// <summary>Gradients of the parameters that are not frozen: what clipping scales.</summary>
    private readonly Tensor<float>[] trainedGradients;

    /// <summary>
    /// With <see cref="OptimizerOptions.WeightL1"/>: the trained weights and their gradients as matrices (a vector as one column), and
    /// a view of <see cref="l1Losses"/>: the [rows] losses the Delta family's L1 kernel adds λ·Σ|w| of each row to, which nothing
    /// reads (the penalty is not reported). Views made once, so that a step allocates nothing.
    /// </summary>
    private readonly (Tensor<float> Value, Tensor<float> Grad, Tensor<float> Losses)[] l1Penalised = [];
    private readonly Tensor<float>? l1Losses;

    /// <param name="groups">Settings of named groups; a group without an entry takes <paramref name="options"/>' learning rate and weight
    /// decay (0 for <see cref="ParameterGroups.Biases"/>, which modules mean to be free of decay), and is trained.</param>
    public Optimizer(IBackend backend, IReadOnlyList<Parameter> parameters, OptimizerOptions options, IReadOnlyList<ParameterGroupOptions>? groups = null)
    {
        options.Validate();
        this.backend = backend;
        this.parameters = [.. parameters];
        Options = options;
        var byGroup = new Dictionary<string, ParameterGroupOptions>();
        foreach (var g in groups ?? [])
        {
            if (!byGroup.TryAdd(g.Group, g))
                throw new ArgumentException($"parameter group '{g.Group}' is configured twice", nameof(groups));
            if (g.LearningRate is { } lr)
                OptimizerOptions.RequireAtLeastZero($"group '{g.Group}' learning rate", lr);
            if (g.WeightDecay is { } wd)
                OptimizerOptions.RequireAtLeastZero($"group '{g.Group}' weight decay", wd);
        }
        Rule = CreateRule(backend.Optimizer, options);
        var names = new HashSet<string>();
        var n = this.parameters.Length;
        (state, learningRates, weightDecays, frozen, stepCounts) = (new Tensor<float>[n][], new float[n], new float[n], new bool[n], new long[n]);
        var stateTensors = new List<OptimizerStateTensor>();
        var complete = false;
        try
        {
            for (var i = 0; i < n; i++)
            {
                var p = this.parameters[i];
                if (!names.Add(p.Name))
                    throw new ArgumentException($"two parameters are named '{p.Name}'; optimizer state is saved by parameter name", nameof(parameters));
                Shapes.RequireSame(p.Value, $"{p.Name} value", p.Grad, $"{p.Name} gradient");
                byGroup.TryGetValue(p.Group, out var g);
                learningRates[i] = g?.LearningRate ?? options.LearningRate;
                weightDecays[i] = g?.WeightDecay ?? DefaultWeightDecay(p, options.WeightDecay);
                frozen[i] = g?.Frozen ?? false;
                state[i] = new Tensor<float>[Rule.StateNames.Count];
                for (var k = 0; k < state[i].Length; k++)
                {
                    state[i][k] = backend.Allocate<float>([.. p.Shape.Dimensions]);
                    stateTensors.Add(new OptimizerStateTensor($"{p.Name}.{Rule.StateNames[k]}", state[i][k]));
                }
            }
            if (options.MaxGradNorm is not null)
                GradNorm = backend.Allocate<float>(2);
            complete = true;
        }
        finally
        {
            // A parameter refused half-way leaves no state tensor behind.
            if (!complete)
                foreach (var t in stateTensors)
                    t.Tensor.Dispose();
        }
        State = stateTensors;
        trainedGradients = [.. Enumerable.Range(0, n).Where(i => !frozen[i]).Select(i => this.parameters[i].Grad)];
        // FISTA takes the L1 penalty by its prox, in its own kernel.
        if (options.WeightL1 > 0f && options.Kind != OptimizerKind.Fista)
        {
            static Tensor<float> Matrix(Tensor<float> t) => t.Shape.Rank == 1 ? t.Reshape(t.Length, 1) : t;
            var weights = Enumerable.Range(0, n).Where(i => !frozen[i] && this.parameters[i].Group != ParameterGroups.Biases)
                .Select(i => (Value: Matrix(this.parameters[i].Value), Grad: Matrix(this.parameters[i].Grad))).ToList();
            if (weights.Count > 0)
            {
                var losses = backend.Allocate<float>(weights.Max(p => p.Value.Rows));
                l1Losses = losses;
                l1Penalised = [.. weights.Select(p => (p.Value, p.Grad, losses.Slice(0, p.Value.Rows)))];
            }
        }
    }

    public OptimizerOptions Options { get; }

    /// <summary>The weight decay <paramref name="p"/> gets from a run's <paramref name="weightDecay"/> when its group sets none: 0 for biases.</summary>
    public static float DefaultWeightDecay(Parameter p, float weightDecay) => p.Group == ParameterGroups.Biases ? 0f : weightDecay;

    public IOptimizerRule Rule { get; }

    /// <summary>Calls of <see cref="Step"/> so far.</summary>
    public long Steps { get; private set; }

    /// <summary>Every state tensor under its checkpoint name, parameter by parameter in <see cref="Rule"/>'s state order.</summary>
    public IReadOnlyList<OptimizerStateTensor> State { get; }

    /// <summary>
    /// With clipping, a [2] device tensor: the trained gradients' global norm before the last step's clipping, and the coefficient
    /// they were scaled by. Null without clipping.
    /// </summary>
    public Tensor<float>? GradNorm { get; }

    /// <summary>Each parameter's step count under "&lt;parameter name&gt;.step" (frozen parameters keep theirs): what a checkpoint saves.</summary>
    public IReadOnlyDictionary<string, long> StepCounts =>
        Enumerable.Range(0, parameters.Length).ToDictionary(i => $"{parameters[i].Name}.{OptimizerStateNames.Step}", i => stepCounts[i]);

    /// <summary>Restores a step count saved under <see cref="StepCounts"/>' name for <paramref name="parameterName"/>.</summary>
    public void SetStepCount(string parameterName, long step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        stepCounts[IndexOf(parameterName)] = step;
    }

    /// <summary>Sets the learning rate of every parameter in <paramref name="group"/> (a schedule's hook).</summary>
    public void SetLearningRate(string group, float learningRate)
    {
        OptimizerOptions.RequireAtLeastZero($"group '{group}' learning rate", learningRate);
        var found = false;
        for (var i = 0; i < parameters.Length; i++)
            if (parameters[i].Group == group)
                (learningRates[i], found) = (learningRate, true);
        if (!found)
            throw new ArgumentException($"no parameter is in group '{group}'", nameof(group));
    }

    /// <summary>
    /// One update of every trained parameter from its gradient: the L1 penalty's subgradient λ·sign(w) added to the weights' gradients
    /// (when configured), then clipping (when configured, over all trained gradients at once), then the rule on each parameter at its
    /// own step count.
    /// </summary>
    public void Step()
    {
        // grad ← grad + λ·sign(w): the activity-L1 kernel with the identity below it, in place on the gradient.
        foreach (var (value, grad, losses) in l1Penalised)
            backend.Delta.ActivityL1(value, grad, Activation.Identity, Options.WeightL1, 1f, grad, losses);
        if (GradNorm is not null && trainedGradients.Length > 0)
            backend.Optimizer.ClipGradNorm(trainedGradients, Options.MaxGradNorm!.Value, GradNorm);
        for (var i = 0; i < parameters.Length; i++)
        {
            if (frozen[i])
                continue;
            stepCounts[i]++;
            Rule.Step(parameters[i], state[i], stepCounts[i], learningRates[i], weightDecays[i]);
        }
        Steps++;
    }

    private int IndexOf(string parameterName)
    {
        for (var i = 0; i < parameters.Length; i++)
            if (parameters[i].Name == parameterName)
                return i;
        throw new ArgumentException($"no parameter is named '{parameterName}'", nameof(parameterName));
    }

    private static IOptimizerRule CreateRule(IOptimizer family, OptimizerOptions o) => o.Kind switch
    {
        OptimizerKind.Sgd => new SgdRule(family, o.Momentum, o.Dampening, nesterov: false),
        OptimizerKind.Nesterov => new SgdRule(family, o.Momentum, o.Dampening, nesterov: true),
        OptimizerKind.RmsProp => new RmsPropRule(family, o.Alpha, o.Epsilon, o.Momentum, o.Centered),
        OptimizerKind.Adam => new AdamRule(family, o.Beta1, o.Beta2, o.Epsilon, decoupled: false),
        OptimizerKind.AdamW => new AdamRule(family, o.Beta1, o.Beta2, o.Epsilon, decoupled: true),
        OptimizerKind.Fista => new FistaRule(family, o.WeightL1, o.FistaLoop),
        OptimizerKind.LineSearch => throw new ArgumentException("a line search is a training step of its own (LineSearchStep), not a per-parameter rule"),
        _ => throw new ArgumentOutOfRangeException(nameof(o), o.Kind, "unknown optimizer kind"),
    };

    public void Dispose()
    {
        foreach (var t in State)
            t.Tensor.Dispose();
        GradNorm?.Dispose();
        l1Losses?.Dispose();
    }
}
