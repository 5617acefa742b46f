namespace ILGPUAE.Modules;

using ILGPUAE.Backend;
using ILGPUAE.Models;

/// <summary>
/// An L1 penalty on the activations of the module below it (Keras' activity_regularizer=l1): each training example's loss
/// gains lambda·Σ_j |y_j|, y [b, width] that module's output, and δ of y gains its gradient. Forward passes y through
/// untouched (no copy, no launch). Backward adds the penalty into the step's per-example losses
/// (<see cref="StepContext.Losses"/>, which <see cref="Network.ForwardBackward"/> sets after the objective wrote them), so the
/// reported training loss is objective + penalty, and returns δ_in = (δ + lambda/b·sign(y)) ⊙ act′(y): the objectives'
/// gradients are those of the mean over the batch's b rows, and so is the penalty's. No parameters.
/// <para>
/// A training penalty only: evaluation (<see cref="Evaluation.NetworkEvaluator"/>, forward with Training = false) never runs
/// a backward pass, so it scores the objective alone, and validation losses stay comparable whatever lambda is. Placed below
/// the first trained module, the penalty runs no backward pass either and adds nothing to the loss (its term would be a
/// constant for the trained parameters).
/// </para>
/// </summary>
public sealed class ActivityL1 : IModule
{
    private readonly IBackend backend;
    private readonly Tensor<float> inputDelta;
    private readonly BatchViews views;
    private Tensor<float>? input;

    /// <param name="lambda">The penalty's weight, ≥ 0 and finite.</param>
    public ActivityL1(IBackend backend, int maxBatch, int width, float lambda)
    {
        this.backend = backend;
        Inputs = Outputs = width;
        Lambda = ValidLambda(lambda);
        inputDelta = backend.Allocate<float>(maxBatch, width);
        views = new BatchViews([inputDelta]);
    }

    public int Inputs { get; }
    public int Outputs { get; }

    /// <summary>The weight of Σ|y| in each example's loss.</summary>
    public float Lambda { get; }

    /// <summary><paramref name="lambda"/> when it is finite and ≥ 0; else an <see cref="ArgumentException"/> that names it.</summary>
    public static float ValidLambda(float lambda) =>
        float.IsFinite(lambda) && lambda >= 0f
            ? lambda
            : throw new ArgumentException($"an activity L1 penalty's lambda must be finite and ≥ 0; got {lambda}", nameof(lambda));

    /// <summary>The penalty leaves the values as they are: it applies no activation of its own.</summary>
    public Activation OutputActivation => Activation.Identity;

    public IReadOnlyList<Parameter> Parameters => [];

    /// <summary>y itself: the penalty changes the loss, not the values.</summary>
    public Tensor<float> Forward(Tensor<float> x, in StepContext context)
    {
        input = x;
        return x;
    }

    /// <summary>
    /// Adds lambda·Σ_j |y[m,j]| to <see cref="StepContext.Losses"/>[m] and, when <paramref name="needInputDelta"/>, returns
    /// δ_in [b, width] = (δ + lambda/b·sign(y)) ⊙ act′(y) through <paramref name="inputActivation"/>; else null (the loss is added).
    /// </summary>
    public Tensor<float>? Backward(Tensor<float> delta, in StepContext context, Activation inputActivation, bool needInputDelta)
    {
        var y = input ?? throw new InvalidOperationException("Backward before Forward");
        var losses = context.Losses
            ?? throw new InvalidOperationException("an activity L1 penalty adds to the step's losses: its backward pass needs StepContext.Losses");
        var b = y.Rows;
        views.Resize(b);
        // Without an input delta to form, the same kernel writes into this module's buffer, which nothing reads: one launch
        // adds the losses either way.
        backend.Delta.ActivityL1(y, delta, inputActivation, Lambda, 1f / b, views[0], losses);
        return needInputDelta ? views[0] : null;
    }

    public void Dispose() => inputDelta.Dispose();
}
