namespace ILGPUAE.Tests.Modules;

using ILGPUAE.Backend;
using ILGPUAE.Modules;
using ILGPUAE.Objectives;
using ILGPUAE.Tests.Host;
using ILGPUAE.Tests.Kernels;

/// <summary>
/// The contractive penalty as a module: a whole network's gradient (a tied DAE 5→3, and a stack of two penalised sigmoid layers
/// under an untied decoder) against central differences of the objective written out in double, λ‖∂h/∂x‖²_F per example
/// included; the step's losses include the penalty; the spec survives JSON; a non-sigmoid layer or a bad lambda is refused.
/// </summary>
public abstract class ContractiveTests(IBackend backend)
{
    private const int Rows = 6, Visible = 5, Batch = 4;
    private const float Lambda = 0.5f;
    private static readonly int[] BatchIndices = [4, 0, 2, 5];

    /// <summary>One layer of the double objective: y = σ(x·Wᵀ + b), or σ(x·W + b) for a tied decoder (W [inputs, outputs]).</summary>
    private sealed record Layer(string Weight, string Bias, int Inputs, int Outputs, bool Transposed, bool Penalised);

    [Fact]
    public void TheTiedDaeGradientMatchesFiniteDifferences()
    {
        var encoder = new Dense(backend, Batch, Visible, 3, Activation.Sigmoid, "W", "b");
        IModule[] modules = [encoder, new Contractive(backend, Batch, encoder, Lambda), new TiedDense(backend, Batch, encoder, Activation.Sigmoid, "c")];
        Check(modules, [new("W", "b", Visible, 3, false, true), new("W", "c", 3, Visible, true, false)]);
    }

    [Fact]
    public void TheStackedGradientMatchesFiniteDifferences()
    {
        var first = new Dense(backend, Batch, Visible, 4, Activation.Sigmoid, "W1", "b1");
        var second = new Dense(backend, Batch, 4, 3, Activation.Sigmoid, "W2", "b2");
        IModule[] modules =
        [
            first, new Contractive(backend, Batch, first, Lambda), second, new Contractive(backend, Batch, second, Lambda),
            new Dense(backend, Batch, 3, Visible, Activation.Sigmoid, "W3", "b3"),
        ];
        Check(modules, [new("W1", "b1", Visible, 4, false, true), new("W2", "b2", 4, 3, false, true), new("W3", "b3", 3, Visible, false, false)]);
    }

    [Fact]
    public void ASpecWithThePenaltySurvivesJsonAndBuildsIt()
    {
        var spec = new NetworkSpec(
            [new DenseSpec(Visible, 3, Activation.Sigmoid, "W", "b"), new ContractiveSpec(0.25f), new TiedDenseSpec(0, Activation.Sigmoid, "c")],
            new ReconstructionSpec(LossKind.CrossEntropy));
        var json = spec.ToJson();
        Assert.Contains("{\"kind\":\"contractive\",\"lambda\":0.25}", json);

        var loaded = NetworkSpec.FromJson(json);

        Assert.Equal(spec.Modules, loaded.Modules);
        Assert.Equal(json, loaded.ToJson());
        using var network = loaded.Build(backend, 3);
        var penalty = Assert.IsType<Contractive>(network.Body.Modules[1]);
        Assert.Equal(0.25f, penalty.Lambda);
        Assert.Equal(["W", "b", "c"], network.Body.Parameters.Select(p => p.Name));
    }

    [Fact]
    public void ANonSigmoidLayerOrABadLambdaIsRefused()
    {
        var spec = new NetworkSpec([new DenseSpec(Visible, 3, Activation.Tanh, "W", "b"), new ContractiveSpec(0.25f)],
            new ReconstructionSpec(LossKind.SquaredError));
        Assert.Contains("sigmoid", Assert.Throws<ArgumentException>(() => spec.Build(backend, 3)).Message);
        Assert.Contains("got -1", Assert.Throws<ArgumentException>(() => new ContractiveSpec(-1f)).Message);
        var first = new NetworkSpec([new ContractiveSpec(0.25f)], new ReconstructionSpec(LossKind.SquaredError));
        Assert.Contains("follows the dense module", Assert.Throws<ArgumentException>(() => first.Build(backend, 3)).Message);
    }

    /// <summary>
    /// One ForwardBackward of the modules under squared-error reconstruction, then every gradient within 1e-4·scale + 1e-3·|d|
    /// of the central difference d (step 1e-5) of the double objective, and each example's loss within 1e-4 relative.
    /// </summary>
    private void Check(IModule[] modules, Layer[] layers)
    {
        using var net = new Network(backend, new Sequential(modules), new Reconstruction(backend, LossKind.SquaredError), Batch);
        var values = GradientCheck.DrawParameters(net);
        var data = GradientCheck.Data(Rows, Visible);

        var lossValues = GradientCheck.ForwardBackward(backend, net, data, Visible, BatchIndices, seed: 1, epoch: 0);

        var x = GradientCheck.Rows(data, Visible, BatchIndices);
        for (var m = 0; m < Batch; m++)
        {
            var expected = ExampleLoss(layers, values, x[m]);
            Assert.True(Math.Abs(lossValues[m] - expected) <= 1e-4 * Math.Max(1, expected), $"loss[{m}] = {lossValues[m]}, double {expected}");
        }
        var worst = 0.0;
        foreach (var p in net.TrainedParameters)
        {
            var gradient = p.Grad.ToArray();
            var v = values[p.Name];
            var numeric = GradientCheck.CentralDifferences(v, () => x.Average(row => ExampleLoss(layers, values, row)));
            var scale = Math.Max(1e-3, numeric.Max(Math.Abs));
            for (var i = 0; i < v.Length; i++)
            {
                worst = Math.Max(worst, Math.Abs(gradient[i] - numeric[i]) / Math.Max(Math.Abs(numeric[i]), 1e-3));
                Assert.True(Math.Abs(gradient[i] - numeric[i]) <= 1e-4 * scale + 1e-3 * Math.Abs(numeric[i]),
                    $"{p.Name}[{i}]: module gradient {gradient[i]}, central difference {numeric[i]} (scale {scale})");
            }
        }
        // Implied by the assertions above; it reports the worst |gradient − d| / max(|d|, 1e-3) when it fails.
        Assert.True(worst < 1e-2, $"max relative error {worst:E2}");
    }

    /// <summary>½‖z − x‖² + λ·Σ over penalised layers of Σ_j (y_j(1 − y_j))²·‖W_j,:‖², written from the definition in double.</summary>
    private static double ExampleLoss(Layer[] layers, Dictionary<string, double[]> values, double[] x)
    {
        var y = x;
        var penalty = 0.0;
        foreach (var layer in layers)
        {
            var w = values[layer.Weight];
            var b = values[layer.Bias];
            var next = new double[layer.Outputs];
            for (var j = 0; j < layer.Outputs; j++)
            {
                var pre = b[j];
                var norm = 0.0;
                for (var k = 0; k < layer.Inputs; k++)
                {
                    var wjk = layer.Transposed ? w[k * layer.Outputs + j] : w[j * layer.Inputs + k];
                    pre += wjk * y[k];
                    norm += wjk * wjk;
                }
                next[j] = 1 / (1 + Math.Exp(-pre));
                var s = next[j] * (1 - next[j]);
                if (layer.Penalised)
                    penalty += Lambda * s * s * norm;
            }
            y = next;
        }
        return 0.5 * y.Zip(x, (z, t) => (z - t) * (z - t)).Sum() + penalty;
    }
}

[Collection(CpuAcceleratorCollection.Name)]
public sealed class CpuAcceleratorContractiveTests(CpuAcceleratorFixture fixture) : ContractiveTests(fixture.Backend);

[Collection(HostCollection.Name)]
public sealed class HostContractiveTests(HostFixture fixture) : ContractiveTests(fixture.Backend);
