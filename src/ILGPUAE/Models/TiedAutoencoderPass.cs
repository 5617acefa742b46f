namespace ILGPUAE.Models;

using ILGPUAE.Backend;
using ILGPUAE.Evaluation;
using ILGPUAE.Random;

/// <summary>
/// The activations and gradients of one minibatch through a <see cref="TiedAutoencoder"/>, allocated
/// once for the largest batch; a smaller batch uses row views of the same buffers.
/// </summary>
public sealed class TiedAutoencoderPass : IDisposable
{
    private readonly TiedAutoencoder model;
    private readonly IBackend backend;
    private readonly Tensor<float> clean, corrupted, hidden, output, outputDelta, hiddenDelta;
    private readonly Tensor<float>[] gradients;
    private readonly RowViews full;
    private RowViews? partial;

    /// <param name="lane">Where this pass's buffers live and its kernels run: the model's backend (default) or one of its lanes.</param>
    public TiedAutoencoderPass(TiedAutoencoder model, int maxBatch, IBackend? lane = null)
    {
        this.model = model;
        backend = lane ?? model.Backend;
        var b = backend;
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
        gradients = [WeightGradient, HiddenBiasGradient, VisibleBiasGradient];
        full = new RowViews(clean, corrupted, hidden, output, outputDelta, hiddenDelta);
    }

    /// <summary>The first b rows of every activation buffer; made once per batch size, so a step allocates nothing.</summary>
    private sealed record RowViews(Tensor<float> X, Tensor<float> Xt, Tensor<float> Y, Tensor<float> Z, Tensor<float> Dz, Tensor<float> Dy)
    {
        public int Rows => X.Rows;

        public RowViews Take(int b) => new(X.Slice(0, b), Xt.Slice(0, b), Y.Slice(0, b), Z.Slice(0, b), Dz.Slice(0, b), Dy.Slice(0, b));
    }

    private RowViews Rows(int b)
    {
        if (b == MaxBatch)
            return full;
        if (partial?.Rows != b)
            partial = full.Take(b);
        return partial;
    }

    public int MaxBatch { get; }

    /// <summary>
    /// This pass's code, output and output-delta buffers as an evaluator's scratch, when they have at least
    /// <paramref name="rows"/> rows (else null): a trainer evaluates between steps, while they are idle.
    /// </summary>
    public ReconstructionScratch? Scratch(int rows) => rows <= MaxBatch ? new ReconstructionScratch(hidden, output, outputDelta) : null;

    /// <summary>The backend this pass launches on.</summary>
    public IBackend Backend => backend;

    /// <summary>∂L/∂W [hidden, visible]: the encoder's and the decoder's contributions, summed in one tensor.</summary>
    public Tensor<float> WeightGradient { get; }

    public Tensor<float> HiddenBiasGradient { get; }
    public Tensor<float> VisibleBiasGradient { get; }

    /// <summary>Gradients in the order of <see cref="TiedAutoencoder.Parameters"/>.</summary>
    public IReadOnlyList<Tensor<float>> Gradients => gradients;

    /// <summary>
    /// Forward and backward for rows <paramref name="indices"/> [b] of <paramref name="data"/> [N, visible],
    /// masked with probability <paramref name="corruption"/> under <paramref name="noise"/>. Writes the b
    /// per-example losses into <paramref name="losses"/> [b] and the gradients of their mean.
    /// </summary>
    public void ForwardBackward(Tensor<float> data, Tensor<int> indices, NoiseKey noise, float corruption, LossKind loss, Tensor<float> losses)
    {
        var b = indices.Length;
        var (x, xt, y, z, dz, dy) = Rows(b);

        backend.Corruption.GatherMask(data, indices, noise, corruption, x, xt);
        model.Encode(xt, y, backend);
        model.Decode(y, z, backend);

        // δz = ∂(mean loss)/∂(decoder pre-activation); δy = (δz·W) ⊙ y(1 − y).
        backend.Delta.SigmoidOutputDelta(loss, z, x, 1f / b, dz, losses);
        backend.Gemm.Gemm(Transpose.None, Transpose.Transposed, 1f, dz, model.Weights, 0f, dy, GemmEpilogue.ActivationBackward(y, Activation.Sigmoid));

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
