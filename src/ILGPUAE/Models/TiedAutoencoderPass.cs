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
    // [δy; y] [2·maxBatch, hidden] and [x̃; δz] [2·maxBatch, visible]: for a batch of b, rows [0, b) and [b, 2b), so
    // ∂W = δyᵀ·x̃ + yᵀ·δz is one product over a depth of 2b (see ForwardBackward).
    private readonly Tensor<float> clean, output, hiddenStack, visibleStack;
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
        output = b.Allocate<float>(maxBatch, model.Visible);
        hiddenStack = b.Allocate<float>(2 * maxBatch, model.Hidden);
        visibleStack = b.Allocate<float>(2 * maxBatch, model.Visible);
        WeightGradient = b.Allocate<float>(model.Hidden, model.Visible);
        HiddenBiasGradient = b.Allocate<float>(model.Hidden);
        VisibleBiasGradient = b.Allocate<float>(model.Visible);
        gradients = [WeightGradient, HiddenBiasGradient, VisibleBiasGradient];
        full = RowViews.Of(maxBatch, clean, output, hiddenStack, visibleStack);
    }

    /// <summary>
    /// The activations of a batch of b rows, views made once per batch size (so a step allocates nothing): x, z the first
    /// b rows of their buffers; x̃, δz rows [0, b) and [b, 2b) of the visible stack, δy, y those of the hidden stack;
    /// DyY = [δy; y] and XtDz = [x̃; δz], their first 2b rows.
    /// </summary>
    private sealed record RowViews(Tensor<float> X, Tensor<float> Xt, Tensor<float> Y, Tensor<float> Z, Tensor<float> Dz, Tensor<float> Dy,
        Tensor<float> DyY, Tensor<float> XtDz)
    {
        public int Rows => X.Rows;

        public static RowViews Of(int b, Tensor<float> clean, Tensor<float> output, Tensor<float> hiddenStack, Tensor<float> visibleStack) =>
            new(clean.Slice(0, b), visibleStack.Slice(0, b), hiddenStack.Slice(b, b), output.Slice(0, b), visibleStack.Slice(b, b),
                hiddenStack.Slice(0, b), hiddenStack.Slice(0, 2 * b), visibleStack.Slice(0, 2 * b));
    }

    private RowViews Rows(int b)
    {
        if (b == MaxBatch)
            return full;
        if (partial?.Rows != b)
            partial = RowViews.Of(b, clean, output, hiddenStack, visibleStack);
        return partial;
    }

    public int MaxBatch { get; }

    /// <summary>
    /// This pass's code, output and output-delta buffers as an evaluator's scratch, when they have at least
    /// <paramref name="rows"/> rows (else null): a trainer evaluates between steps, while they are idle.
    /// </summary>
    public ReconstructionScratch? Scratch(int rows) => rows <= MaxBatch ? new ReconstructionScratch(hiddenStack, output, visibleStack) : null;

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
        var (_, _, _, _, dz, dy, dyY, xtDz) = Deltas(data, indices, noise, corruption, loss, losses);

        // ∂L/∂W = δyᵀ·x̃ (encoder) + yᵀ·δz (decoder, through Wᵀ) = [δy; y]ᵀ·[x̃; δz]: one product over the 2b stacked rows,
        // so the two contributions are summed in registers and ∂W is written once.
        backend.Gemm.Gemm(Transpose.Transposed, Transpose.None, 1f, dyY, xtDz, 0f, WeightGradient);
        backend.Gemm.ColumnSums(1f, dy, dz, 0f, HiddenBiasGradient, VisibleBiasGradient);
    }

    /// <summary>
    /// <see cref="ForwardBackward"/> and a plain-SGD step (momentum 0) on the model's parameters in the same launches:
    /// W ← W − lr·∂W as the ∂W product with alpha = −lr and beta = 1 into W, and both biases as one column-sums launch
    /// into them, so no gradient is written or read back. W is read only by the δy product, which has run by then, so
    /// the step is plain SGD's "every gradient at the current weights, then update". The gradient tensors are untouched.
    /// </summary>
    public void ForwardBackwardSgd(Tensor<float> data, Tensor<int> indices, NoiseKey noise, float corruption, LossKind loss, Tensor<float> losses,
        float learningRate)
    {
        var (_, _, _, _, dz, dy, dyY, xtDz) = Deltas(data, indices, noise, corruption, loss, losses);
        backend.Gemm.Gemm(Transpose.Transposed, Transpose.None, -learningRate, dyY, xtDz, 1f, model.Weights);
        backend.Gemm.ColumnSums(-learningRate, dy, dz, 1f, model.HiddenBias, model.VisibleBias);
    }

    /// <summary>
    /// One SGD step as the trainer takes it: <see cref="ForwardBackwardSgd"/> at momentum 0; otherwise
    /// <see cref="ForwardBackward"/>, then PyTorch's momentum SGD on each of the model's parameters with its velocity
    /// (<paramref name="velocities"/>[i] for the model's Parameters[i]; unused, and may hold nulls, at momentum 0).
    /// </summary>
    public void SgdStep(Tensor<float> data, Tensor<int> indices, NoiseKey noise, float corruption, LossKind loss, Tensor<float> losses,
        float learningRate, float momentum, IReadOnlyList<Tensor<float>?> velocities)
    {
        if (momentum == 0)
        {
            ForwardBackwardSgd(data, indices, noise, corruption, loss, losses, learningRate);
            return;
        }
        ForwardBackward(data, indices, noise, corruption, loss, losses);
        for (var i = 0; i < gradients.Length; i++)
            backend.Optimizer.Sgd(model.Parameters[i].Tensor, gradients[i], velocities[i], learningRate, momentum);
    }

    /// <summary>The forward pass, the losses and both deltas (δz and δy, already scaled by 1/b for the mean) of a batch.</summary>
    private RowViews Deltas(Tensor<float> data, Tensor<int> indices, NoiseKey noise, float corruption, LossKind loss, Tensor<float> losses)
    {
        var b = indices.Length;
        var rows = Rows(b);
        var (x, xt, y, z, dz, dy, _, _) = rows;

        backend.Corruption.GatherMask(data, indices, noise, corruption, x, xt);
        model.Encode(xt, y, backend);
        model.Decode(y, z, backend);

        // δz = ∂(mean loss)/∂(decoder pre-activation); δy = (δz·W) ⊙ act′(y) (y(1 − y) for the sigmoid).
        backend.Delta.SigmoidOutputDelta(loss, z, x, 1f / b, dz, losses);
        backend.Gemm.Gemm(Transpose.None, Transpose.Transposed, 1f, dz, model.Weights, 0f, dy, GemmEpilogue.ActivationBackward(y, model.HiddenActivation));
        return rows;
    }

    public void Dispose()
    {
        foreach (var t in new[] { clean, output, hiddenStack, visibleStack, WeightGradient, HiddenBiasGradient, VisibleBiasGradient })
            t.Dispose();
    }
}
