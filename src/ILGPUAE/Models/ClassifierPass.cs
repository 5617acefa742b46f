namespace ILGPUAE.Models;

using ILGPUAE.Backend;
using ILGPUAE.Random;

/// <summary>
/// Forward and backward of one minibatch through a <see cref="FeedForwardClassifier"/>: the gradients of
/// the mean softmax cross-entropy w.r.t. the parameters of layers <see cref="FirstTrained"/> and above
/// (layers below it are frozen: no delta is propagated into them). Buffers are allocated once.
/// </summary>
public sealed class ClassifierPass : IDisposable
{
    private readonly FeedForwardClassifier model;
    private readonly ClassifierActivations activations;
    private readonly Tensor<float> input;
    private readonly Tensor<float>[] deltas;
    private readonly BatchViews inputView, deltaViews;
    private readonly (Tensor<float> Weights, Tensor<float> Bias)[] gradients;

    /// <param name="firstTrained">The lowest layer that gets gradients: 0 trains everything, the stack's depth freezes the stack.</param>
    public ClassifierPass(FeedForwardClassifier model, int maxBatch, int firstTrained = 0)
    {
        if (firstTrained < 0 || firstTrained >= model.Layers.Count)
            throw new ArgumentOutOfRangeException(nameof(firstTrained), firstTrained, $"expected a layer index in [0, {model.Layers.Count})");
        this.model = model;
        FirstTrained = firstTrained;
        var backend = model.Backend;
        activations = new ClassifierActivations(model, maxBatch);
        input = backend.Allocate<float>(maxBatch, model.Architecture.Inputs);
        var trained = model.Layers.Skip(firstTrained).ToArray();
        deltas = trained.Select(l => backend.Allocate<float>(maxBatch, l.Outputs)).ToArray();
        gradients = trained.Select(l => (backend.Allocate<float>(l.Outputs, l.Inputs), backend.Allocate<float>(l.Outputs))).ToArray();
        inputView = new BatchViews([input]);
        deltaViews = new BatchViews(deltas);
        Trained = trained.Zip(gradients).SelectMany(p => new[] { (p.First.Weights, p.Second.Weights), (p.First.Bias, p.Second.Bias) }).ToArray();
    }

    public int FirstTrained { get; }
    public int MaxBatch => activations.MaxBatch;

    /// <summary>Each trained parameter with its gradient, in forward order (W then b per layer).</summary>
    public IReadOnlyList<(Tensor<float> Parameter, Tensor<float> Gradient)> Trained { get; }

    /// <summary>The class probabilities [b, classes] of the last pass.</summary>
    public Tensor<float> Probabilities => activations.Output(model.Layers.Count - 1);

    /// <summary>
    /// For rows <paramref name="indices"/> [b] of <paramref name="data"/> [N, inputs] with classes
    /// <paramref name="labels"/> [b]: writes the b per-example losses into <paramref name="losses"/> [b]
    /// and the gradients of their mean into <see cref="Trained"/>. With <paramref name="corruption"/> &gt; 0
    /// the rows are masked first, as <see cref="ICorruption.Mask"/> draws it under <paramref name="noise"/>.
    /// </summary>
    public void ForwardBackward(Tensor<float> data, Tensor<int> indices, Tensor<int> labels, Tensor<float> losses,
        NoiseKey noise = default, float corruption = 0f) =>
        Run(data, indices, labels, losses, noise, corruption, sgdRate: null);

    /// <summary>
    /// <see cref="ForwardBackward"/> and a plain-SGD step (momentum 0) on the trained layers in the same launches: each
    /// layer's W ← W − lr·δᵀ·a_below as one product into W (alpha −lr, beta 1) and b ← b − lr·Σδ as one column-sums launch,
    /// so no gradient is written or read back; <see cref="Trained"/>'s gradients are untouched. A layer's δ_below is formed
    /// from its W before the update, so every gradient is taken at the current weights, as plain SGD defines the step.
    /// </summary>
    public void ForwardBackwardSgd(Tensor<float> data, Tensor<int> indices, Tensor<int> labels, Tensor<float> losses, float learningRate,
        NoiseKey noise = default, float corruption = 0f) =>
        Run(data, indices, labels, losses, noise, corruption, learningRate);

    /// <summary>Forward and backward; with <paramref name="sgdRate"/> the products update the parameters instead of writing gradients.</summary>
    private void Run(Tensor<float> data, Tensor<int> indices, Tensor<int> labels, Tensor<float> losses, NoiseKey noise, float corruption,
        float? sgdRate)
    {
        var backend = model.Backend;
        var b = indices.Length;
        if (b > MaxBatch)
            throw new ArgumentException($"indices {indices.Shape} has more rows than the {MaxBatch} this pass was allocated for", nameof(indices));
        inputView.Resize(b);
        deltaViews.Resize(b);
        var x = inputView[0];
        // Masked rows in one launch (x is both outputs: it ends up masked), bit for bit Gather then Mask.
        if (corruption > 0f)
            backend.Corruption.GatherMask(data, indices, noise, corruption, x, x);
        else
            backend.Corruption.Gather(data, indices, x);
        var z = activations.Forward(x);

        // δ of the top layer = ∂(mean loss)/∂(logits) = (z − onehot) / b.
        var last = model.Layers.Count - 1;
        backend.Softmax.CrossEntropyDelta(z, labels, 1f / b, deltaViews[last - FirstTrained], losses);
        for (var l = last; l >= FirstTrained; l--)
        {
            var layer = model.Layers[l];
            var delta = deltaViews[l - FirstTrained];
            var below = l == 0 ? x : activations.Output(l - 1);
            if (l > FirstTrained)
            {
                // δ_below = (δ·W) ⊙ a_below(1 − a_below), in one launch; first, while W is the current one.
                var deltaBelow = deltaViews[l - 1 - FirstTrained];
                backend.Gemm.Gemm(Transpose.None, Transpose.None, 1f, delta, layer.Weights, 0f, deltaBelow,
                    GemmEpilogue.ActivationBackward(below, Activation.Sigmoid));
            }
            if (sgdRate is { } lr)
            {
                // W ← W − lr·δᵀ·a_below; b ← b − lr·Σ_rows δ.
                backend.Gemm.Gemm(Transpose.Transposed, Transpose.None, -lr, delta, below, 1f, layer.Weights);
                backend.Gemm.ColumnSums(-lr, delta, 1f, layer.Bias);
            }
            else
            {
                // ∂L/∂W = δᵀ·a_below [out, in]; ∂L/∂b = Σ_rows δ.
                var (gw, gb) = gradients[l - FirstTrained];
                backend.Gemm.Gemm(Transpose.Transposed, Transpose.None, 1f, delta, below, 0f, gw);
                backend.Gemm.ColumnSums(1f, delta, 0f, gb);
            }
        }
    }

    public void Dispose()
    {
        activations.Dispose();
        input.Dispose();
        foreach (var d in deltas)
            d.Dispose();
        foreach (var (w, b) in gradients)
        {
            w.Dispose();
            b.Dispose();
        }
    }
}
