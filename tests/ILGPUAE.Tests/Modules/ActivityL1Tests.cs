namespace ILGPUAE.Tests.Modules;

using System.Text.Json;
using ILGPUAE.Backend;
using ILGPUAE.Modules;
using ILGPUAE.Objectives;
using ILGPUAE.Random;
using ILGPUAE.Tests.Host;
using ILGPUAE.Tests.Kernels;

/// <summary>
/// The activity L1 module and its kernel beyond the gradient checks (<see cref="ModuleGradientTests"/>): the kernel in place
/// equals it out of place, the forward pass is the input itself, the spec survives JSON and a bad lambda is refused.
/// </summary>
public abstract class ActivityL1Tests(IBackend backend)
{
    public static TheoryData<Activation> EveryActivation => [.. ILGPUAE.Activation.Activations.All];

    /// <summary>
    /// δ written over itself (inputDelta = delta) is bit for bit what a separate inputDelta gets, and the losses are added onto,
    /// not overwritten, at a width with a vector part and a tail (37 = 2·16 + 5) and rank 3.
    /// </summary>
    [Theory]
    [MemberData(nameof(EveryActivation))]
    public void InPlaceEqualsOutOfPlace(Activation activation)
    {
        int[] shape = [5, 3, 37];
        var n = shape[0] * shape[1] * shape[2];
        var act = ILGPUAE.Activation.Activations.Of(activation);
        var y = Enumerable.Range(0, n).Select(i => i % 7 == 0 ? 0f : act.Apply((float)(6 * CounterRng.Uniform(8, 1, (uint)i, 0, 0) - 3))).ToArray();
        var delta = Enumerable.Range(0, n).Select(i => (float)(2 * CounterRng.Uniform(8, 2, (uint)i, 0, 0) - 1)).ToArray();
        float[] oldLosses = [1f, 2f, 3f, 4f, 5f];
        using var ty = Upload(y, shape);
        using var separateDelta = Upload(delta, shape);
        using var inPlaceDelta = Upload(delta, shape);
        using var separate = backend.Allocate<float>(shape);
        using var separateLosses = Upload(oldLosses, 5);
        using var inPlaceLosses = Upload(oldLosses, 5);

        backend.Delta.ActivityL1(ty, separateDelta, activation, 0.3f, 0.2f, separate, separateLosses);
        backend.Delta.ActivityL1(ty, inPlaceDelta, activation, 0.3f, 0.2f, inPlaceDelta, inPlaceLosses);
        backend.Synchronize();

        Assert.Equal(delta, separateDelta.ToArray());
        Assert.Equal(separate.ToArray(), inPlaceDelta.ToArray());
        Assert.Equal(separateLosses.ToArray(), inPlaceLosses.ToArray());
        // The penalty of row 0 (3·37 values) on top of the old loss 1.
        var expected = 1.0 + 0.3 * y.Take(3 * 37).Sum(v => Math.Abs((double)v));
        Assert.True(Math.Abs(inPlaceLosses.ToArray()[0] - expected) <= 1e-5 * expected, $"loss {inPlaceLosses.ToArray()[0]}, expected {expected}");
        // Something changed where the penalty or the derivative applies: the check compares real work.
        Assert.NotEqual(delta, inPlaceDelta.ToArray());
    }

    [Fact]
    public void ForwardIsItsInputAndBackwardNeedsTheStepsLosses()
    {
        using var module = new ActivityL1(backend, 4, 3, 0.5f);
        using var x = backend.Allocate<float>(2, 3);
        using var indices = backend.Allocate<int>(2);
        var context = new StepContext(indices, 1, 0, Training: true);

        Assert.Same(x, module.Forward(x, context));
        Assert.Equal(Activation.Identity, module.OutputActivation);
        Assert.Empty(module.Parameters);
        var e = Assert.Throws<InvalidOperationException>(() => module.Backward(x, context, Activation.Sigmoid, needInputDelta: true));
        Assert.Contains("StepContext.Losses", e.Message);
    }

    private Tensor<float> Upload(float[] values, params int[] shape)
    {
        var t = backend.Allocate<float>(shape);
        t.CopyFrom(values);
        return t;
    }
}

[Collection(HostCollection.Name)]
public sealed class HostActivityL1Tests(HostFixture fixture) : ActivityL1Tests(fixture.Backend);

[Collection(CpuAcceleratorCollection.Name)]
public sealed class CpuAcceleratorActivityL1Tests(CpuAcceleratorFixture fixture) : ActivityL1Tests(fixture.Backend);

/// <summary>The spec of an activity L1 penalty as checkpoints store it.</summary>
[Collection(HostCollection.Name)]
public sealed class ActivityL1SpecTests(HostFixture fixture)
{
    private static NetworkSpec Penalised(float lambda) => new(
        [
            new DenseSpec(12, 5, Activation.Relu, "enc.W", "enc.b"),
            new ActivityL1Spec(5, lambda),
            new DenseSpec(5, 12, Activation.Sigmoid, "dec.W", "dec.b"),
        ],
        new ReconstructionSpec(LossKind.SquaredError));

    [Fact]
    public void ASpecWithThePenaltySurvivesJsonAndBuildsIt()
    {
        var spec = Penalised(0.125f);
        var json = spec.ToJson();
        Assert.Contains("{\"kind\":\"activity_l1\",\"width\":5,\"lambda\":0.125}", json);

        var loaded = NetworkSpec.FromJson(json);

        Assert.Equal(spec.Modules, loaded.Modules);
        Assert.Equal(json, loaded.ToJson());
        using var network = loaded.Build(fixture.Backend, 3);
        var penalty = Assert.IsType<ActivityL1>(network.Body.Modules[1]);
        Assert.Equal(0.125f, penalty.Lambda);
        Assert.Equal((5, 5), (penalty.Inputs, penalty.Outputs));
        Assert.Equal(["enc.W", "enc.b", "dec.W", "dec.b"], network.Body.Parameters.Select(p => p.Name));
    }

    [Theory]
    [InlineData(-0.5f)]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void ABadLambdaIsRefused(float lambda)
    {
        var spec = Assert.Throws<ArgumentException>(() => new ActivityL1Spec(5, lambda));
        Assert.Contains($"got {lambda}", spec.Message);
        var module = Assert.Throws<ArgumentException>(() => new ActivityL1(fixture.Backend, 3, 5, lambda));
        Assert.Contains($"got {lambda}", module.Message);
    }

    [Fact]
    public void AFileWithANegativeLambdaIsNotAnArchitecture()
    {
        var json = Penalised(0.25f).ToJson().Replace("\"lambda\":0.25", "\"lambda\":-0.25", StringComparison.Ordinal);

        var e = Assert.Throws<JsonException>(() => NetworkSpec.FromJson(json));

        Assert.Contains("got -0.25", e.Message);
    }

    [Fact]
    public void ZeroIsALambda() => Assert.Equal(0f, new ActivityL1Spec(5, 0f).Lambda);
}
