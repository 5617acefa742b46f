namespace ILGPUAE.Tests.Host;

using ILGPUAE.Backend;
using ILGPUAE.Host;
using ILGPUAE.Models;
using ILGPUAE.Modules;
using ILGPUAE.Optimizers;
using ILGPUAE.Random;

/// <summary>
/// A training step on the host provider allocates no managed memory (the benchmark's W5 target): shape
/// checks run on every launch, so their messages must only be formatted when a check fails.
/// </summary>
public sealed class HostAllocationTests
{
    [Fact]
    public void TrainingStepAllocatesNothingOnTheCallingThread()
    {
        using var backend = new HostBackend(threads: 2);
        using var model = TiedAutoencoder.Create(backend, 31, 17, seed: 3);
        using var pass = new TiedAutoencoderPass(model, 5);
        using var data = backend.Allocate<float>(9, 31);
        using var indices = backend.Allocate<int>(5);
        using var losses = backend.Allocate<float>(5);
        indices.CopyFrom([8, 0, 3, 3, 6]);
        var noise = new NoiseKey(3, RngStream.Mask, 0);
        var parameters = model.Parameters;
        var gradients = pass.Gradients;
        void Step()
        {
            pass.ForwardBackward(data, indices, noise, 0.25f, LossKind.CrossEntropy, losses);
            for (var i = 0; i < parameters.Count; i++)
                backend.Optimizer.Sgd(parameters[i].Tensor, gradients[i], null, 0.1f, 0f);
        }

        AssertStepsAllocateNothing(Step);
    }

    /// <summary>
    /// The generic step through an activity L1 penalty on a ReLU layer (its kernel runs through the ReLU's derivative): gather,
    /// forward, objective, the penalty's losses and δ, the products, an SGD update.
    /// </summary>
    [Fact]
    public void ANetworkStepWithAnActivityPenaltyAllocatesNothingOnTheCallingThread()
    {
        using var backend = new HostBackend(threads: 2);
        var spec = new NetworkSpec(
            [
                new DenseSpec(31, 17, Activation.Relu, "enc.W", "enc.b"),
                new ActivityL1Spec(17, 0.01f),
                new DenseSpec(17, 31, Activation.Sigmoid, "dec.W", "dec.b"),
            ],
            new ReconstructionSpec(LossKind.CrossEntropy));
        AssertNetworkStepsAllocateNothing(backend, spec);
    }

    /// <summary>
    /// The generic step of <paramref name="spec"/> (built for batches of 5, inputs drawn for 9 examples): gather, forward, objective
    /// and backward, an SGD update of every trained parameter — or, with <paramref name="optimizer"/>, that rule's step through
    /// <see cref="Optimizer"/> (its state included) — allocating nothing once warm (<see cref="AssertStepsAllocateNothing"/>).
    /// </summary>
    internal static void AssertNetworkStepsAllocateNothing(IBackend backend, NetworkSpec spec, OptimizerOptions? optimizer = null)
    {
        using var network = spec.Build(backend, 5);
        network.Initialize(3);
        var features = network.Body.Inputs;
        using var data = backend.Allocate<float>(9, features);
        data.CopyFrom([.. Enumerable.Range(0, 9 * features).Select(i => (float)CounterRng.Uniform(3, 1, (uint)i, 0, 0))]);
        using var indices = backend.Allocate<int>(5);
        using var losses = backend.Allocate<float>(5);
        indices.CopyFrom([8, 0, 3, 3, 6]);
        var context = new StepContext(indices, 3, 0, Training: true);
        var parameters = network.TrainedParameters;
        using var rule = optimizer is null ? null : new Optimizer(backend, parameters, optimizer);
        void Step()
        {
            network.ForwardBackward(data, context, losses);
            if (rule is not null)
                rule.Step();
            else
                for (var i = 0; i < parameters.Count; i++)
                    backend.Optimizer.Sgd(parameters[i].Value, parameters[i].Grad, null, 0.1f, 0f);
        }

        AssertStepsAllocateNothing(Step);
    }

    /// <summary>After three warm-up calls, ten calls of <paramref name="step"/> allocate 0 managed bytes on the calling thread.</summary>
    internal static void AssertStepsAllocateNothing(Action step)
    {
        for (var i = 0; i < 3; i++)
            step();
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10; i++)
            step();

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void LengthCheckStillNamesTheShapesWhenItFails()
    {
        using var backend = new HostBackend(threads: 1);
        using var a = backend.Allocate<float>(4, 3);
        using var w = backend.Allocate<float>(6, 3);
        using var x = backend.Allocate<float>(4, 6);
        using var bias = backend.Allocate<float>(5);

        var e = Assert.Throws<ArgumentException>(() =>
            backend.Gemm.Gemm(Transpose.None, Transpose.Transposed, 1f, a, w, 0f, x, GemmEpilogue.BiasActivate(bias, Activation.Sigmoid)));

        Assert.Contains("bias has shape [5], expected 6 elements (one per column of c [4, 6])", e.Message);
    }
}
