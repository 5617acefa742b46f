namespace ILGPUAE.Modules;

using ILGPUAE.Backend;
using ILGPUAE.Models;

/// <summary>
/// The frame of a training penalty on the layer below it (<see cref="ActivityL1"/>, <see cref="Contractive"/>): Forward passes
/// y [b, width] through untouched (no copy, no launch); Backward adds the penalty of each example into
/// <see cref="StepContext.Losses"/> (which <see cref="Network.ForwardBackward"/> sets after the objective wrote them) and
/// returns the δ of the layer below with the penalty's gradient in it, formed by <see cref="AddPenalty"/> in one launch.
/// Evaluation runs no backward pass, so it scores the objective alone. No parameters of its own.
/// </summary>
public abstract class PenaltyModule : IModule
{
    private readonly string description;
    private readonly Tensor<float> inputDelta;
    private readonly BatchViews views;
    private Tensor<float>? input;

    /// <param name="width">The width of the layer below, in and out.</param>
    /// <param name="lambda">The penalty's weight, ≥ 0 and finite.</param>
    /// <param name="description">The penalty in messages, with its article: "an activity L1 penalty".</param>
    protected PenaltyModule(IBackend backend, int maxBatch, int width, float lambda, string description)
    {
        Backend = backend;
        this.description = description;
        Inputs = Outputs = width;
        Lambda = ValidLambda(lambda, description);
        inputDelta = backend.Allocate<float>(maxBatch, width);
        views = new BatchViews([inputDelta]);
    }

    protected IBackend Backend { get; }

    public int Inputs { get; }
    public int Outputs { get; }

    /// <summary>The penalty's weight in each example's loss.</summary>
    public float Lambda { get; }

    /// <summary><paramref name="lambda"/> when it is finite and ≥ 0; else an <see cref="ArgumentException"/> that names it.</summary>
    protected static float ValidLambda(float lambda, string description) =>
        float.IsFinite(lambda) && lambda >= 0f
            ? lambda
            : throw new ArgumentException($"{description}'s lambda must be finite and ≥ 0; got {lambda}", nameof(lambda));

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
    /// Adds the penalty to <see cref="StepContext.Losses"/>[m] and returns the layer below's δ [b, width] when
    /// <paramref name="needInputDelta"/>; else null (the losses are added).
    /// </summary>
    public Tensor<float>? Backward(Tensor<float> delta, in StepContext context, Activation inputActivation, bool needInputDelta)
    {
        var y = input ?? throw new InvalidOperationException("Backward before Forward");
        var losses = context.Losses
            ?? throw new InvalidOperationException($"{description} adds to the step's losses: its backward pass needs StepContext.Losses");
        views.Resize(y.Rows);
        AddPenalty(y, delta, inputActivation, needInputDelta, views[0], losses);
        return needInputDelta ? views[0] : null;
    }

    /// <summary>
    /// Adds each example's penalty on the last <see cref="Forward"/>'s input y [b, width] to <paramref name="losses"/> [b], with no δ to
    /// pass down: what a pass that holds the layers below fixed reports (<see cref="Network.ForwardBackwardAbove"/>). The same launch as
    /// <see cref="Backward"/>'s, y standing in for the δ from above: the losses depend on y alone, and the δ it forms goes to this
    /// module's own buffer, which nothing reads.
    /// </summary>
    public void AddLosses(Tensor<float> losses)
    {
        var y = input ?? throw new InvalidOperationException("AddLosses before Forward");
        views.Resize(y.Rows);
        AddPenalty(y, y, Activation.Identity, needInputDelta: false, views[0], losses);
    }

    /// <summary>
    /// Adds each example's penalty on <paramref name="y"/> [b, width] to <paramref name="losses"/> [b] and writes the δ of the
    /// layer below into <paramref name="inputDelta"/> [b, width] (read only when <paramref name="needInputDelta"/>).
    /// </summary>
    protected abstract void AddPenalty(Tensor<float> y, Tensor<float> delta, Activation inputActivation, bool needInputDelta,
        Tensor<float> inputDelta, Tensor<float> losses);

    public void Dispose()
    {
        inputDelta.Dispose();
        DisposeBuffers();
        GC.SuppressFinalize(this);
    }

    /// <summary>Disposes the buffers a penalty allocates besides the input δ.</summary>
    protected virtual void DisposeBuffers()
    {
    }
}
