namespace ILGPUAE.Tests.Modules;

using System.Text.Json;
using ILGPUAE.Backend;
using ILGPUAE.Checkpoints;
using ILGPUAE.IO;
using ILGPUAE.Modules;
using ILGPUAE.Objectives;
using ILGPUAE.Random;
using ILGPUAE.Tests.Host;
using ILGPUAE.Tests.IO;
using ILGPUAE.Tests.Kernels;

/// <summary>
/// The <see cref="Conv2d"/> module: its backward (input, weight and bias gradients, through the activation of the convolution below)
/// against central finite differences of a scalar loss through its own Forward on the backend; PyTorch's default initialisation; and
/// a <see cref="NetworkSpec"/> with convolutions through JSON and back.
/// </summary>
public abstract class Conv2dModuleTests(IBackend backend)
{
    private const int Batch = 2;
    private static readonly Conv2dGeometry Lower = new(2, 3, 4, 5), Upper = new(3, 2, 4, 5);

    /// <summary>
    /// Two stacked convolutions (sigmoid, then tanh) and L = Σ c ⊙ y₂: every gradient the modules return or leave in their parameters
    /// against (L(θ + h) − L(θ − h)) / 2h, L evaluated in double from the float Forward. With h = 1e-2 the truncation error is
    /// h²/6·|L‴| ≈ 2e-5·O(1) and the rounding error of L (80 outputs of |y| &lt; 1, each within 6e-8 relative) over 2h is under 3e-4, so
    /// 2e-3 + 1e-2·|difference| holds a correct gradient; a transposed or unflipped filter, a lost derivative or a missing tap errs by O(0.1).
    /// </summary>
    [Fact]
    public void BackwardMatchesFiniteDifferencesThroughForward()
    {
        using var lower = new Conv2d(backend, Batch, Lower, Activation.Sigmoid, "c0.W", "c0.b");
        using var upper = new Conv2d(backend, Batch, Upper, Activation.Tanh, "c1.W", "c1.b");
        lower.Initialize(3, 0);
        upper.Initialize(3, 1);
        // Non-zero biases, so that a bias gradient routed to the wrong channel shows.
        lower.Bias.Value.CopyFrom(Draw(5, Lower.OutChannels, 0.5f));
        upper.Bias.Value.CopyFrom(Draw(6, Upper.OutChannels, 0.5f));
        using var x = backend.Allocate<float>(Batch, Lower.Inputs);
        x.CopyFrom(Draw(7, Batch * Lower.Inputs, 1f));
        var c = Draw(8, Batch * Upper.Outputs, 1f);
        using var indices = backend.Allocate<int>(Batch);
        var context = new StepContext(indices, 0, 0, Training: true);

        double Loss()
        {
            var y = upper.Forward(lower.Forward(x, context), context);
            backend.Synchronize();
            return y.ToArray().Select((v, i) => (double)c[i] * v).Sum();
        }

        // δ₂ = c ⊙ (1 − y₂²), then the two backward passes.
        var top = upper.Forward(lower.Forward(x, context), context);
        backend.Synchronize();
        using var delta = backend.Allocate<float>(Batch, Upper.Outputs);
        delta.CopyFrom([.. top.ToArray().Select((v, i) => c[i] * (1 - v * v))]);
        foreach (var p in lower.Parameters.Concat(upper.Parameters))
            p.StartStep();
        var middle = upper.Backward(delta, context, lower.OutputActivation, needInputDelta: true)!;
        var dx = lower.Backward(middle, context, Activation.Identity, needInputDelta: true)!;
        backend.Synchronize();
        var analytic = new (string Name, Tensor<float> Values, float[] Gradient)[]
        {
            ("x", x, dx.ToArray()),
            ("c0.W", lower.Weights.Value, lower.Weights.Grad.ToArray()),
            ("c0.b", lower.Bias.Value, lower.Bias.Grad.ToArray()),
            ("c1.W", upper.Weights.Value, upper.Weights.Grad.ToArray()),
            ("c1.b", upper.Bias.Value, upper.Bias.Grad.ToArray()),
        };

        const float h = 1e-2f;
        var failures = new List<string>();
        foreach (var (name, tensor, gradient) in analytic)
        {
            var values = tensor.ToArray();
            for (var i = 0; i < values.Length; i++)
            {
                var numeric = GradientCheck.TensorCentralDifference(tensor, values, i, h, Loss);
                if (Math.Abs(gradient[i] - numeric) > 2e-3 + 1e-2 * Math.Abs(numeric))
                    failures.Add($"{name}[{i}]: backward {gradient[i]:G6}, differences {numeric:G6}");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(10)));
    }

    /// <summary>torch.nn.Conv2d's default: W and bias uniform in ±1/√(Cin·9), filling the range, from (seed, layer) alone.</summary>
    [Fact]
    public void InitializeIsPyTorchsDefault()
    {
        var spec = new NetworkSpec([new Conv2dSpec(1, 8, 6, 6, Activation.Relu, "conv0.W", "conv0.b"), new Conv2dSpec(8, 1, 6, 6, Activation.Sigmoid, "conv1.W", "conv1.b")],
            new ReconstructionSpec(LossKind.SquaredError));
        using var net = spec.Build(backend, 2);
        net.Initialize(11);
        using var again = spec.Build(backend, 2);
        again.Initialize(11);

        var parameters = net.Body.Modules.SelectMany(m => m.Parameters).ToList();
        foreach (var (p, fanIn) in parameters.Zip(new[] { 9, 9, 72, 72 }))
        {
            var values = p.Value.ToArray();
            var bound = 1 / Math.Sqrt(fanIn);
            Assert.All(values, v => Assert.InRange(Math.Abs(v), 0, bound));
            if (values.Length > 8)
                Assert.True(values.Max(Math.Abs) > 0.8 * bound, $"{p.Name}: largest |value| {values.Max(Math.Abs)} of bound {bound}");
            Assert.True(values.Distinct().Count() == values.Length, $"{p.Name} repeats values");
        }
        Assert.Equal(parameters.Select(p => p.Value.ToArray()), again.Body.Modules.SelectMany(m => m.Parameters).Select(p => p.Value.ToArray()));
    }

    [Fact]
    public void ASpecWithConvolutionsRoundTripsThroughJsonAndBuilds()
    {
        var spec = new NetworkSpec(
        [
            new Conv2dSpec(1, 8, 28, 28, Activation.Relu, "conv0.W", "conv0.b"),
            new Conv2dSpec(8, 1, 28, 28, Activation.Sigmoid, "conv1.W", "conv1.b"),
        ], new ReconstructionSpec(LossKind.SquaredError));

        var json = spec.ToJson();
        var loaded = NetworkSpec.FromJson(json);

        foreach (var field in new[] { "\"kind\":\"conv2d\"", "\"in_channels\":1", "\"out_channels\":8", "\"height\":28", "\"width\":28", "\"activation\":\"relu\"" })
            Assert.Contains(field, json);
        Assert.DoesNotContain("geometry", json);
        Assert.Equal(json, loaded.ToJson());
        Assert.Equal(spec.Modules, loaded.Modules);
        using var net = loaded.Build(backend, 3);
        Assert.Equal(784, net.Body.Inputs);
        Assert.Equal(784, net.Body.Outputs);
        Assert.Equal(["conv0.W [8, 1, 3, 3] (weights)", "conv0.b [8] (biases)", "conv1.W [1, 8, 3, 3] (weights)", "conv1.b [1] (biases)"],
            net.Body.Modules.SelectMany(m => m.Parameters).Select(p => p.ToString()));
    }

    /// <summary>A model file keeps W in PyTorch's [out, in, 3, 3] and rebuilds the convolutions from its architecture alone.</summary>
    [Fact]
    public void ACheckpointWithConvolutionsRoundTrips()
    {
        using var dir = new TempDirectory();
        var spec = new NetworkSpec([new Conv2dSpec(3, 5, 4, 6, Activation.Relu, "conv0.W", "conv0.b"), new Conv2dSpec(5, 1, 4, 6, Activation.Sigmoid, "conv1.W", "conv1.b")],
            new ReconstructionSpec(LossKind.CrossEntropy));
        using var saved = spec.Build(backend, 2);
        saved.Initialize(5);
        Checkpoint.Save(dir.File("cae.safetensors"), saved);

        using var loaded = Checkpoint.Load(dir.File("cae.safetensors"), backend, 3);
        Assert.Equal(spec.Modules, loaded.Spec!.Modules);
        foreach (var (a, b) in saved.Body.Parameters.Zip(loaded.Body.Parameters))
            Assert.Equal(a.Value.ToArray(), b.Value.ToArray());
        var shapes = SafeTensorsFile.Read(dir.File("cae.safetensors")).Tensors.ToDictionary(t => t.Name, t => t.Shape);
        Assert.Equal([5, 3, 3, 3], shapes["conv0.W"]);
        Assert.Equal([1, 5, 3, 3], shapes["conv1.W"]);
    }

    [Fact]
    public void AConvolutionWithoutChannelsIsRefusedOnLoad()
    {
        var json = new NetworkSpec([new Conv2dSpec(1, 8, 28, 28, Activation.Relu, "conv0.W", "conv0.b")], new ReconstructionSpec(LossKind.SquaredError))
            .ToJson().Replace("\"in_channels\":1", "\"in_channels\":0");

        var e = Assert.Throws<JsonException>(() => NetworkSpec.FromJson(json));
        Assert.Contains("in_channels", e.Message);
    }

    private static float[] Draw(uint stream, int n, float scale) =>
        [.. Enumerable.Range(0, n).Select(i => scale * (float)(2 * CounterRng.Uniform(16, stream, (uint)i, 0, 0) - 1))];
}

[Collection(HostCollection.Name)]
public sealed class HostConv2dModuleTests(HostFixture fixture) : Conv2dModuleTests(fixture.Backend);

[Collection(CpuAcceleratorCollection.Name)]
public sealed class CpuAcceleratorConv2dModuleTests(CpuAcceleratorFixture fixture) : Conv2dModuleTests(fixture.Backend);
