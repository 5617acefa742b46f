namespace ILGPUAE.Models;

using ILGPUAE.Backend;

/// <summary>
/// One fully connected layer of a <see cref="FeedForwardClassifier"/>: a[B,out] = act(x[B,in]·Wᵀ + b),
/// W stored [out, in] like a tied autoencoder's encoder, so a pretrained layer is loaded as it was saved.
/// Tensor names are the checkpoint's names.
/// </summary>
public sealed class DenseLayer : IDisposable
{
    public DenseLayer(IBackend backend, string weightName, string biasName, int inputs, int outputs)
    {
        WeightName = weightName;
        BiasName = biasName;
        Inputs = inputs;
        Outputs = outputs;
        Weights = backend.Allocate<float>(outputs, inputs);
        Bias = backend.Allocate<float>(outputs);
    }

    public string WeightName { get; }
    public string BiasName { get; }
    public int Inputs { get; }
    public int Outputs { get; }

    /// <summary>W [out, in].</summary>
    public Tensor<float> Weights { get; }

    /// <summary>b [out].</summary>
    public Tensor<float> Bias { get; }

    /// <summary>W then b, with their checkpoint names.</summary>
    public IReadOnlyList<(string Name, Tensor<float> Tensor)> Parameters => [(WeightName, Weights), (BiasName, Bias)];

    public void Dispose()
    {
        Weights.Dispose();
        Bias.Dispose();
    }
}
