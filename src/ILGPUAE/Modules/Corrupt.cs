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
/// (the same draws, recomputed); above a layer with an activation (a deep stack's corrupted code) it also multiplies by that
/// activation's derivative at the clean input, in the same launch, as every module's backward does for the module below.
/// </summary>
public sealed class Corrupt : IModule
{
    private readonly IBackend backend;
    private readonly Tensor<float> output, inputDelta;
    private readonly BatchViews views;
    private Tensor<float>? input;

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

    private NoiseKey Key(in StepContext c) => KeyOf(c.Seed, Stream, c.Epoch, Layer);

    /// <summary>
    /// The key the corruption of <paramref name="layer"/>'s input draws from in epoch <paramref name="epoch"/> of a run seeded
    /// <paramref name="seed"/>: (seed, stream, epoch) for the model's input, a hash of (seed, stream, layer) in place of the seed above it.
    /// </summary>
    public static NoiseKey KeyOf(ulong seed, RngStream stream, uint epoch, int layer) =>
        new(layer == 0 ? seed : CounterRng.Hash64(seed, (uint)stream, (uint)layer, 0, 0), stream, epoch);

    public Tensor<float> Forward(Tensor<float> x, in StepContext context)
    {
        input = x;
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
        if (inputActivation == Activation.Identity)
        {
            // δ_in = δ ⊙ ∂x̃/∂x onto data or a module without activation.
            if (!Active(context))
                return delta;
            views.Resize(delta.Rows);
            backend.Corruption.CorruptBackward(delta, context.Indices, Key(context), Noise, views[1]);
            return views[1];
        }
        // δ_in = δ ⊙ ∂x̃/∂x ⊙ act′(h), h the clean outputs of the layer below (a deep stack's code), in one launch. Inactive, nothing
        // was replaced: the same launch at amount 0 (threshold 0, no draw) is δ ⊙ act′(h) alone.
        var h = input ?? throw new InvalidOperationException("Backward before Forward");
        views.Resize(delta.Rows);
        var noise = Active(context) ? Noise : Noise with { Amount = 0f };
        backend.Corruption.CorruptBackward(delta, h, inputActivation, context.Indices, Key(context), noise, views[1]);
        return views[1];
    }

    public void Dispose()
    {
        output.Dispose();
        inputDelta.Dispose();
    }
}
