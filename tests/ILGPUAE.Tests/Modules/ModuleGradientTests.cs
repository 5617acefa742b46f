namespace ILGPUAE.Tests.Modules;

using ILGPUAE.Backend;
using ILGPUAE.Corruption;
using ILGPUAE.Modules;
using ILGPUAE.Objectives;
using ILGPUAE.Random;
using ILGPUAE.Tests.Host;
using ILGPUAE.Tests.Kernels;

/// <summary>
/// Every module's backward against central finite differences, in double: each network is rebuilt in the test as plain
/// double-precision loops (<see cref="ReferenceNet"/>, written from the modules' documented definitions, sharing no code
/// with them), its mean loss differentiated numerically, and compared with the gradients the modules leave in their
/// parameters after one <see cref="Network.ForwardBackward"/> on the backend. The forward output is compared too.
/// </summary>
public abstract class ModuleGradientTests(IBackend backend)
{
    private const int Rows = 8, Visible = 13, Batch = 5;
    private static readonly int[] BatchIndices = [3, 0, 7, 5, 1];
    private const ulong Seed = 21;
    private const uint Epoch = 2;

    public static TheoryData<LossKind> Losses => new(LossKind.SquaredError, LossKind.CrossEntropy);

    [Theory]
    [MemberData(nameof(Losses))]
    public void TiedDenoisingAutoencoder(LossKind loss)
    {
        var corrupt = new Corrupt(backend, Batch, Visible, CorruptionNoise.Masking(0.3f));
        var encoder = new Dense(backend, Batch, Visible, 6, Activation.Sigmoid, "W", "b_hidden");
        var decoder = new TiedDense(backend, Batch, encoder, Activation.Sigmoid, "b_visible");
        using var net = new Network(backend, new Sequential([corrupt, encoder, decoder]), new Reconstruction(backend, loss), Batch);
        var reference = new ReferenceNet(loss == LossKind.SquaredError ? ReferenceNet.Loss.Squared : ReferenceNet.Loss.CrossEntropy);
        reference.Layers.Add(new ReferenceNet.MaskLayer(0.3f, RngStream.Mask));
        reference.Layers.Add(new ReferenceNet.DenseLayer("W", "b_hidden", Visible, 6, Activation.Sigmoid, Tied: false));
        reference.Layers.Add(new ReferenceNet.DenseLayer("W", "b_visible", 6, Visible, Activation.Sigmoid, Tied: true));
        Check(net, reference, labels: null);
    }

    /// <summary>A corruption between two layers: its backward must zero δ where it replaced values and pass it where it added noise.</summary>
    [Theory]
    [InlineData(CorruptionKind.Gaussian, 0.3f)]
    [InlineData(CorruptionKind.SaltAndPepper, 0.3f)]
    [InlineData(CorruptionKind.Masking, 0.3f)]
    public void CorruptionBetweenLayers(CorruptionKind kind, float amount)
    {
        var layers = new IModule[]
        {
            new Dense(backend, Batch, Visible, 6, Activation.Identity, "enc.W", "enc.b"),
            new Corrupt(backend, Batch, 6, new CorruptionNoise(kind, amount), RngStream.Noise),
            new Dense(backend, Batch, 6, Visible, Activation.Sigmoid, "dec.W", "dec.b"),
        };
        using var net = new Network(backend, new Sequential(layers), new Reconstruction(backend, LossKind.SquaredError), Batch);
        var reference = new ReferenceNet(ReferenceNet.Loss.Squared);
        reference.Layers.Add(new ReferenceNet.DenseLayer("enc.W", "enc.b", Visible, 6, Activation.Identity, Tied: false));
        reference.Layers.Add(new ReferenceNet.NoiseLayer(new CorruptionNoise(kind, amount), RngStream.Noise));
        reference.Layers.Add(new ReferenceNet.DenseLayer("dec.W", "dec.b", 6, Visible, Activation.Sigmoid, Tied: false));
        Check(net, reference, labels: null);
    }

    [Fact]
    public void ClassifierWithAnIdentityLayerAndSoftmax()
    {
        var layers = new IModule[]
        {
            new Dense(backend, Batch, Visible, 7, Activation.Identity, "layer0.W", "layer0.b"),
            new Dense(backend, Batch, 7, 4, Activation.Sigmoid, "layer1.W", "layer1.b"),
            new Dense(backend, Batch, 4, 3, Activation.Identity, "top.W", "top.b", softmaxOutput: true),
        };
        using var net = new Network(backend, new Sequential(layers), new SoftmaxCrossEntropy(backend), Batch);
        var reference = new ReferenceNet(ReferenceNet.Loss.SoftmaxCrossEntropy);
        reference.Layers.Add(new ReferenceNet.DenseLayer("layer0.W", "layer0.b", Visible, 7, Activation.Identity, Tied: false));
        reference.Layers.Add(new ReferenceNet.DenseLayer("layer1.W", "layer1.b", 7, 4, Activation.Sigmoid, Tied: false));
        reference.Layers.Add(new ReferenceNet.DenseLayer("top.W", "top.b", 4, 3, Activation.Identity, Tied: false, Softmax: true));
        Check(net, reference, labels: [2, 0, 1, 1, 2]);
    }

    [Fact]
    public void FrozenModulesGetNoGradient()
    {
        var layers = new IModule[]
        {
            new Dense(backend, Batch, Visible, 7, Activation.Sigmoid, "layer0.W", "layer0.b"),
            new Dense(backend, Batch, 7, 3, Activation.Identity, "top.W", "top.b", softmaxOutput: true),
        };
        using var net = new Network(backend, new Sequential(layers, firstTrained: 1), new SoftmaxCrossEntropy(backend), Batch);
        var reference = new ReferenceNet(ReferenceNet.Loss.SoftmaxCrossEntropy);
        reference.Layers.Add(new ReferenceNet.DenseLayer("layer0.W", "layer0.b", Visible, 7, Activation.Sigmoid, Tied: false));
        reference.Layers.Add(new ReferenceNet.DenseLayer("top.W", "top.b", 7, 3, Activation.Identity, Tied: false, Softmax: true));
        Check(net, reference, labels: [1, 0, 2, 2, 0]);
        Assert.False(layers[0].Parameters[0].HasGradient);
        Assert.Equal(["top.W", "top.b"], net.TrainedParameters.Select(p => p.Name));
    }

    public static TheoryData<Activation, LossKind> PenalisedActivations => new()
    {
        { Activation.Sigmoid, LossKind.CrossEntropy },
        { Activation.Relu, LossKind.SquaredError },
        { Activation.Tanh, LossKind.SquaredError },
        { Activation.Identity, LossKind.CrossEntropy },
    };

    private const float Lambda = 0.1f;

    /// <summary>Parameters from this stream put every hidden pre-activation of the penalised networks below at least 0.29 from 0.</summary>
    private const uint AwayFromKinks = 80;

    /// <summary>
    /// An activity L1 penalty on a hidden layer: the gradient of the mean of (objective + lambda·Σ|h|) in every parameter, through
    /// sign(h) (negative for tanh and the identity) and the hidden activation's derivative, and the losses with the penalty in them.
    /// </summary>
    [Theory]
    [MemberData(nameof(PenalisedActivations))]
    public void ActivityL1OnAHiddenLayer(Activation hidden, LossKind loss)
    {
        var layers = new IModule[]
        {
            new Dense(backend, Batch, Visible, 6, hidden, "enc.W", "enc.b"),
            new ActivityL1(backend, Batch, 6, Lambda),
            new Dense(backend, Batch, 6, Visible, Activation.Sigmoid, "dec.W", "dec.b"),
        };
        using var net = new Network(backend, new Sequential(layers), new Reconstruction(backend, loss), Batch);
        var reference = new ReferenceNet(loss == LossKind.SquaredError ? ReferenceNet.Loss.Squared : ReferenceNet.Loss.CrossEntropy);
        reference.Layers.Add(new ReferenceNet.DenseLayer("enc.W", "enc.b", Visible, 6, hidden, Tied: false));
        reference.Layers.Add(new ReferenceNet.L1Layer(Lambda));
        reference.Layers.Add(new ReferenceNet.DenseLayer("dec.W", "dec.b", 6, Visible, Activation.Sigmoid, Tied: false));
        Check(net, reference, labels: null, AwayFromKinks);
    }

    /// <summary>
    /// The step's losses are the objective's plus lambda·Σ_j |h_j| per example, against the double network; the penalty is far
    /// larger than the comparison's tolerance, so a step that left it out (or added it twice) fails.
    /// </summary>
    [Fact]
    public void TheLossesIncludeThePenalty()
    {
        var layers = new IModule[]
        {
            new Dense(backend, Batch, Visible, 6, Activation.Tanh, "enc.W", "enc.b"),
            new ActivityL1(backend, Batch, 6, Lambda),
            new Dense(backend, Batch, 6, Visible, Activation.Sigmoid, "dec.W", "dec.b"),
        };
        using var net = new Network(backend, new Sequential(layers), new Reconstruction(backend, LossKind.SquaredError), Batch);
        var withPenalty = new ReferenceNet(ReferenceNet.Loss.Squared);
        withPenalty.Layers.Add(new ReferenceNet.DenseLayer("enc.W", "enc.b", Visible, 6, Activation.Tanh, Tied: false));
        withPenalty.Layers.Add(new ReferenceNet.L1Layer(Lambda));
        withPenalty.Layers.Add(new ReferenceNet.DenseLayer("dec.W", "dec.b", 6, Visible, Activation.Sigmoid, Tied: false));
        var step = Check(net, withPenalty, labels: null, AwayFromKinks);

        var objectiveOnly = new ReferenceNet(ReferenceNet.Loss.Squared);
        objectiveOnly.Layers.AddRange(withPenalty.Layers.Where(l => l is not ReferenceNet.L1Layer));
        var (_, objective) = objectiveOnly.Run(step.Values, step.X, BatchIndices, null, Seed, Epoch);
        for (var m = 0; m < Batch; m++)
        {
            // The hidden layer of example m in double, then the penalty it adds.
            var h = Enumerable.Range(0, 6).Select(o =>
                Math.Tanh(step.Values["enc.b"][o] + Enumerable.Range(0, Visible).Sum(i => step.X[m][i] * step.Values["enc.W"][o * Visible + i]))).ToArray();
            var penalty = Lambda * h.Sum(Math.Abs);
            Assert.True(penalty > 0.05, $"example {m}: a penalty of {penalty} would not show in the comparison");
            Assert.True(Math.Abs(step.Losses[m] - (objective[m] + penalty)) <= 1e-4 * Math.Max(1, objective[m] + penalty),
                $"loss[{m}] = {step.Losses[m]}; objective {objective[m]} + penalty {penalty} = {objective[m] + penalty}");
        }
    }

    /// <summary>
    /// A penalty on a frozen layer's output, as the lowest trained module: it forms no input delta, but still adds its term to
    /// the losses, and the layer above gets its gradient unchanged (the penalty does not depend on it).
    /// </summary>
    [Fact]
    public void ActivityL1AboveFrozenLayersAddsItsLossOnly()
    {
        var layers = new IModule[]
        {
            new Dense(backend, Batch, Visible, 6, Activation.Tanh, "enc.W", "enc.b"),
            new ActivityL1(backend, Batch, 6, Lambda),
            new Dense(backend, Batch, 6, Visible, Activation.Sigmoid, "dec.W", "dec.b"),
        };
        using var net = new Network(backend, new Sequential(layers, firstTrained: 1), new Reconstruction(backend, LossKind.SquaredError), Batch);
        var reference = new ReferenceNet(ReferenceNet.Loss.Squared);
        reference.Layers.Add(new ReferenceNet.DenseLayer("enc.W", "enc.b", Visible, 6, Activation.Tanh, Tied: false));
        reference.Layers.Add(new ReferenceNet.L1Layer(Lambda));
        reference.Layers.Add(new ReferenceNet.DenseLayer("dec.W", "dec.b", 6, Visible, Activation.Sigmoid, Tied: false));
        Check(net, reference, labels: null, AwayFromKinks);
        Assert.Equal(["dec.W", "dec.b"], net.TrainedParameters.Select(p => p.Name));
        Assert.False(layers[0].Parameters[0].HasGradient);
    }

    /// <summary>What <see cref="Check"/> ran: the parameter values and inputs in double, and the step's losses.</summary>
    private sealed record CheckedStep(Dictionary<string, double[]> Values, double[][] X, float[] Losses);

    /// <summary>Random parameters and data, one ForwardBackward, then output and every gradient against the reference.</summary>
    /// <param name="parameterStream">The generator stream of the parameters' draws: another one moves every pre-activation (as a network with a kink may need).</param>
    private CheckedStep Check(Network net, ReferenceNet reference, int[]? labels, uint parameterStream = 77)
    {
        var values = new Dictionary<string, double[]>();
        uint draw = 0;
        foreach (var p in net.Body.Parameters)
        {
            var v = Enumerable.Range(0, p.Value.Length).Select(_ => 2 * CounterRng.Uniform(5, parameterStream, draw++, 0, 0) - 1).ToArray();
            p.Value.CopyFrom(v.Select(d => (float)d).ToArray());
            values[p.Name] = v.Select(d => (double)(float)d).ToArray();
        }
        var data = Enumerable.Range(0, Rows * Visible).Select(i => (float)CounterRng.Uniform(6, 78, (uint)i, 0, 0)).ToArray();
        using var dataTensor = backend.Allocate<float>(Rows, Visible);
        dataTensor.CopyFrom(data);
        using var indices = backend.Allocate<int>(Batch);
        indices.CopyFrom(BatchIndices);
        using var losses = backend.Allocate<float>(Batch);
        using var labelTensor = labels is null ? null : backend.Allocate<int>(Batch);
        labelTensor?.CopyFrom(labels);

        var output = net.ForwardBackward(dataTensor, new StepContext(indices, Seed, Epoch, Training: true), losses, labelTensor).ToArray();

        var x = BatchIndices.Select(i => data.AsSpan(i * Visible, Visible).ToArray().Select(f => (double)f).ToArray()).ToArray();
        // A central difference of step h across a kink (ReLU, or |·| under an activity penalty) is no derivative.
        var kink = reference.NearestKink(values, x);
        Assert.True(kink > 1e-3, $"a pre-activation lies {kink} from a kink: the central differences would straddle it");
        var (expectedOutput, expectedLosses) = reference.Run(values, x, BatchIndices, labels, Seed, Epoch);
        for (var i = 0; i < output.Length; i++)
            Assert.True(Math.Abs(output[i] - expectedOutput[i]) <= 1e-5 + 1e-4 * Math.Abs(expectedOutput[i]),
                $"output[{i}] = {output[i]}, reference {expectedOutput[i]}");
        var lossValues = losses.ToArray();
        for (var m = 0; m < Batch; m++)
            Assert.True(Math.Abs(lossValues[m] - expectedLosses[m]) <= 1e-4 * Math.Max(1, Math.Abs(expectedLosses[m])),
                $"loss[{m}] = {lossValues[m]}, reference {expectedLosses[m]}");

        foreach (var p in net.TrainedParameters)
        {
            var gradient = p.Grad.ToArray();
            var numeric = GradientCheck.CentralDifferences(values[p.Name], () => reference.MeanLoss(values, x, BatchIndices, labels, Seed, Epoch));
            var scale = Math.Max(1e-3, numeric.Max(Math.Abs));
            for (var i = 0; i < numeric.Length; i++)
                Assert.True(Math.Abs(gradient[i] - numeric[i]) <= 1e-4 * scale + 1e-3 * Math.Abs(numeric[i]),
                    $"{p.Name}[{i}]: module gradient {gradient[i]}, central difference {numeric[i]} (scale {scale})");
            Assert.True(numeric.Any(g => Math.Abs(g) > 1e-6), $"{p.Name}: every derivative is zero, the check would prove nothing");
        }
        return new CheckedStep(values, x, lossValues);
    }
}

/// <summary>
/// A network written as plain double loops from the modules' definitions (y = act(x·Wᵀ + b); tied: act(y·W + b); an activity L1
/// penalty adds lambda·Σ|y| to the example's loss).
/// </summary>
internal sealed class ReferenceNet(ReferenceNet.Loss loss)
{
    public enum Loss { Squared, CrossEntropy, SoftmaxCrossEntropy }

    public abstract record Layer;

    /// <summary>Element j of example e is zeroed when the counter draw for (seed, stream, epoch, e, j), as a u32, is below p·2³².</summary>
    public sealed record MaskLayer(float Probability, RngStream Stream) : Layer;

    /// <summary>Any corruption kind, as the Corruption family's double reference draws it (its own tests pin those draws).</summary>
    public sealed record NoiseLayer(CorruptionNoise Noise, RngStream Stream) : Layer;

    /// <summary>W [out, in] (tied: the encoder's W [in, out], used transposed) and b [out].</summary>
    public sealed record DenseLayer(string Weight, string Bias, int In, int Out, Activation Activation, bool Tied, bool Softmax = false) : Layer;

    /// <summary>Passes its input a through and adds Lambda·Σ_j |a_j| to the example's loss (an activity L1 penalty).</summary>
    public sealed record L1Layer(double Lambda) : Layer;

    public List<Layer> Layers { get; } = [];

    public double MeanLoss(Dictionary<string, double[]> p, double[][] x, int[] indices, int[]? labels, ulong seed, uint epoch) =>
        Run(p, x, indices, labels, seed, epoch).Losses.Average();

    public (double[] Output, double[] Losses) Run(Dictionary<string, double[]> p, double[][] x, int[] indices, int[]? labels, ulong seed, uint epoch)
    {
        var outputs = new List<double>();
        var losses = new double[x.Length];
        for (var e = 0; e < x.Length; e++)
        {
            var a = (double[])x[e].Clone();
            var penalty = 0.0;
            foreach (var layer in Layers)
            {
                if (layer is L1Layer l1)
                    penalty += l1.Lambda * a.Sum(Math.Abs);
                a = layer switch
                {
                    MaskLayer m => a.Select((v, j) => Masked(seed, m, epoch, indices[e], j) ? 0 : v).ToArray(),
                    NoiseLayer n => a.Select((v, j) => CorruptionReference.Corrupt(v, new NoiseKey(seed, n.Stream, epoch), n.Noise, indices[e], j)).ToArray(),
                    DenseLayer d => Dense(d, p, a),
                    L1Layer => a,
                    _ => throw new InvalidOperationException(),
                };
            }
            outputs.AddRange(a);
            losses[e] = penalty + loss switch
            {
                Loss.Squared => 0.5 * a.Select((z, j) => (z - x[e][j]) * (z - x[e][j])).Sum(),
                Loss.CrossEntropy => -a.Select((z, j) => x[e][j] * Math.Max(Math.Log(z), -100) + (1 - x[e][j]) * Math.Max(Math.Log(1 - z), -100)).Sum(),
                _ => -Math.Log(a[labels![e]]),
            };
        }
        return ([.. outputs], losses);
    }

    /// <summary>
    /// The smallest |pre-activation| over the examples at a kink of the loss: those of ReLU layers, and those of a layer under
    /// an <see cref="L1Layer"/> whose output crosses 0 where its pre-activation does (every activation but the sigmoid). Infinity
    /// where there is none. Noise layers are not replayed, so it applies to networks of dense and L1 layers.
    /// </summary>
    public double NearestKink(Dictionary<string, double[]> p, double[][] x)
    {
        var nearest = double.PositiveInfinity;
        foreach (var example in x)
        {
            var a = example;
            for (var i = 0; i < Layers.Count; i++)
            {
                if (Layers[i] is not DenseLayer d)
                    continue;
                var identity = d with { Activation = Activation.Identity, Softmax = false };
                var s = Dense(identity, p, a);
                var penalised = i + 1 < Layers.Count && Layers[i + 1] is L1Layer && d.Activation != Activation.Sigmoid;
                if (d.Activation == Activation.Relu || penalised)
                    nearest = Math.Min(nearest, s.Min(Math.Abs));
                a = Dense(d, p, a);
            }
        }
        return nearest;
    }

    private static bool Masked(ulong seed, MaskLayer m, uint epoch, int example, int element)
    {
        var draw = (uint)(CounterRng.Hash64(seed, (uint)m.Stream, epoch, (uint)example, (uint)element) >> 32);
        return draw < (ulong)((double)m.Probability * 4294967296.0);
    }

    private static double[] Dense(DenseLayer d, Dictionary<string, double[]> p, double[] x)
    {
        var w = p[d.Weight];
        var b = p[d.Bias];
        var y = new double[d.Out];
        for (var o = 0; o < d.Out; o++)
        {
            var s = b[o];
            for (var i = 0; i < d.In; i++)
                s += x[i] * (d.Tied ? w[i * d.Out + o] : w[o * d.In + i]);
            y[o] = d.Activation switch
            {
                Activation.Identity => s,
                Activation.Sigmoid => 1 / (1 + Math.Exp(-s)),
                Activation.Tanh => Math.Tanh(s),
                Activation.Relu => Math.Max(s, 0),
                _ => throw new ArgumentOutOfRangeException(nameof(d), d.Activation, null),
            };
        }
        if (d.Softmax)
        {
            var max = y.Max();
            var sum = y.Sum(v => Math.Exp(v - max));
            y = y.Select(v => Math.Exp(v - max) / sum).ToArray();
        }
        return y;
    }
}

[Collection(HostCollection.Name)]
public sealed class HostModuleGradientTests(HostFixture fixture) : ModuleGradientTests(fixture.Backend);

[Collection(CpuAcceleratorCollection.Name)]
public sealed class CpuAcceleratorModuleGradientTests(CpuAcceleratorFixture fixture) : ModuleGradientTests(fixture.Backend);
