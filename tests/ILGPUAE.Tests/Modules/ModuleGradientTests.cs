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

    /// <summary>Random parameters and data, one ForwardBackward, then output and every gradient against the reference.</summary>
    private void Check(Network net, ReferenceNet reference, int[]? labels)
    {
        var values = new Dictionary<string, double[]>();
        uint draw = 0;
        foreach (var p in net.Body.Parameters)
        {
            var v = Enumerable.Range(0, p.Value.Length).Select(_ => 2 * CounterRng.Uniform(5, 77, draw++, 0, 0) - 1).ToArray();
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
        var (expectedOutput, expectedLosses) = reference.Run(values, x, BatchIndices, labels, Seed, Epoch);
        for (var i = 0; i < output.Length; i++)
            Assert.True(Math.Abs(output[i] - expectedOutput[i]) <= 1e-5 + 1e-4 * Math.Abs(expectedOutput[i]),
                $"output[{i}] = {output[i]}, reference {expectedOutput[i]}");
        var lossValues = losses.ToArray();
        for (var m = 0; m < Batch; m++)
            Assert.True(Math.Abs(lossValues[m] - expectedLosses[m]) <= 1e-4 * Math.Max(1, Math.Abs(expectedLosses[m])),
                $"loss[{m}] = {lossValues[m]}, reference {expectedLosses[m]}");

        const double h = 1e-5;
        foreach (var p in net.TrainedParameters)
        {
            var gradient = p.Grad.ToArray();
            var v = values[p.Name];
            var numeric = new double[v.Length];
            for (var i = 0; i < v.Length; i++)
            {
                var saved = v[i];
                v[i] = saved + h;
                var plus = reference.MeanLoss(values, x, BatchIndices, labels, Seed, Epoch);
                v[i] = saved - h;
                var minus = reference.MeanLoss(values, x, BatchIndices, labels, Seed, Epoch);
                v[i] = saved;
                numeric[i] = (plus - minus) / (2 * h);
            }
            var scale = Math.Max(1e-3, numeric.Max(Math.Abs));
            for (var i = 0; i < v.Length; i++)
                Assert.True(Math.Abs(gradient[i] - numeric[i]) <= 1e-4 * scale + 1e-3 * Math.Abs(numeric[i]),
                    $"{p.Name}[{i}]: module gradient {gradient[i]}, central difference {numeric[i]} (scale {scale})");
            Assert.True(numeric.Any(g => Math.Abs(g) > 1e-6), $"{p.Name}: every derivative is zero, the check would prove nothing");
        }
    }
}

/// <summary>A network written as plain double loops from the modules' definitions (y = act(x·Wᵀ + b); tied: act(y·W + b)).</summary>
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
            foreach (var layer in Layers)
                a = layer switch
                {
                    MaskLayer m => a.Select((v, j) => Masked(seed, m, epoch, indices[e], j) ? 0 : v).ToArray(),
                    NoiseLayer n => a.Select((v, j) => CorruptionReference.Corrupt(v, new NoiseKey(seed, n.Stream, epoch), n.Noise, indices[e], j)).ToArray(),
                    DenseLayer d => Dense(d, p, a),
                    _ => throw new InvalidOperationException(),
                };
            outputs.AddRange(a);
            losses[e] = loss switch
            {
                Loss.Squared => 0.5 * a.Select((z, j) => (z - x[e][j]) * (z - x[e][j])).Sum(),
                Loss.CrossEntropy => -a.Select((z, j) => x[e][j] * Math.Max(Math.Log(z), -100) + (1 - x[e][j]) * Math.Max(Math.Log(1 - z), -100)).Sum(),
                _ => -Math.Log(a[labels![e]]),
            };
        }
        return ([.. outputs], losses);
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
