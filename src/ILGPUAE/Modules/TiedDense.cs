namespace ILGPUAE.Modules;

using ILGPUAE.Backend;
using ILGPUAE.Models;

/// <summary>
/// The decoder of a <see cref="Dense"/> encoder with tied weights: z[b, in] = act(y[b, out]·W + bias), where W [out, in] is
/// the encoder's, read transposed inside the GEMM and never copied; its gradient yᵀ·δ is added into the encoder's W
/// gradient, so the tied W is stored once and trained by both uses. Owns only its bias (e.g. "b_visible").
/// </summary>
public sealed class TiedDense : IModule
{
    private readonly IBackend backend;
    private readonly Tensor<float> output, inputDelta;
    private readonly BatchViews views;
    private readonly bool ownsBias;
    private Tensor<float>? input;

    public TiedDense(IBackend backend, int maxBatch, Dense encoder, Activation activation, string biasName, SharedValues? values = null)
    {
        this.backend = backend;
        Encoder = encoder;
        Inputs = encoder.Outputs;
        Outputs = encoder.Inputs;
        OutputActivation = activation;
        (var b, ownsBias) = ParameterValues.Get(backend, values, biasName, Outputs);
        Bias = new Parameter(biasName, b, backend.Allocate<float>(Outputs), ParameterGroups.Biases);
        Parameters = [Bias];
        output = backend.Allocate<float>(maxBatch, Outputs);
        inputDelta = backend.Allocate<float>(maxBatch, Inputs);
        views = new BatchViews([output, inputDelta]);
    }

    /// <summary>The layer whose W this one reads transposed.</summary>
    public Dense Encoder { get; }

    public int Inputs { get; }
    public int Outputs { get; }
    public Activation OutputActivation { get; }

    /// <summary>bias [in of the encoder].</summary>
    public Parameter Bias { get; }

    public IReadOnlyList<Parameter> Parameters { get; }

    private Parameter Weights => Encoder.Weights;

    public Tensor<float> Forward(Tensor<float> y, in StepContext context)
    {
        views.Resize(y.Rows);
        input = y;
        var z = views[0];
        backend.Gemm.Gemm(Transpose.None, Transpose.None, 1f, y, Weights.Value, 0f, z, GemmEpilogue.BiasActivate(Bias.Value, OutputActivation));
        return z;
    }

    public Tensor<float>? Backward(Tensor<float> delta, in StepContext context, Activation inputActivation, bool needInputDelta)
    {
        var y = input ?? throw new InvalidOperationException("Backward before Forward");
        Tensor<float>? dy = null;
        if (needInputDelta)
        {
            // δ_y [b, out] = (δ·Wᵀ) ⊙ act′(y).
            dy = views[1];
            backend.Gemm.Gemm(Transpose.None, Transpose.Transposed, 1f, delta, Weights.Value, 0f, dy, GemmEpilogue.ActivationBackward(y, inputActivation));
        }
        // ∂W [out, in] (+)= yᵀ·δ: the decoder's share of the tied W's gradient; ∂bias (+)= Σ_rows δ.
        backend.Gemm.Gemm(Transpose.Transposed, Transpose.None, 1f, y, delta, Weights.GradientBeta(), Weights.Grad);
        backend.Gemm.ColumnSums(1f, delta, Bias.GradientBeta(), Bias.Grad);
        return dy;
    }

    public void Dispose()
    {
        foreach (var t in new[] { Bias.Grad, output, inputDelta })
            t.Dispose();
        if (ownsBias)
            Bias.Value.Dispose();
    }
}
