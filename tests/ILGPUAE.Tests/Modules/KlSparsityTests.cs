namespace ILGPUAE.Tests.Modules;

using ILGPUAE.Backend;
using ILGPUAE.Modules;
using ILGPUAE.Optimizers;
using ILGPUAE.Tests.Host;
using ILGPUAE.Tests.Kernels;
using Sae = SparseAutoencoderReference;

/// <summary>
/// The sparse autoencoder's whole gradient against central finite differences in double (<see cref="SparseAutoencoderReference"/>:
/// an untied sigmoid autoencoder 7 → 4 → 7 with a <see cref="KlSparsity"/> penalty on its code, squared error, and L2 weight decay
/// on W1 and W2, not the biases, through the core's optimizer: SGD at lr 1, so that param − param′ = g + α·W). The reported losses'
/// mean is checked to be the objective less the decay. The check is shown to catch a missing KL term.
/// </summary>
public abstract class KlSparsityTests(IBackend backend)
{
    private const int Rows = 9, Batch = 5;
    private static readonly int[] BatchIndices = [3, 0, 8, 5, 1];
    private static readonly Sae Model = new(Rho: 0.2f, Beta: 3f, Alpha: 0.01f);

    [Fact]
    public void TheWholeGradientMatchesFiniteDifferences()
    {
        var (error, lossError) = Check();

        Assert.True(error < 2e-4, $"max relative error {error:E2}");
        Assert.True(lossError < 1e-5, $"mean loss off the objective less the decay by {lossError:E2} (relative)");
    }

    /// <summary>The same engine gradient without the penalty (β = 0) is far from the differences of the penalised objective.</summary>
    [Fact]
    public void AGradientWithoutTheKlTermFailsTheCheck()
    {
        var (error, _) = Check(engineBeta: 0f);

        Assert.True(error > 1e-2, $"max relative error {error:E2}");
    }

    [Fact]
    public void TheSpecRoundTripsAndRefusesBadValues()
    {
        var spec = new NetworkSpec([new DenseSpec(Sae.Visible, Sae.Hidden, Activation.Sigmoid, "W1", "b1"), new KlSparsitySpec(Sae.Hidden, 0.2f, 3f),
            new DenseSpec(Sae.Hidden, Sae.Visible, Activation.Sigmoid, "W2", "b2")], new ReconstructionSpec(LossKind.SquaredError));

        var back = NetworkSpec.FromJson(spec.ToJson());

        Assert.Contains("\"kind\":\"kl_sparsity\"", spec.ToJson());
        Assert.Equal(new KlSparsitySpec(Sae.Hidden, 0.2f, 3f), back.Modules[1]);
        Assert.Throws<System.Text.Json.JsonException>(() => NetworkSpec.FromJson(spec.ToJson().Replace("\"rho\":0.2", "\"rho\":1")));
        Assert.Throws<System.Text.Json.JsonException>(() => NetworkSpec.FromJson(spec.ToJson().Replace("\"beta\":3", "\"beta\":-1")));
        var relu = spec with { Modules = [new DenseSpec(Sae.Visible, Sae.Hidden, Activation.Relu, "W1", "b1"), .. spec.Modules.Skip(1)] };
        Assert.Throws<ArgumentException>(() => relu.Build(backend, Batch));
    }

    /// <summary>
    /// One ForwardBackward and one SGD step (lr 1, weight decay α) of the network with <paramref name="engineBeta"/>; returns the
    /// largest relative error of (param − param′) against the central differences of the model's objective, and the relative
    /// error of the losses' mean against that objective less the decay.
    /// </summary>
    private (double Error, double LossError) Check(float? engineBeta = null)
    {
        using var net = Model.Build(backend, Batch, engineBeta);
        var values = GradientCheck.DrawParameters(net);
        var data = GradientCheck.Data(Rows, Sae.Visible);
        var losses = GradientCheck.ForwardBackward(backend, net, data, Sae.Visible, BatchIndices, seed: 1, epoch: 0);
        using var optimizer = new Optimizer(backend, net.TrainedParameters, new OptimizerOptions { LearningRate = 1f, WeightDecay = Model.Alpha });
        optimizer.Step();
        backend.Synchronize();
        var x = GradientCheck.Rows(data, Sae.Visible, BatchIndices);
        var pairs = net.TrainedParameters.Select(p => (values[p.Name],
            p.Value.ToArray().Select((v, i) => values[p.Name][i] - v).ToArray())).ToList();
        var error = GradientCheck.MaxRelativeError(pairs, () => Model.Objective(values, x));
        var expectedLoss = Model.Losses(values, x);
        return (error, Math.Abs(losses.Average(v => (double)v) - expectedLoss) / expectedLoss);
    }
}

[Collection(CpuAcceleratorCollection.Name)]
public sealed class CpuAcceleratorKlSparsityTests(CpuAcceleratorFixture fixture) : KlSparsityTests(fixture.Backend);

[Collection(HostCollection.Name)]
public sealed class HostKlSparsityTests(HostFixture fixture) : KlSparsityTests(fixture.Backend);
