namespace ILGPUAE.Modules;

using ILGPUAE.Backend;
using ILGPUAE.Models;

/// <summary>
/// The contractive penalty (Rifai et al. 2011) of the sigmoid <see cref="Dense"/> layer below it, h = σ(x·Wᵀ + b), W [out, in]:
/// each training example's loss gains λ‖∂h/∂x‖²_F = λ·Σ_j (h_j(1 − h_j))²·‖W_j,:‖². Forward passes h through untouched. Backward
/// adds the penalty into <see cref="StepContext.Losses"/> (<see cref="PenaltyModule"/>), adds W's direct term
/// 2λ/b·(Σ_m s_mj²)·W_j,: into the layer's W gradient, and returns the layer's pre-activation δ, δ·s + 2λ/b·a·s²·(1 − 2h) with
/// s = h(1 − h), a_j = ‖W_j,:‖², which the layer takes on to b, W and x as any δ (<see cref="IDelta.ContractiveSigmoid"/>).
/// <para>
/// Runs before the layer's backward pass, so its direct term is W's first contribution of the step when no tied decoder above
/// wrote one (<see cref="Parameter.GradientBeta"/>). A training penalty only, as <see cref="ActivityL1"/>: evaluation scores
/// the objective alone. Above a frozen layer (needInputDelta false) it adds its loss only: W's gradient is then not the step's.
/// </para>
/// </summary>
public sealed class Contractive : PenaltyModule
{
    private const string Description = "a contractive penalty";

    private readonly Dense layer;
    private readonly Tensor<float> rowNorms;
    private readonly Tensor<float> unusedGradient;

    /// <param name="layer">The layer whose Jacobian is penalised: a <see cref="Dense"/> with a sigmoid activation, directly below.</param>
    /// <param name="lambda">The penalty's weight, ≥ 0 and finite.</param>
    public Contractive(IBackend backend, int maxBatch, Dense layer, float lambda)
        : base(backend, maxBatch, SigmoidWidth(layer), lambda, Description)
    {
        this.layer = layer;
        rowNorms = backend.Allocate<float>(layer.Outputs);
        unusedGradient = backend.Allocate<float>(layer.Outputs, layer.Inputs);
    }

    /// <summary>The layer's width, checked before anything is allocated: the layer must be a sigmoid one.</summary>
    private static int SigmoidWidth(Dense layer) =>
        layer.OutputActivation == Activation.Sigmoid && !layer.SoftmaxOutput
            ? layer.Outputs
            : throw new ArgumentException($"a contractive penalty needs a sigmoid layer below it; {layer.Weights.Name}'s layer has {layer.OutputActivation}", nameof(layer));

    /// <summary><paramref name="lambda"/> when it is finite and ≥ 0; else an <see cref="ArgumentException"/> that names it.</summary>
    public static float ValidLambda(float lambda) => ValidLambda(lambda, Description);

    /// <summary>
    /// Adds λ·Σ_j a_j s[m,j]² to losses[m] and W's direct term to its gradient, and writes the layer's pre-activation δ [b, out].
    /// </summary>
    protected override void AddPenalty(Tensor<float> h, Tensor<float> delta, Activation inputActivation, bool needInputDelta,
        Tensor<float> inputDelta, Tensor<float> losses)
    {
        if (inputActivation != Activation.Sigmoid)
            throw new InvalidOperationException($"a contractive penalty's layer must be sigmoid; the module below is {inputActivation}");
        // A frozen layer's W gradient is not formed this step: the direct term goes to a buffer nothing reads.
        var (grad, beta) = needInputDelta ? (layer.Weights.Grad, layer.Weights.GradientBeta()) : (unusedGradient, 0f);
        Backend.Delta.ContractiveSigmoid(h, delta, layer.Weights.Value, Lambda, 1f / h.Rows, inputDelta, grad, beta, rowNorms, losses);
    }

    protected override void DisposeBuffers()
    {
        rowNorms.Dispose();
        unusedGradient.Dispose();
    }
}
