namespace ILGPUAE.Modules;

using ILGPUAE.Backend;
using ILGPUAE.Models;

/// <summary>
/// ANAMO's binary-encoder activation (the note's second proposal), elementwise on the layer below's outputs u: y = s(u) =
/// 3(u/ε)² − 2(u/ε)³ on [0, ε], 0 below, 1 above (<see cref="ILGPUAE.Activation.SmoothStep"/>): codes that are 0 or 1 outside a band
/// of width ε, with a gradient 6t(1 − t)/ε inside it. The layer below must apply no activation of its own (identity), since the
/// step is its activation; its output is kept, not copied, for the backward pass. No parameters.
/// </summary>
public sealed class SmoothStepModule : IModule
{
    private readonly IBackend backend;
    private readonly Tensor<float> output, inputDelta;
    private readonly BatchViews views;
    private Tensor<float>? input;

    public SmoothStepModule(IBackend backend, int maxBatch, int width, float epsilon)
    {
        this.backend = backend;
        Inputs = Outputs = width;
        Epsilon = ValidEpsilon(epsilon);
        output = backend.Allocate<float>(maxBatch, width);
        inputDelta = backend.Allocate<float>(maxBatch, width);
        views = new BatchViews([output, inputDelta]);
    }

    /// <summary><paramref name="epsilon"/> when finite and &gt; 0; else an <see cref="ArgumentException"/> naming it.</summary>
    public static float ValidEpsilon(float epsilon) =>
        float.IsFinite(epsilon) && epsilon > 0f ? epsilon : throw new ArgumentException($"the smooth step's ε must be finite and > 0; got {epsilon}", nameof(epsilon));

    public float Epsilon { get; }
    public int Inputs { get; }
    public int Outputs { get; }

    /// <summary>Identity: the step's derivative is applied by its own backward pass, not by the module above.</summary>
    public Activation OutputActivation => Activation.Identity;

    public IReadOnlyList<Parameter> Parameters => [];

    public Tensor<float> Forward(Tensor<float> x, in StepContext context)
    {
        views.Resize(x.Rows);
        input = x;
        backend.Delta.SmoothStep(x, Epsilon, views[0]);
        return views[0];
    }

    public Tensor<float>? Backward(Tensor<float> delta, in StepContext context, Activation inputActivation, bool needInputDelta)
    {
        var x = input ?? throw new InvalidOperationException("Backward before Forward");
        if (inputActivation != Activation.Identity)
            throw new InvalidOperationException($"the smooth step is the activation of the layer below it, which must apply none; it applies {inputActivation}");
        if (!needInputDelta)
            return null;
        views.Resize(x.Rows);
        backend.Delta.SmoothStepBackward(x, delta, Epsilon, views[1]);
        return views[1];
    }

    public void Dispose()
    {
        output.Dispose();
        inputDelta.Dispose();
    }
}
