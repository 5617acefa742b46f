namespace ILGPUAE.Modules;

using ILGPUAE.Backend;
using ILGPUAE.Models;

/// <summary>
/// A fully connected layer: y[b, out] = act(x[b, in]·Wᵀ + bias), W stored [out, in] (as a tied autoencoder's encoder, so a
/// pretrained layer loads as it was saved). With <see cref="SoftmaxOutput"/>, y = softmax(x·Wᵀ + bias) row by row: a
/// classifier's top layer, whose δ (from the softmax cross-entropy objective) is taken w.r.t. the logits.
/// One launch forward (the bias and activation are the GEMM's epilogue; softmax is a second); backward is the input-delta
/// product (with the activation derivative below as its epilogue), the ∂W product and one column-sums launch.
/// </summary>
public sealed class Dense : IModule
{
    private readonly IBackend backend;
    private readonly Tensor<float> output, inputDelta;
    private readonly BatchViews views;
    private readonly bool ownsWeights, ownsBias;
    private Tensor<float>? input;

    /// <param name="values">Existing W and bias to train in place (by name; see <see cref="NetworkSpec.Build"/>); null allocates them.</param>
    /// <param name="weightName">The checkpoint name of W, e.g. "layer0.W" or "mlp1.W".</param>
    /// <param name="biasName">The checkpoint name of the bias, e.g. "layer0.b_hidden".</param>
    public Dense(IBackend backend, int maxBatch, int inputs, int outputs, Activation activation, string weightName, string biasName,
        bool softmaxOutput = false, SharedValues? values = null)
    {
        if (softmaxOutput && activation != Activation.Identity)
            throw new ArgumentException($"a softmax layer applies no activation of its own before the softmax; got {activation}", nameof(activation));
        this.backend = backend;
        Inputs = inputs;
        Outputs = outputs;
        OutputActivation = activation;
        SoftmaxOutput = softmaxOutput;
        (var w, ownsWeights) = ParameterValues.Get(backend, values, weightName, outputs, inputs);
        (var b, ownsBias) = ParameterValues.Get(backend, values, biasName, outputs);
        Weights = new Parameter(weightName, w, backend.Allocate<float>(outputs, inputs));
        Bias = new Parameter(biasName, b, backend.Allocate<float>(outputs), ParameterGroups.Biases);
        Parameters = [Weights, Bias];
        output = backend.Allocate<float>(maxBatch, outputs);
        inputDelta = backend.Allocate<float>(maxBatch, inputs);
        views = new BatchViews([output, inputDelta]);
    }

    public int Inputs { get; }
    public int Outputs { get; }
    public Activation OutputActivation { get; }

    /// <summary>Whether the output is softmax(logits) (a classifier's top layer).</summary>
    public bool SoftmaxOutput { get; }

    /// <summary>W [out, in].</summary>
    public Parameter Weights { get; }

    /// <summary>bias [out].</summary>
    public Parameter Bias { get; }

    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>
    /// A new layer's values: W uniform in ±4·√(6/(in + out)) from the counter-based generator keyed by (<paramref name="seed"/>,
    /// Init, <paramref name="layer"/>, row, column) — the tied DAE's and the classifier's range and keys
    /// (<see cref="TiedAutoencoder.InitialWeights"/>) — and a zero bias; a softmax top starts at zero, as the classifier's does.
    /// </summary>
    public void Initialize(ulong seed, uint layer)
    {
        Weights.Value.CopyFrom(SoftmaxOutput ? new float[Outputs * Inputs] : TiedAutoencoder.InitialWeights(Inputs, Outputs, seed, layer));
        Bias.Value.CopyFrom(new float[Outputs]);
    }

    public Tensor<float> Forward(Tensor<float> x, in StepContext context)
    {
        views.Resize(x.Rows);
        input = x;
        var y = views[0];
        if (SoftmaxOutput)
        {
            // Softmax needs whole rows: the product, then bias and softmax in a second launch.
            backend.Gemm.Gemm(Transpose.None, Transpose.Transposed, 1f, x, Weights.Value, 0f, y);
            backend.Softmax.BiasSoftmax(y, Bias.Value);
        }
        else
        {
            backend.Gemm.Gemm(Transpose.None, Transpose.Transposed, 1f, x, Weights.Value, 0f, y,
                GemmEpilogue.BiasActivate(Bias.Value, OutputActivation));
        }
        return y;
    }

    public Tensor<float>? Backward(Tensor<float> delta, in StepContext context, Activation inputActivation, bool needInputDelta)
    {
        var x = input ?? throw new InvalidOperationException("Backward before Forward");
        Tensor<float>? dx = null;
        if (needInputDelta)
        {
            // δ_in [b, in] = (δ·W) ⊙ act′(x), formed from W before any update.
            dx = views[1];
            backend.Gemm.Gemm(Transpose.None, Transpose.None, 1f, delta, Weights.Value, 0f, dx, GemmEpilogue.ActivationBackward(x, inputActivation));
        }
        // ∂W [out, in] (+)= δᵀ·x; ∂bias [out] (+)= Σ_rows δ.
        backend.Gemm.Gemm(Transpose.Transposed, Transpose.None, 1f, delta, x, Weights.GradientBeta(), Weights.Grad);
        backend.Gemm.ColumnSums(1f, delta, Bias.GradientBeta(), Bias.Grad);
        return dx;
    }

    public void Dispose()
    {
        foreach (var t in new[] { Weights.Grad, Bias.Grad, output, inputDelta })
            t.Dispose();
        if (ownsWeights)
            Weights.Value.Dispose();
        if (ownsBias)
            Bias.Value.Dispose();
    }
}
