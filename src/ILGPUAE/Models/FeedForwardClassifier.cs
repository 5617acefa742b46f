namespace ILGPUAE.Models;

using ILGPUAE.Backend;

/// <summary>
/// A feed-forward classifier: sigmoid layers, then a softmax layer. The first layers may come from a
/// pretrained stack of tied denoising autoencoders (their encoders); see <see cref="ClassifierArchitecture"/>
/// for the layers and their names. Passes over it live in <see cref="ClassifierActivations"/> and
/// <see cref="ClassifierPass"/>.
/// </summary>
public sealed class FeedForwardClassifier : IDisposable
{
    private readonly DenseLayer[] layers;

    private FeedForwardClassifier(IBackend backend, ClassifierArchitecture architecture)
    {
        Backend = backend;
        Architecture = architecture;
        layers = new DenseLayer[architecture.LayerCount];
        for (var l = 0; l < layers.Length; l++)
            layers[l] = new DenseLayer(backend, architecture.WeightName(l), architecture.BiasName(l), architecture.InputsOf(l), architecture.OutputsOf(l));
    }

    public IBackend Backend { get; }
    public ClassifierArchitecture Architecture { get; }

    /// <summary>Forward order; the last is the softmax layer.</summary>
    public IReadOnlyList<DenseLayer> Layers => layers;

    /// <summary>Every parameter in forward order (W then b per layer), with its checkpoint name.</summary>
    public IEnumerable<(string Name, Tensor<float> Tensor)> Parameters => layers.SelectMany(l => l.Parameters);

    /// <summary>
    /// Fresh weights: every sigmoid layer W ~ U[−r, r], r = 4·√(6 / (in + out)) from the Init stream keyed by
    /// (seed, layer index, row, column); the softmax layer's W and every bias 0 (as the Theano SdA tutorial).
    /// </summary>
    public static FeedForwardClassifier Create(IBackend backend, ClassifierArchitecture architecture, ulong seed)
    {
        var model = new FeedForwardClassifier(backend, architecture);
        for (var l = 0; l < model.layers.Length - 1; l++)
        {
            var layer = model.layers[l];
            layer.Weights.CopyFrom(TiedAutoencoder.InitialWeights(layer.Inputs, layer.Outputs, seed, (uint)l));
        }
        return model;
    }

    /// <summary>
    /// Overwrites the parameters whose names <paramref name="values"/> knows: it returns a tensor's data for
    /// a name and its expected shape, or null to keep the present values (and throws on a shape mismatch).
    /// Returns the names it loaded.
    /// </summary>
    public IReadOnlyList<string> Load(Func<string, int[], float[]?> values)
    {
        var loaded = new List<string>();
        foreach (var (name, tensor) in Parameters)
        {
            if (values(name, [.. tensor.Shape.Dimensions]) is { } data)
            {
                tensor.CopyFrom(data);
                loaded.Add(name);
            }
        }
        return loaded;
    }

    public void Dispose()
    {
        foreach (var layer in layers)
            layer.Dispose();
    }
}
