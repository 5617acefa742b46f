namespace ILGPUAE.Tests.Modules;

using ILGPUAE.Backend;
using ILGPUAE.Corruption;
using ILGPUAE.Modules;
using ILGPUAE.Objectives;
using ILGPUAE.Random;
using ILGPUAE.Tests.Host;
using ILGPUAE.Tests.Kernels;

/// <summary>
/// The deep autoencoder's objectives (<see cref="Networks.DeepAutoencoder"/>) against central differences of the objective written
/// out in double: a 7→5→3 tied stack trained jointly with Gaussian noise on every layer's input (the corrupted sigmoid code of layer
/// 0 is what layer 1 encodes, so δ crosses a corruption onto a sigmoid), with masking, with salt-and-pepper (the GSN setup's: a
/// replaced element is a constant coin, so its δ must be 0 like a masked one's), with the contractive penalty per encoder,
/// with both; and a single layer's local autoencoder (firstLayer 1: the layer-wise scheme's objective), with noise and with the
/// penalty. Every trained parameter's gradient from <see cref="Network.ForwardBackward"/> (batch 4, mean cross-entropy plus the
/// penalties) and each example's loss are compared; the noise is a fixed function of (seed, layer, epoch, example, element), so
/// the differences see the same draws. A network whose corruption above layer 0 drops the sigmoid's derivative must fail, and an
/// idle corruption (amount 0) between two sigmoid layers must still pass the lower one's derivative.
/// </summary>
public abstract class DeepAutoencoderGradientTests(IBackend backend)
{
    private const int Rows = 6, Batch = 4;
    private const ulong Seed = 5;
    private const uint Epoch = 3;
    private const float Lambda = 0.3f;
    private static readonly int[] BatchIndices = [4, 0, 2, 5];
    private static readonly int[] Stack = [7, 5, 3];

    /// <summary>An objective: the widths [d_in, d_1, …], the corruption of every layer's input, λ, and the first layer's number.</summary>
    public sealed record Case(string Name, int[] Widths, CorruptionNoise? Noise, float Contraction, int FirstLayer)
    {
        public override string ToString() => Name;
    }

    public static TheoryData<Case> Cases => new(
        new Case("joint, Gaussian σ 0.3", Stack, CorruptionNoise.Gaussian(0.3f), 0f, 0),
        new Case("joint, masking 0.3", Stack, CorruptionNoise.Masking(0.3f), 0f, 0),
        new Case("joint, salt-and-pepper 0.4", Stack, CorruptionNoise.SaltAndPepper(0.4f), 0f, 0),
        new Case("joint, contraction", Stack, null, Lambda, 0),
        new Case("joint, Gaussian and contraction", Stack, CorruptionNoise.Gaussian(0.3f), Lambda, 0),
        new Case("layer 1's local AE, Gaussian", [5, 3], CorruptionNoise.Gaussian(0.3f), 0f, 1),
        new Case("layer 1's local AE, salt-and-pepper", [5, 3], CorruptionNoise.SaltAndPepper(0.4f), 0f, 1),
        new Case("layer 1's local AE, contraction", [5, 3], null, Lambda, 1));

    [Theory]
    [MemberData(nameof(Cases))]
    public void EveryGradientMatchesFiniteDifferences(Case objective)
    {
        using var network = Networks.DeepAutoencoder(objective.Widths, objective.Noise, objective.Contraction, objective.FirstLayer).Build(backend, Batch);
        var worst = WorstError(network, objective);
        Assert.True(worst <= 1, $"{objective}: worst |gradient − d| / (1e-4·scale + 1e-3·|d|) = {worst:G3}");
    }

    /// <summary>
    /// The same stack and check with the corruption of layer 1's input handed the identity as the activation below, as this module
    /// did before its backward took the sigmoid's derivative: the check must see it.
    /// </summary>
    [Theory]
    [InlineData(CorruptionKind.Gaussian)]
    [InlineData(CorruptionKind.Masking)]
    [InlineData(CorruptionKind.SaltAndPepper)]
    public void DroppingTheCodesSigmoidDerivativeFailsTheCheck(CorruptionKind kind)
    {
        var noise = new CorruptionNoise(kind, 0.3f);
        var objective = new Case("derivative dropped", Stack, noise, 0f, 0);
        var (w0, b0, c0) = Networks.DeepLayerNames(0);
        var (w1, b1, c1) = Networks.DeepLayerNames(1);
        var first = new Dense(backend, Batch, 7, 5, Activation.Sigmoid, w0, b0);
        var second = new Dense(backend, Batch, 5, 3, Activation.Sigmoid, w1, b1);
        IModule[] modules =
        [
            new Corrupt(backend, Batch, 7, noise, RngStream.Mask, layer: 0), first,
            new IdentityBelow(new Corrupt(backend, Batch, 5, noise, RngStream.Mask, layer: 1)), second,
            new TiedDense(backend, Batch, second, Activation.Sigmoid, c1), new TiedDense(backend, Batch, first, Activation.Sigmoid, c0),
        ];
        using var network = new Network(backend, new Sequential(modules), new Reconstruction(backend, LossKind.CrossEntropy), Batch);

        var worst = WorstError(network, objective);

        Assert.True(worst > 10, $"without the sigmoid's derivative the worst error ratio is only {worst:G3}");
    }

    /// <summary>
    /// A corruption that changes nothing (amount 0) between two sigmoid layers still takes the lower layer's derivative on the way
    /// down: the gradients equal those of the same stack without it (the derivative then fused into the upper layer's product).
    /// </summary>
    [Theory]
    [InlineData(CorruptionKind.Gaussian)]
    [InlineData(CorruptionKind.Masking)]
    public void AnIdleCorruptionAboveASigmoidStillTakesItsDerivative(CorruptionKind kind)
    {
        var (w0, b0, c0) = Networks.DeepLayerNames(0);
        var (w1, b1, c1) = Networks.DeepLayerNames(1);
        NetworkSpec Stack(bool idle) => new(
            [
                new DenseSpec(7, 5, Activation.Sigmoid, w0, b0),
                .. idle ? new ModuleSpec[] { new CorruptSpec(5, kind, 0f, RngStream.Mask, 1) } : [],
                new DenseSpec(5, 3, Activation.Sigmoid, w1, b1),
                new TiedDenseSpec(idle ? 2 : 1, Activation.Sigmoid, c1),
                new TiedDenseSpec(0, Activation.Sigmoid, c0),
            ],
            new ReconstructionSpec(LossKind.CrossEntropy));
        using var with = Stack(idle: true).Build(backend, Batch);
        using var without = Stack(idle: false).Build(backend, Batch);
        var data = GradientCheck.Data(Rows, 7);
        foreach (var network in new[] { with, without })
        {
            GradientCheck.DrawParameters(network);
            GradientCheck.ForwardBackward(backend, network, data, 7, BatchIndices, Seed, Epoch);
        }

        foreach (var p in without.TrainedParameters)
        {
            var expected = p.Grad.ToArray();
            var actual = with.TrainedParameters.Single(q => q.Name == p.Name).Grad.ToArray();
            for (var i = 0; i < expected.Length; i++)
                Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-6f + 1e-5f * Math.Abs(expected[i]), $"{p.Name}[{i}]: {actual[i]} with the idle corruption, {expected[i]} without");
        }
    }

    /// <summary>Passes everything to the module inside but tells it that the module below has no activation.</summary>
    private sealed class IdentityBelow(IModule inner) : IModule
    {
        public int Inputs => inner.Inputs;
        public int Outputs => inner.Outputs;
        public Activation OutputActivation => inner.OutputActivation;
        public IReadOnlyList<Parameter> Parameters => inner.Parameters;
        public Tensor<float> Forward(Tensor<float> x, in StepContext context) => inner.Forward(x, context);

        public Tensor<float>? Backward(Tensor<float> delta, in StepContext context, Activation inputActivation, bool needInputDelta) =>
            inner.Backward(delta, context, Activation.Identity, needInputDelta);

        public void Dispose() => inner.Dispose();
    }

    /// <summary>
    /// One ForwardBackward at (<see cref="Seed"/>, <see cref="Epoch"/>), each example's loss within 1e-4 relative of the double
    /// objective's, then the worst over every trained parameter of |gradient − d| / (1e-4·scale + 1e-3·|d|), d the central
    /// difference (step 1e-5) of the mean double objective and scale the largest |d| of that parameter (≥ 1e-3): ≤ 1 passes.
    /// </summary>
    private double WorstError(Network network, Case objective)
    {
        var visible = objective.Widths[0];
        var values = GradientCheck.DrawParameters(network);
        var data = GradientCheck.Data(Rows, visible);

        var lossValues = GradientCheck.ForwardBackward(backend, network, data, visible, BatchIndices, Seed, Epoch);

        var examples = BatchIndices.Zip(GradientCheck.Rows(data, visible, BatchIndices), (i, x) => (Index: i, X: x)).ToArray();
        for (var m = 0; m < Batch; m++)
        {
            var expected = ExampleLoss(objective, values, examples[m].X, examples[m].Index);
            Assert.True(Math.Abs(lossValues[m] - expected) <= 1e-4 * Math.Max(1, expected), $"{objective}: loss[{m}] = {lossValues[m]}, double {expected}");
        }
        double Mean() => examples.Average(e => ExampleLoss(objective, values, e.X, e.Index));
        var worst = 0.0;
        var checkedParameters = 0;
        foreach (var p in network.TrainedParameters)
        {
            var gradient = p.Grad.ToArray();
            var numeric = GradientCheck.CentralDifferences(values[p.Name], Mean);
            var scale = Math.Max(1e-3, numeric.Max(Math.Abs));
            for (var i = 0; i < numeric.Length; i++)
                worst = Math.Max(worst, Math.Abs(gradient[i] - numeric[i]) / (1e-4 * scale + 1e-3 * Math.Abs(numeric[i])));
            checkedParameters++;
        }
        // Three tensors a layer: W, b_hidden, b_visible.
        Assert.Equal(3 * (objective.Widths.Length - 1), checkedParameters);
        return worst;
    }

    /// <summary>
    /// Cross-entropy −Σ [x ln z + (1 − x) ln(1 − z)] of x against its reconstruction, plus λ·Σ_j (h_j(1 − h_j))²·‖W_j,:‖² per
    /// encoder, written from the definition in double: layer i (numbered from FirstLayer) encodes h_i = σ(W_i·c(h_{i−1}) + b_i), c
    /// its input's corruption drawn by <see cref="CorruptionReference.Corrupt(double, NoiseKey, CorruptionNoise, int, int)"/> at
    /// layer i's key; the decoders run down from the clean top code, z_{i−1} = σ(W_iᵀ·z_i + c_i).
    /// </summary>
    private static double ExampleLoss(Case objective, Dictionary<string, double[]> values, double[] x, int example)
    {
        var widths = objective.Widths;
        var layers = widths.Length - 1;
        var h = x;
        var penalty = 0.0;
        for (var k = 0; k < layers; k++)
        {
            var layer = objective.FirstLayer + k;
            var input = h;
            if (objective.Noise is { } noise)
            {
                var key = Corrupt.KeyOf(Seed, RngStream.Mask, Epoch, layer);
                input = [.. h.Select((v, j) => CorruptionReference.Corrupt(v, key, noise, example, j))];
            }
            var (wName, bName, _) = Networks.DeepLayerNames(layer);
            var (w, b) = (values[wName], values[bName]);
            var next = new double[widths[k + 1]];
            for (var j = 0; j < next.Length; j++)
            {
                double pre = b[j], norm = 0;
                for (var i = 0; i < widths[k]; i++)
                {
                    pre += w[j * widths[k] + i] * input[i];
                    norm += w[j * widths[k] + i] * w[j * widths[k] + i];
                }
                next[j] = 1 / (1 + Math.Exp(-pre));
                var s = next[j] * (1 - next[j]);
                penalty += objective.Contraction * s * s * norm;
            }
            h = next;
        }
        var z = h;
        for (var k = layers - 1; k >= 0; k--)
        {
            var (wName, _, cName) = Networks.DeepLayerNames(objective.FirstLayer + k);
            var (w, c) = (values[wName], values[cName]);
            var below = new double[widths[k]];
            for (var i = 0; i < below.Length; i++)
            {
                var pre = c[i];
                for (var j = 0; j < widths[k + 1]; j++)
                    pre += w[j * widths[k] + i] * z[j];
                below[i] = 1 / (1 + Math.Exp(-pre));
            }
            z = below;
        }
        return -x.Zip(z, (t, r) => t * Math.Log(r) + (1 - t) * Math.Log(1 - r)).Sum() + penalty;
    }
}

[Collection(CpuAcceleratorCollection.Name)]
public sealed class CpuAcceleratorDeepAutoencoderGradientTests(CpuAcceleratorFixture fixture) : DeepAutoencoderGradientTests(fixture.Backend);

[Collection(HostCollection.Name)]
public sealed class HostDeepAutoencoderGradientTests(HostFixture fixture) : DeepAutoencoderGradientTests(fixture.Backend);
