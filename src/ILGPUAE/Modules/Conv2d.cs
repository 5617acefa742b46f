namespace ILGPUAE.Modules;

using ILGPUAE.Backend;
using ILGPUAE.Models;
using ILGPUAE.Random;

/// <summary>How <see cref="Conv2d.Initialize"/> draws a convolution's weights.</summary>
public enum ConvInit
{
    /// <summary>torch.nn.Conv2d's reset_parameters: W uniform in ±1/√fan_in (kaiming_uniform_ with a = √5).</summary>
    PyTorchDefault,

    /// <summary>W uniform in ±√(6/fan_in) (kaiming_uniform_ with ReLU's gain √2): issue 15's random-encoder baseline.</summary>
    HeUniform,
}

/// <summary>
/// A 3×3 convolution layer, stride 1, zero padding 1 (so images keep their size): y = act(x ⊛ W + bias) for x [b, Cin·H·W] and
/// y [b, Cout·H·W], each row one image in NCHW order as PyTorch flattens it; W [Cout, Cin, 3, 3] and bias [Cout] as torch.nn.Conv2d
/// stores them. One launch forward (bias and activation fused); backward is the input gradient (with the activation derivative
/// below fused) and one parameter-gradients pass.
/// </summary>
public sealed class Conv2d : IModule
{
    private readonly IBackend backend;
    private readonly Tensor<float> output, inputDelta;
    private readonly BatchViews views;
    private readonly bool ownsWeights, ownsBias;
    private Tensor<float>? input;

    /// <param name="values">Existing W and bias to train in place (by name; see <see cref="NetworkSpec.Build"/>); null allocates them.</param>
    /// <param name="weightName">The checkpoint name of W, e.g. "conv0.W".</param>
    /// <param name="biasName">The checkpoint name of the bias, e.g. "conv0.b".</param>
    public Conv2d(IBackend backend, int maxBatch, Conv2dGeometry geometry, Activation activation, string weightName, string biasName,
        SharedValues? values = null)
    {
        if (geometry.InChannels < 1 || geometry.OutChannels < 1 || geometry.Height < 1 || geometry.Width < 1)
            throw new ArgumentException($"a convolution {geometry} needs at least one channel in, one out and a pixel", nameof(geometry));
        if (!Enum.IsDefined(activation))
            throw new ArgumentOutOfRangeException(nameof(activation), activation, "no such activation");
        this.backend = backend;
        Geometry = geometry;
        OutputActivation = activation;
        var (cout, cin) = (geometry.OutChannels, geometry.InChannels);
        (var w, ownsWeights) = ParameterValues.Get(backend, values, weightName, cout, cin, 3, 3);
        (var b, ownsBias) = ParameterValues.Get(backend, values, biasName, cout);
        Weights = new Parameter(weightName, w, backend.Allocate<float>(cout, cin, 3, 3));
        Bias = new Parameter(biasName, b, backend.Allocate<float>(cout), ParameterGroups.Biases);
        Parameters = [Weights, Bias];
        output = backend.Allocate<float>(maxBatch, geometry.Outputs);
        inputDelta = backend.Allocate<float>(maxBatch, geometry.Inputs);
        views = new BatchViews([output, inputDelta]);
    }

    public Conv2dGeometry Geometry { get; }

    public int Inputs => Geometry.Inputs;
    public int Outputs => Geometry.Outputs;
    public Activation OutputActivation { get; }

    /// <summary>W [Cout, Cin, 3, 3].</summary>
    public Parameter Weights { get; }

    /// <summary>bias [Cout].</summary>
    public Parameter Bias { get; }

    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>
    /// torch.nn.Conv2d's default initialisation: W and bias uniform in ±1/√fan_in, fan_in = Cin·9 (kaiming_uniform_ with a = √5, and
    /// the bias rule of reset_parameters), drawn from the counter-based generator keyed by (<paramref name="seed"/>, Init,
    /// <paramref name="layer"/>, output channel, column): W[o, c, i, j] at column c·9 + 3i + j, bias[o] at column fan_in.
    /// </summary>
    /// <param name="init">
    /// <see cref="ConvInit.HeUniform"/> draws W in ±√(6/fan_in) instead (issue 15's "as PyTorch initialises", which PyTorch's
    /// default is not: that is ±1/√fan_in, √6 times narrower); the bias keeps ±1/√fan_in either way.
    /// </param>
    public void Initialize(ulong seed, uint layer, ConvInit init = ConvInit.PyTorchDefault)
    {
        var fanIn = Geometry.InChannels * Conv2dGeometry.Taps;
        var biasBound = 1.0 / Math.Sqrt(fanIn);
        var weightBound = init == ConvInit.HeUniform ? Math.Sqrt(6.0 / fanIn) : biasBound;
        float Uniform(double bound, int o, int column) => (float)(bound * (2 * CounterRng.Uniform(seed, (uint)RngStream.Init, layer, (uint)o, (uint)column) - 1));
        var w = new float[Geometry.WeightLength];
        var b = new float[Geometry.OutChannels];
        for (var o = 0; o < Geometry.OutChannels; o++)
        {
            for (var k = 0; k < fanIn; k++)
                w[o * fanIn + k] = Uniform(weightBound, o, k);
            b[o] = Uniform(biasBound, o, fanIn);
        }
        Weights.Value.CopyFrom(w);
        Bias.Value.CopyFrom(b);
    }

    public Tensor<float> Forward(Tensor<float> x, in StepContext context)
    {
        views.Resize(x.Rows);
        input = x;
        var y = views[0];
        backend.Conv2d.Forward(Geometry, x, Weights.Value, Bias.Value, OutputActivation, y);
        return y;
    }

    public Tensor<float>? Backward(Tensor<float> delta, in StepContext context, Activation inputActivation, bool needInputDelta)
    {
        var x = input ?? throw new InvalidOperationException("Backward before Forward");
        Tensor<float>? dx = null;
        if (needInputDelta)
        {
            // δ_in [b, Cin·H·W] = (δ ⊛ᵀ W) ⊙ act′(x).
            dx = views[1];
            backend.Conv2d.InputGradient(Geometry, delta, Weights.Value, x, inputActivation, dx);
        }
        backend.Conv2d.ParameterGradients(Geometry, delta, x, Weights.Grad, Weights.GradientBeta(), Bias.Grad, Bias.GradientBeta());
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
