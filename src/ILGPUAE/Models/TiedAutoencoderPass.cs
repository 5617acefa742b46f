namespace ILGPUAE.Models;

using ILGPUAE.Backend;
using ILGPUAE.Random;

/// <summary>
/// The activations and gradients of one minibatch through a <see cref="TiedAutoencoder"/>, allocated
/// once for the largest batch; a smaller batch uses row views of the same buffers.
/// </summary>
public sealed class TiedAutoencoderPass : IDisposable
{
    private readonly TiedAutoencoder model;
    private readonly Tensor<float> clean, corrupted, hidden, output, outputDelta, hiddenDelta;

    public TiedAutoencoderPass(TiedAutoencoder model, int maxBatch)
    {
        this.model = model;
        var b = model.Backend;
        MaxBatch = maxBatch;
        clean = b.Allocate<float>(maxBatch, model.Visible);
        corrupted = b.Allocate<float>(maxBatch, model.Visible);
        hidden = b.Allocate<float>(maxBatch, model.Hidden);
        output = b.Allocate<float>(maxBatch, model.Visible);
        outputDelta = b.Allocate<float>(maxBatch, model.Visible);
        hiddenDelta = b.Allocate<float>(maxBatch, model.Hidden);
        WeightGradient = b.Allocate<float>(model.Hidden, model.Visible);
        HiddenBiasGradient = b.Allocate<float>(model.Hidden);
        VisibleBiasGradient = b.Allocate<float>(model.Visible);
    }

    public int MaxBatch { get; }

    /// <summary>∂L/∂W [hidden, visible]: the encoder's and the decoder's contributions, summed in one tensor.</summary>
    public Tensor<float> WeightGradient { get; }

    public Tensor<float> HiddenBiasGradient { get; }
    public Tensor<float> VisibleBiasGradient { get; }

    /// <summary>Gradients in the order of <see cref="TiedAutoencoder.Parameters"/>.</summary>
    public IReadOnlyList<Tensor<float>> Gradients => [WeightGradient, HiddenBiasGradient, VisibleBiasGradient];

    /// <summary>
    /// Forward and backward for rows <paramref name="indices"/> [b] of <paramref name="data"/> [N, visible],
    /// masked with probability <paramref name="corruption"/> under <paramref name="noise"/>. Writes the b
    /// per-example losses into <paramref name="losses"/> [b] and the gradients of their mean.
    /// </summary>
    public void ForwardBackward(Tensor<float> data, Tensor<int> indices, NoiseKey noise, float corruption, LossKind loss, Tensor<float> losses)
    {
        var backend = model.Backend;
        var b = indices.Length;
        var x = clean.Slice(0, b);
        var xt = corrupted.Slice(0, b);
        var y = hidden.Slice(0, b);
        var z = output.Slice(0, b);
        var dz = outputDelta.Slice(0, b);
        var dy = hiddenDelta.Slice(0, b);

        backend.Corruption.Gather(data, indices, x);
        backend.Corruption.Mask(x, indices, noise, corruption, xt);
        model.Encode(xt, y);
        model.Decode(y, z);

        // δz = ∂(mean loss)/∂(decoder pre-activation); δy = (δz·W) ⊙ y(1 − y).
        backend.Delta.SigmoidOutputDelta(loss, z, x, 1f / b, dz, losses);
        backend.Gemm.Gemm(Transpose.None, Transpose.Transposed, 1f, dz, model.Weights, 0f, dy);
        backend.Activation.Backward(dy, y, Activation.Sigmoid);

        // ∂L/∂W = δyᵀ·x̃ (encoder) + yᵀ·δz (decoder, through Wᵀ).
        backend.Gemm.Gemm(Transpose.Transposed, Transpose.None, 1f, dy, xt, 0f, WeightGradient);
        backend.Gemm.Gemm(Transpose.Transposed, Transpose.None, 1f, y, dz, 1f, WeightGradient);
        backend.Gemm.ColumnSums(dy, 0f, HiddenBiasGradient);
        backend.Gemm.ColumnSums(dz, 0f, VisibleBiasGradient);
    }

    public void Dispose()
    {
        foreach (var t in new[] { clean, corrupted, hidden, output, outputDelta, hiddenDelta, WeightGradient, HiddenBiasGradient, VisibleBiasGradient })
            t.Dispose();
    }
}
