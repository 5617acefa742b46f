namespace ILGPUAE.Tests.Modules;

using ILGPUAE.Backend;
using ILGPUAE.Modules;
using ILGPUAE.Objectives;
using ILGPUAE.Optimizers;
using ILGPUAE.Tests.Host;
using ILGPUAE.Tests.Kernels;

/// <summary>
/// The sparse autoencoder's whole gradient against central finite differences in double: an untied sigmoid autoencoder
/// 7 → 4 → 7 with a <see cref="KlSparsity"/> penalty on its code, squared error, and L2 weight decay on W1 and W2 (not the biases)
/// through the core's optimizer (SGD at lr 1, so that param − param′ = g + α·W). The objective is written out in double from the
/// definitions (UFLDL's J_sparse): (1/b)Σ ½‖x − z‖² + β Σ_j KL(ρ‖ρ̂_j) + (α/2)(‖W1‖² + ‖W2‖²), ρ̂ the batch's mean code.
/// The reported losses' mean is checked to be that objective less the decay. The check is shown to catch a missing KL term.
/// </summary>
public abstract class KlSparsityTests(IBackend backend)
{
    private const int Rows = 9, Visible = 7, Hidden = 4, Batch = 5;
    private static readonly int[] BatchIndices = [3, 0, 8, 5, 1];
    private const float Rho = 0.2f, Beta = 3f, Alpha = 0.01f;

    [Fact]
    public void TheWholeGradientMatchesFiniteDifferences()
    {
        var (error, lossError) = Check(Beta);

        Assert.True(error < 2e-4, $"max relative error {error:E2}");
        Assert.True(lossError < 1e-5, $"mean loss off the objective less the decay by {lossError:E2} (relative)");
    }

    /// <summary>The same engine gradient without the penalty (β = 0) is far from the differences of the penalised objective.</summary>
    [Fact]
    public void AGradientWithoutTheKlTermFailsTheCheck()
    {
        var (error, _) = Check(Beta, engineBeta: 0f);

        Assert.True(error > 1e-2, $"max relative error {error:E2}");
    }

    [Fact]
    public void TheSpecRoundTripsAndRefusesBadValues()
    {
        var spec = new NetworkSpec([new DenseSpec(Visible, Hidden, Activation.Sigmoid, "W1", "b1"), new KlSparsitySpec(Hidden, Rho, Beta),
            new DenseSpec(Hidden, Visible, Activation.Sigmoid, "W2", "b2")], new ReconstructionSpec(LossKind.SquaredError));

        var back = NetworkSpec.FromJson(spec.ToJson());

        Assert.Contains("\"kind\":\"kl_sparsity\"", spec.ToJson());
        Assert.Equal(new KlSparsitySpec(Hidden, Rho, Beta), back.Modules[1]);
        Assert.Throws<System.Text.Json.JsonException>(() => NetworkSpec.FromJson(spec.ToJson().Replace("\"rho\":0.2", "\"rho\":1")));
        Assert.Throws<System.Text.Json.JsonException>(() => NetworkSpec.FromJson(spec.ToJson().Replace("\"beta\":3", "\"beta\":-1")));
        var relu = spec with { Modules = [new DenseSpec(Visible, Hidden, Activation.Relu, "W1", "b1"), .. spec.Modules.Skip(1)] };
        Assert.Throws<ArgumentException>(() => relu.Build(backend, Batch));
    }

    /// <summary>
    /// One ForwardBackward and one SGD step (lr 1, weight decay α) of the network with <paramref name="engineBeta"/>; returns the
    /// largest relative error of (param − param′) against the central differences of the objective with <paramref name="beta"/>,
    /// and the relative error of the losses' mean against that objective less the decay.
    /// </summary>
    private (double Error, double LossError) Check(float beta, float? engineBeta = null)
    {
        var layers = new IModule[]
        {
            new Dense(backend, Batch, Visible, Hidden, Activation.Sigmoid, "W1", "b1"),
            new KlSparsity(backend, Batch, Hidden, Rho, engineBeta ?? beta),
            new Dense(backend, Batch, Hidden, Visible, Activation.Sigmoid, "W2", "b2"),
        };
        using var net = new Network(backend, new Sequential(layers), new Reconstruction(backend, LossKind.SquaredError), Batch);
        var values = GradientCheck.DrawParameters(net);
        var data = GradientCheck.Data(Rows, Visible);
        var losses = GradientCheck.ForwardBackward(backend, net, data, Visible, BatchIndices, seed: 1, epoch: 0);
        using var optimizer = new Optimizer(backend, net.TrainedParameters, new OptimizerOptions { LearningRate = 1f, WeightDecay = Alpha });
        optimizer.Step();
        backend.Synchronize();
        var x = GradientCheck.Rows(data, Visible, BatchIndices);
        double Objective() => Reconstruction(values, x) + beta * Kl(values, x) + Decay(values);
        var pairs = net.TrainedParameters.Select(p => (values[p.Name],
            p.Value.ToArray().Select((v, i) => values[p.Name][i] - v).ToArray())).ToList();
        var error = GradientCheck.MaxRelativeError(pairs, Objective);
        var expectedLoss = Reconstruction(values, x) + beta * Kl(values, x);
        return (error, Math.Abs(losses.Average(v => (double)v) - expectedLoss) / expectedLoss);
    }

    private static double Sigmoid(double a) => 1 / (1 + Math.Exp(-a));

    /// <summary>h [b][Hidden] = σ(W1·x + b1), W1 [Hidden, Visible].</summary>
    private static double[][] Codes(Dictionary<string, double[]> v, double[][] x) =>
        [.. x.Select(row => Enumerable.Range(0, Hidden).Select(j =>
            Sigmoid(v["b1"][j] + Enumerable.Range(0, Visible).Sum(k => v["W1"][j * Visible + k] * row[k]))).ToArray())];

    /// <summary>(1/b) Σ_m ½‖x_m − z_m‖², z = σ(W2·h + b2), W2 [Visible, Hidden].</summary>
    private static double Reconstruction(Dictionary<string, double[]> v, double[][] x)
    {
        var h = Codes(v, x);
        double total = 0;
        for (var m = 0; m < x.Length; m++)
            for (var k = 0; k < Visible; k++)
            {
                var z = Sigmoid(v["b2"][k] + Enumerable.Range(0, Hidden).Sum(j => v["W2"][k * Hidden + j] * h[m][j]));
                total += 0.5 * (x[m][k] - z) * (x[m][k] - z);
            }
        return total / x.Length;
    }

    /// <summary>Σ_j KL(ρ‖ρ̂_j), ρ̂_j the mean of h[·][j] over the batch.</summary>
    private static double Kl(Dictionary<string, double[]> v, double[][] x)
    {
        var h = Codes(v, x);
        double total = 0;
        for (var j = 0; j < Hidden; j++)
        {
            var mean = h.Average(row => row[j]);
            total += Rho * Math.Log(Rho / mean) + (1 - Rho) * Math.Log((1 - Rho) / (1 - mean));
        }
        return total;
    }

    /// <summary>(α/2)(‖W1‖² + ‖W2‖²): the biases are not decayed.</summary>
    private static double Decay(Dictionary<string, double[]> v) => Alpha / 2 * (v["W1"].Sum(w => w * w) + v["W2"].Sum(w => w * w));
}

[Collection(CpuAcceleratorCollection.Name)]
public sealed class CpuAcceleratorKlSparsityTests(CpuAcceleratorFixture fixture) : KlSparsityTests(fixture.Backend);

[Collection(HostCollection.Name)]
public sealed class HostKlSparsityTests(HostFixture fixture) : KlSparsityTests(fixture.Backend);
