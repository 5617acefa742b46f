namespace ILGPUAE.Modules;

using ILGPUAE.Backend;
using ILGPUAE.Models;

/// <summary>
/// The contractive penalty (Rifai et al. 2011) of the sigmoid <see cref="Dense"/> layer below it, h = σ(x·Wᵀ + b), W [out, in]:
/// each training example's loss gains λ‖∂h/∂x‖²_F = λ·Σ_j (h_j(1 − h_j))²·‖W_j,:‖². Forward passes h through untouched. Backward
/// adds the penalty into <see cref="StepContext.Losses"/> (as <see cref="ActivityL1"/> does), adds W's direct term
/// 2λ/b·(Σ_m s_mj²)·W_j,: into the layer's W gradient, and returns the layer's pre-activation δ, δ·s + 2λ/b·a·s²·(1 − 2h) with
/// s = h(1 − h), a_j = ‖W_j,:‖², which the layer takes on to b, W and x as any δ (<see cref="IDelta.ContractiveSigmoid"/>).
/// <para>
/// Runs before the layer's backward pass, so its direct term is W's first contribution of the step when no tied decoder above
/// wrote one (<see cref="Parameter.GradientBeta"/>). A training penalty only, as <see cref="ActivityL1"/>: evaluation scores
/// the objective alone. Above a frozen layer (needInputDelta false) it adds its loss only: W's gradient is then not the step's.
/// </para>
/// </summary>
public sealed class Contractive : IModule
{
    private readonly IBackend backend;
    private readonly Dense layer;
    private readonly Tensor<float> preDelta;
    private readonly Tensor<float> rowNorms;
    private readonly Tensor<float> unusedGradient;
    private readonly BatchViews views;
    private Tensor<float>? input;

    /// <param name="layer">The layer whose Jacobian is penalised: a <see cref="Dense"/> with a sigmoid activation, directly below.</param>
    /// <param name="lambda">The penalty's weight, ≥ 0 and finite.</param>
    public Contractive(IBackend backend, int maxBatch, Dense layer, float lambda)
    {
        if (layer.OutputActivation != Activation.Sigmoid || layer.SoftmaxOutput)
            throw new ArgumentException($"a contractive penalty needs a sigmoid layer below it; {layer.Weights.Name}'s layer has {layer.OutputActivation}", nameof(layer));
        this.backend = backend;
        this.layer = layer;
        Inputs = Outputs = layer.Outputs;
        Lambda = ValidLambda(lambda);
        preDelta = backend.Allocate<float>(maxBatch, layer.Outputs);
        rowNorms = backend.Allocate<float>(layer.Outputs);
        unusedGradient = backend.Allocate<float>(layer.Outputs, layer.Inputs);
        views = new BatchViews([preDelta]);
    }

    public int Inputs { get; }
    public int Outputs { get; }

    /// <summary>The weight of ‖∂h/∂x‖²_F in each example's loss.</summary>
    public float Lambda { get; }

    /// <summary><paramref name="lambda"/> when it is finite and ≥ 0; else an <see cref="ArgumentException"/> that names it.</summary>
    public static float ValidLambda(float lambda) =>
        float.IsFinite(lambda) && lambda >= 0f
            ? lambda
            : throw new ArgumentException($"a contractive penalty's lambda must be finite and ≥ 0; got {lambda}", nameof(lambda));

    /// <summary>The penalty leaves the values as they are: it applies no activation of its own.</summary>
    public Activation OutputActivation => Activation.Identity;

    /// <summary>None of its own: it adds into its layer's W gradient.</summary>
    public IReadOnlyList<Parameter> Parameters => [];

    /// <summary>h itself: the penalty changes the loss, not the values.</summary>
    public Tensor<float> Forward(Tensor<float> x, in StepContext context)
    {
        input = x;
        return x;
    }

    /// <summary>
    /// Adds λ·Σ_j a_j s[m,j]² to <see cref="StepContext.Losses"/>[m] and W's direct term to its gradient, and returns the
    /// layer's pre-activation δ [b, out] when <paramref name="needInputDelta"/>; else null (the losses are added).
    /// </summary>
    public Tensor<float>? Backward(Tensor<float> delta, in StepContext context, Activation inputActivation, bool needInputDelta)
    {
        var h = input ?? throw new InvalidOperationException("Backward before Forward");
        var losses = context.Losses
            ?? throw new InvalidOperationException("a contractive penalty adds to the step's losses: its backward pass needs StepContext.Losses");
        if (inputActivation != Activation.Sigmoid)
            throw new InvalidOperationException($"a contractive penalty's layer must be sigmoid; the module below is {inputActivation}");
        var b = h.Rows;
        views.Resize(b);
        // A frozen layer's W gradient is not formed this step: the direct term goes to a buffer nothing reads.
        var (grad, beta) = needInputDelta ? (layer.Weights.Grad, layer.Weights.GradientBeta()) : (unusedGradient, 0f);
        backend.Delta.ContractiveSigmoid(h, delta, layer.Weights.Value, Lambda, 1f / b, views[0], grad, beta, rowNorms, losses);
        return needInputDelta ? views[0] : null;
    }

    public void Dispose()
    {
        preDelta.Dispose();
        rowNorms.Dispose();
        unusedGradient.Dispose();
    }
}
