namespace ILGPUAE.Optimizers;

using ILGPUAE.Backend;
using ILGPUAE.Modules;

/// <summary>
/// One update rule on one parameter: the named state tensors it keeps per parameter (each of the parameter's shape, zero
/// at the start), and a step that updates the parameter and its state in place through the backend's Optimizer family.
/// </summary>
public interface IOptimizerRule
{
    /// <summary>PyTorch's state names, in the order <see cref="Step"/> takes them, e.g. ["exp_avg", "exp_avg_sq"].</summary>
    IReadOnlyList<string> StateNames { get; }

    /// <summary>
    /// Updates <paramref name="parameter"/> from its gradient at the parameter's step count <paramref name="step"/> (1 on its first
    /// update), <paramref name="state"/> holding one tensor per <see cref="StateNames"/> entry.
    /// </summary>
    void Step(Parameter parameter, IReadOnlyList<Tensor<float>> state, long step, float learningRate, float weightDecay);
}

/// <summary>torch.optim.SGD (Nesterov when asked); state: momentum_buffer when momentum ≠ 0.</summary>
public sealed class SgdRule(IOptimizer family, float momentum, float dampening, bool nesterov) : IOptimizerRule
{
    public IReadOnlyList<string> StateNames { get; } = momentum != 0f ? [OptimizerStateNames.MomentumBuffer] : [];

    public void Step(Parameter parameter, IReadOnlyList<Tensor<float>> state, long step, float learningRate, float weightDecay) =>
        family.Sgd(parameter.Value, parameter.Grad, state.Count > 0 ? state[0] : null,
            new SgdSettings(learningRate, momentum, dampening, weightDecay, nesterov), step);
}

/// <summary>torch.optim.RMSprop; state: square_avg, then momentum_buffer when momentum &gt; 0, then grad_avg when centered (PyTorch's order).</summary>
public sealed class RmsPropRule : IOptimizerRule
{
    private readonly IOptimizer family;
    private readonly float alpha, epsilon, momentum;
    private readonly bool centered;
    private readonly int momentumIndex, gradAvgIndex;

    public RmsPropRule(IOptimizer family, float alpha, float epsilon, float momentum, bool centered)
    {
        (this.family, this.alpha, this.epsilon, this.momentum, this.centered) = (family, alpha, epsilon, momentum, centered);
        var names = new List<string> { OptimizerStateNames.SquareAvg };
        momentumIndex = momentum > 0f ? names.Count : -1;
        if (momentum > 0f)
            names.Add(OptimizerStateNames.MomentumBuffer);
        gradAvgIndex = centered ? names.Count : -1;
        if (centered)
            names.Add(OptimizerStateNames.GradAvg);
        StateNames = names;
    }

    public IReadOnlyList<string> StateNames { get; }

    public void Step(Parameter parameter, IReadOnlyList<Tensor<float>> state, long step, float learningRate, float weightDecay) =>
        family.RmsProp(parameter.Value, parameter.Grad, state[0], gradAvgIndex >= 0 ? state[gradAvgIndex] : null,
            momentumIndex >= 0 ? state[momentumIndex] : null, new RmsPropSettings(learningRate, alpha, epsilon, weightDecay, momentum, centered));
}

/// <summary>torch.optim.Adam (L2 weight decay) or AdamW (<paramref name="decoupled"/>); state: exp_avg, exp_avg_sq.</summary>
public sealed class AdamRule(IOptimizer family, float beta1, float beta2, float epsilon, bool decoupled) : IOptimizerRule
{
    public IReadOnlyList<string> StateNames { get; } = [OptimizerStateNames.ExpAvg, OptimizerStateNames.ExpAvgSq];

    public void Step(Parameter parameter, IReadOnlyList<Tensor<float>> state, long step, float learningRate, float weightDecay) =>
        family.Adam(parameter.Value, parameter.Grad, state[0], state[1], new AdamSettings(learningRate, beta1, beta2, epsilon, weightDecay, decoupled), step);
}

/// <summary>
/// FISTA (Beck and Teboulle, 2009) restarted every <paramref name="loop"/> steps: the parameter holds the extrapolated point
/// y_k while its gradient is taken, the state previous_iterate holds x_{k−1}, and the k-th step of each loop is
/// <see cref="IOptimizer.Fista"/>'s iteration k (k = 1 … loop, the momentum sequence restarting at s_1 = 1), the last one
/// leaving the loop's iterate x_loop in the parameter. λ of <paramref name="weightL1"/> ‖w‖₁ on the weights (biases: none) is
/// taken by its prox, the soft threshold by step·λ, not by a subgradient. With λ = 0 this is Nesterov's accelerated gradient
/// in Beck and Teboulle's form. <paramref name="loop"/> 0: one loop that never ends (never restarted; the parameter holds y).
/// </summary>
public sealed class FistaRule(IOptimizer family, float weightL1, int loop) : IOptimizerRule
{
    public IReadOnlyList<string> StateNames { get; } = [OptimizerStateNames.PreviousIterate];

    public void Step(Parameter parameter, IReadOnlyList<Tensor<float>> state, long step, float learningRate, float weightDecay)
    {
        var k = loop > 0 ? (step - 1) % loop + 1 : step;
        var l1 = parameter.Group == ParameterGroups.Biases ? 0f : weightL1;
        family.Fista(parameter.Value, parameter.Grad, state[0], new FistaSettings(learningRate, l1, weightDecay, Last: loop > 0 && k == loop), k);
    }
}

/// <summary>PyTorch's names for optimizer state, the suffixes of checkpoint names ("layer0.W.exp_avg").</summary>
public static class OptimizerStateNames
{
    public const string MomentumBuffer = "momentum_buffer";
    public const string SquareAvg = "square_avg";
    public const string GradAvg = "grad_avg";
    public const string ExpAvg = "exp_avg";
    public const string ExpAvgSq = "exp_avg_sq";

    /// <summary>FISTA's last iterate x_{k−1} (the parameter holds the extrapolated point).</summary>
    public const string PreviousIterate = "previous_iterate";

    /// <summary>The parameter's step count (a long, not a tensor: see <see cref="Optimizer.StepCounts"/>).</summary>
    public const string Step = "step";
}
