namespace ILGPUAE.Modules;

using ILGPUAE.Backend;
using ILGPUAE.Models;
using ILGPUAE.Random;

/// <summary>
/// Inverted dropout (torch.nn.Dropout(p)): while training each element is zeroed with probability p and the kept ones are
/// scaled by 1/(1 − p); evaluating, the input passes through. Element (m, j) is drawn from the counter-based generator keyed by
/// (seed, <see cref="RngStream.Dropout"/>, epoch, the dataset index of row m, j), with <see cref="Layer"/> hashed into the seed
/// as <see cref="Corrupt.KeyOf"/> keys a deep stack's corruptions, so the mask does not depend on the batch size, the order or
/// the backend, and two dropout modules of one model draw apart. The mask is <see cref="IDropout"/>'s (that of
/// <see cref="ICorruption.Mask"/> at the same key). Backward recomputes it: δ·1/(1 − p) where kept, 0 where dropped, times the
/// input activation's derivative. No parameters, no activation.
/// </summary>
public sealed class Dropout : IModule
{
    private readonly IBackend backend;
    private readonly Tensor<float> output, inputDelta;
    private readonly BatchViews views;
    private Tensor<float>? input;

    /// <param name="probability">The chance that an element is dropped, in [0, 1).</param>
    /// <param name="layer">Keys this module's masks apart from another dropout's in the same model (0: the seed itself).</param>
    public Dropout(IBackend backend, int maxBatch, int width, float probability, int layer = 0)
    {
        Probability = ValidProbability(probability);
        ArgumentOutOfRangeException.ThrowIfNegative(layer);
        this.backend = backend;
        Inputs = Outputs = width;
        Layer = layer;
        output = backend.Allocate<float>(maxBatch, width);
        inputDelta = backend.Allocate<float>(maxBatch, width);
        views = new BatchViews([output, inputDelta]);
    }

    public int Inputs { get; }
    public int Outputs { get; }

    /// <summary>The chance that an element is dropped while training.</summary>
    public float Probability { get; }

    /// <summary>Which of a model's dropouts this is, for its key.</summary>
    public int Layer { get; }

    public Activation OutputActivation => Activation.Identity;
    public IReadOnlyList<Parameter> Parameters => [];

    /// <summary><paramref name="probability"/> when it is in [0, 1); else an <see cref="ArgumentException"/> that names it.</summary>
    public static float ValidProbability(float probability) =>
        probability is >= 0f and < 1f
            ? probability
            : throw new ArgumentException($"a dropout probability must be in [0, 1); got {probability}", nameof(probability));

    /// <summary>The key of this module's masks in a step.</summary>
    public NoiseKey Key(in StepContext context) => Corrupt.KeyOf(context.Seed, RngStream.Dropout, context.Epoch, Layer);

    /// <summary>Whether the module changes anything: training, and p &gt; 0.</summary>
    private bool Active(in StepContext context) => context.Training && Probability != 0f;

    public Tensor<float> Forward(Tensor<float> x, in StepContext context)
    {
        input = x;
        if (!Active(context))
            return x;
        views.Resize(x.Rows);
        backend.Dropout.Forward(x, context.Indices, Key(context), Probability, views[0]);
        return views[0];
    }

    public Tensor<float>? Backward(Tensor<float> delta, in StepContext context, Activation inputActivation, bool needInputDelta)
    {
        if (!needInputDelta)
            return null;
        var active = Active(context);
        if (!active && inputActivation == Activation.Identity)
            return delta;
        var x = input ?? throw new InvalidOperationException("Backward before Forward");
        views.Resize(delta.Rows);
        // Inactive, nothing was dropped or scaled: the same launch at p = 0 (no draw, scale 1) is δ ⊙ act′(x) alone.
        backend.Dropout.Backward(delta, x, inputActivation, context.Indices, Key(context), active ? Probability : 0f, views[1]);
        return views[1];
    }

    public void Dispose()
    {
        output.Dispose();
        inputDelta.Dispose();
    }
}
