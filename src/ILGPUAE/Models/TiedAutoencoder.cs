namespace ILGPUAE.Models;

using ILGPUAE.Backend;
using ILGPUAE.Random;

/// <summary>
/// A tied-weight autoencoder with sigmoid units: y = s(W·x̃ + b_hidden), z = s(Wᵀ·y + b_visible).
/// W is stored once, [hidden, visible]; the decoder reads it transposed inside the GEMM, never as a copy.
/// Tensor names are the checkpoint's names.
/// </summary>
public sealed class TiedAutoencoder : IDisposable
{
    public const string WeightName = "W";
    public const string HiddenBiasName = "b_hidden";
    public const string VisibleBiasName = "b_visible";

    private TiedAutoencoder(IBackend backend, int visible, int hidden, Activation hiddenActivation)
    {
        Backend = backend;
        HiddenActivation = hiddenActivation;
        Visible = visible;
        Hidden = hidden;
        Weights = backend.Allocate<float>(hidden, visible);
        HiddenBias = backend.Allocate<float>(hidden);
        VisibleBias = backend.Allocate<float>(visible);
        parameters = [(WeightName, Weights), (HiddenBiasName, HiddenBias), (VisibleBiasName, VisibleBias)];
    }

    private readonly (string Name, Tensor<float> Tensor)[] parameters;

    public IBackend Backend { get; }

    /// <summary>The hidden units' activation (sigmoid unless a run chose another); the output is always a sigmoid.</summary>
    public Activation HiddenActivation { get; }
    public int Visible { get; }
    public int Hidden { get; }

    /// <summary>W [hidden, visible].</summary>
    public Tensor<float> Weights { get; }

    /// <summary>b_hidden [hidden].</summary>
    public Tensor<float> HiddenBias { get; }

    /// <summary>b_visible [visible].</summary>
    public Tensor<float> VisibleBias { get; }

    /// <summary>The parameters in checkpoint order, with their checkpoint names.</summary>
    public IReadOnlyList<(string Name, Tensor<float> Tensor)> Parameters => parameters;

    /// <summary>W ~ U[−r, r] with r = 4·√(6 / (hidden + visible)) (the sigmoid Glorot range), biases 0.</summary>
    public static TiedAutoencoder Create(IBackend backend, int visible, int hidden, ulong seed, uint layer = 0,
        Activation hiddenActivation = Activation.Sigmoid)
    {
        var model = new TiedAutoencoder(backend, visible, hidden, hiddenActivation);
        model.Weights.CopyFrom(InitialWeights(visible, hidden, seed, layer));
        return model;
    }

    /// <summary>r = 4·√(6 / (hidden + visible)): the initial weights are U[−r, r] (also the range a genetic reset mutation redraws from).</summary>
    public static double InitialWeightRange(int visible, int hidden) => 4.0 * Math.Sqrt(6.0 / (hidden + visible));

    /// <summary>The initial W, drawn from the Init stream keyed by (seed, layer, row, column).</summary>
    public static float[] InitialWeights(int visible, int hidden, ulong seed, uint layer = 0)
    {
        var range = InitialWeightRange(visible, hidden);
        var w = new float[hidden * visible];
        for (var h = 0; h < hidden; h++)
            for (var v = 0; v < visible; v++)
                w[h * visible + v] = (float)(range * (2 * CounterRng.Uniform(seed, (uint)RngStream.Init, layer, (uint)h, (uint)v) - 1));
        return w;
    }

    /// <summary>A model with the given parameter values (from a checkpoint).</summary>
    public static TiedAutoencoder FromValues(IBackend backend, int visible, int hidden, ReadOnlySpan<float> weights,
        ReadOnlySpan<float> hiddenBias, ReadOnlySpan<float> visibleBias, Activation hiddenActivation = Activation.Sigmoid)
    {
        var model = new TiedAutoencoder(backend, visible, hidden, hiddenActivation);
        model.Weights.CopyFrom(weights);
        model.HiddenBias.CopyFrom(hiddenBias);
        model.VisibleBias.CopyFrom(visibleBias);
        return model;
    }

    /// <summary>y[B,hidden] = act(x[B,visible]·Wᵀ + b_hidden), one GEMM with a bias + activation epilogue, launched on <paramref name="on"/> (default: the model's backend, or one of its lanes).</summary>
    public void Encode(Tensor<float> x, Tensor<float> y, IBackend? on = null)
    {
        var backend = on ?? Backend;
        backend.Gemm.Gemm(Transpose.None, Transpose.Transposed, 1f, x, Weights, 0f, y, GemmEpilogue.BiasActivate(HiddenBias, HiddenActivation));
    }

    /// <summary>z[B,visible] = s(y[B,hidden]·W + b_visible), one GEMM with a bias + sigmoid epilogue, launched on <paramref name="on"/> (default: the model's backend).</summary>
    public void Decode(Tensor<float> y, Tensor<float> z, IBackend? on = null)
    {
        var backend = on ?? Backend;
        backend.Gemm.Gemm(Transpose.None, Transpose.None, 1f, y, Weights, 0f, z, GemmEpilogue.BiasActivate(VisibleBias, Activation.Sigmoid));
    }

    public void Dispose()
    {
        Weights.Dispose();
        HiddenBias.Dispose();
        VisibleBias.Dispose();
    }
}
