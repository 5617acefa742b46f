namespace ILGPUAE.Modules;

using ILGPUAE.Backend;
using ILGPUAE.Models;
using ILGPUAE.Random;

/// <summary>
/// Corruption of its input while training: masking (each element zeroed with probability p), additive Gaussian noise of
/// standard deviation σ, or salt-and-pepper (each element replaced by a fair coin with probability p) — the Corruption
/// family's kinds. Element (m, j) is drawn from the counter-based generator keyed by (seed, <see cref="Stream"/>, epoch, the
/// dataset index of row m, j), so the noise does not depend on the batch size, the order or the backend. Evaluation passes
/// the input through. No parameters. Backward zeroes δ where an element was replaced and passes it where noise was added
/// (the same draws, recomputed).
/// </summary>
public sealed class Corrupt : IModule
{
    private readonly IBackend backend;
    private readonly Tensor<float> output, inputDelta;
    private readonly BatchViews views;

    /// <param name="layer">0 for a model's input (the key is (seed, stream, epoch), as it always was); i &gt; 0 for the input of
    /// layer i of a deep stack, whose draws are keyed by a hash of (seed, i) so that no two layers share a mask.</param>
    public Corrupt(IBackend backend, int maxBatch, int width, CorruptionNoise noise, RngStream stream = RngStream.Mask, int layer = 0)
    {
        noise.ThrowIfInvalid();
        ArgumentOutOfRangeException.ThrowIfNegative(layer);
        Layer = layer;
        this.backend = backend;
        Inputs = Outputs = width;
        Noise = noise;
        Stream = stream;
        output = backend.Allocate<float>(maxBatch, width);
        inputDelta = backend.Allocate<float>(maxBatch, width);
        views = new BatchViews([output, inputDelta]);
    }

    public int Inputs { get; }
    public int Outputs { get; }
    public CorruptionNoise Noise { get; }
    public RngStream Stream { get; }

    /// <summary>Which layer's input this corrupts (0: the model's input).</summary>
    public int Layer { get; }

    /// <summary>Corruption replaces values or adds noise to them: it applies no activation of its own.</summary>
    public Activation OutputActivation => Activation.Identity;

    public IReadOnlyList<Parameter> Parameters => [];

    /// <summary>Whether the module changes anything: training, and a nonzero amount.</summary>
    private bool Active(in StepContext c) => c.Training && Noise.Amount != 0f;

    private NoiseKey Key(in StepContext c) =>
        new(Layer == 0 ? c.Seed : CounterRng.Hash64(c.Seed, (uint)Stream, (uint)Layer, 0, 0), Stream, c.Epoch);

    public Tensor<float> Forward(Tensor<float> x, in StepContext context)
    {
        if (!Active(context))
            return x;
        views.Resize(x.Rows);
        // Masking goes through Mask itself (the general Corrupt draws the very same mask): the fused fast paths use Mask.
        if (Noise.Kind == CorruptionKind.Masking)
            backend.Corruption.Mask(x, context.Indices, Key(context), Noise.Amount, views[0]);
        else
            backend.Corruption.Corrupt(x, context.Indices, Key(context), Noise, views[0]);
        return views[0];
    }

    public Tensor<float>? Backward(Tensor<float> delta, in StepContext context, Activation inputActivation, bool needInputDelta)
    {
        if (!needInputDelta)
            return null;
        // δ_in = δ ⊙ ∂x̃/∂x, then ⊙ act′(x) of the layer below; the family has no element-wise activation derivative yet, so
        // this module passes deltas only onto an input without activation (data, or another corruption).
        if (inputActivation != Activation.Identity)
            throw new NotSupportedException($"corruption after a {inputActivation} layer: its backward needs an element-wise {inputActivation} derivative");
        if (!Active(context))
            return delta;
        views.Resize(delta.Rows);
        backend.Corruption.CorruptBackward(delta, context.Indices, Key(context), Noise, views[1]);
        return views[1];
    }

    public void Dispose()
    {
        output.Dispose();
        inputDelta.Dispose();
    }
}
