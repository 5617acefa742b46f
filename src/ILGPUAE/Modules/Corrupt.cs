namespace ILGPUAE.Modules;

using ILGPUAE.Backend;
using ILGPUAE.Models;
using ILGPUAE.Random;

/// <summary>
/// Masking noise on its input while training: element (m, j) is zeroed with probability p, drawn from the counter-based
/// generator keyed by (seed, <see cref="Stream"/>, epoch, the dataset index of row m, j), so the mask does not depend on
/// the batch size, the order or the backend (<see cref="ICorruption.Mask"/>). Evaluation passes the input through.
/// No parameters. Backward zeroes δ where the input was masked (the same draws, recomputed).
/// </summary>
public sealed class Corrupt : IModule
{
    private readonly IBackend backend;
    private readonly Tensor<float> output, inputDelta;
    private readonly BatchViews views;

    public Corrupt(IBackend backend, int maxBatch, int width, float probability, RngStream stream = RngStream.Mask)
    {
        if (!(probability >= 0f && probability <= 1f))
            throw new ArgumentOutOfRangeException(nameof(probability), probability, "a masking probability is in [0, 1]");
        this.backend = backend;
        Inputs = Outputs = width;
        Probability = probability;
        Stream = stream;
        output = backend.Allocate<float>(maxBatch, width);
        inputDelta = backend.Allocate<float>(maxBatch, width);
        views = new BatchViews([output, inputDelta]);
    }

    public int Inputs { get; }
    public int Outputs { get; }
    public float Probability { get; }
    public RngStream Stream { get; }

    /// <summary>Masking passes values through unchanged or zeroes them: it adds no activation of its own.</summary>
    public Activation OutputActivation => Activation.Identity;

    public IReadOnlyList<Parameter> Parameters => [];

    private NoiseKey Key(in StepContext c) => new(c.Seed, Stream, c.Epoch);

    public Tensor<float> Forward(Tensor<float> x, in StepContext context)
    {
        if (!context.Training || Probability == 0f)
            return x;
        views.Resize(x.Rows);
        backend.Corruption.Mask(x, context.Indices, Key(context), Probability, views[0]);
        return views[0];
    }

    public Tensor<float>? Backward(Tensor<float> delta, in StepContext context, Activation inputActivation, bool needInputDelta)
    {
        if (!needInputDelta)
            return null;
        // δ_in = δ ⊙ mask, then ⊙ act′(x) of the layer below; the family has no element-wise activation derivative yet, so
        // this module passes deltas only onto an input without activation (data, or another corruption).
        if (inputActivation != Activation.Identity)
            throw new NotSupportedException($"masking noise after a {inputActivation} layer: its backward needs an element-wise {inputActivation} derivative");
        if (!context.Training || Probability == 0f)
            return delta;
        views.Resize(delta.Rows);
        backend.Corruption.Mask(delta, context.Indices, Key(context), Probability, views[1]);
        return views[1];
    }

    public void Dispose()
    {
        output.Dispose();
        inputDelta.Dispose();
    }
}
