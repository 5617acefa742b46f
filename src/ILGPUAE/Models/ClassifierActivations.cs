namespace ILGPUAE.Models;

using ILGPUAE.Backend;

/// <summary>The layer outputs of a <see cref="FeedForwardClassifier"/> for up to <see cref="MaxBatch"/> rows, allocated once.</summary>
public sealed class ClassifierActivations : IDisposable
{
    private readonly FeedForwardClassifier model;
    private readonly Tensor<float>[] outputs;
    private readonly BatchViews views;

    public ClassifierActivations(FeedForwardClassifier model, int maxBatch)
    {
        this.model = model;
        MaxBatch = maxBatch;
        outputs = model.Layers.Select(l => model.Backend.Allocate<float>(maxBatch, l.Outputs)).ToArray();
        views = new BatchViews(outputs);
    }

    public int MaxBatch { get; }

    /// <summary>Layer <paramref name="layer"/>'s output [b, out] from the last <see cref="Forward"/> of b rows.</summary>
    public Tensor<float> Output(int layer) => views[layer];

    /// <summary>
    /// a₀ = s(x·W₀ᵀ + b₀), …, the last a = softmax(a·Wᵀ + b) for x [b, inputs] with b ≤ <see cref="MaxBatch"/>;
    /// returns the class probabilities [b, classes].
    /// </summary>
    public Tensor<float> Forward(Tensor<float> x)
    {
        if (x.Rows > MaxBatch)
            throw new ArgumentException($"x {x.Shape} has more rows than the {MaxBatch} these activations were allocated for", nameof(x));
        views.Resize(x.Rows);
        var backend = model.Backend;
        var last = model.Layers.Count - 1;
        var input = x;
        for (var l = 0; l <= last; l++)
        {
            var layer = model.Layers[l];
            var a = views[l];
            // A hidden layer is s(input·Wᵀ + b) in one launch; softmax needs whole rows, so the top layer's is a second one.
            if (l < last)
            {
                backend.Gemm.Gemm(Transpose.None, Transpose.Transposed, 1f, input, layer.Weights, 0f, a,
                    GemmEpilogue.BiasActivate(layer.Bias, Activation.Sigmoid));
            }
            else
            {
                backend.Gemm.Gemm(Transpose.None, Transpose.Transposed, 1f, input, layer.Weights, 0f, a);
                backend.Softmax.BiasSoftmax(a, layer.Bias);
            }
            input = a;
        }
        return views[last];
    }

    public void Dispose()
    {
        foreach (var t in outputs)
            t.Dispose();
    }
}
