namespace ILGPUAE.Tests.Host;

using ILGPUAE.Backend;
using ILGPUAE.Host;
using ILGPUAE.Modules;
using ILGPUAE.Objectives;
using ILGPUAE.Random;

/// <summary>
/// A training step through convolutions on the host provider allocates no managed memory once warm: the packed filters and the
/// padded planes are grown on the first launch and kept (<see cref="HostAllocationTests"/> for the dense models).
/// </summary>
public sealed class HostConv2dAllocationTests
{
    [Fact]
    public void ANetworkStepWithConvolutionsAllocatesNothingOnTheCallingThread()
    {
        using var backend = new HostBackend(threads: 2);
        var spec = new NetworkSpec(
            [
                new Conv2dSpec(1, 4, 6, 5, Activation.Relu, "conv0.W", "conv0.b"),
                new Conv2dSpec(4, 1, 6, 5, Activation.Sigmoid, "conv1.W", "conv1.b"),
            ],
            new ReconstructionSpec(LossKind.SquaredError));
        using var network = spec.Build(backend, 5);
        network.Initialize(3);
        using var data = backend.Allocate<float>(9, 30);
        data.CopyFrom([.. Enumerable.Range(0, 9 * 30).Select(i => (float)CounterRng.Uniform(3, 1, (uint)i, 0, 0))]);
        using var indices = backend.Allocate<int>(5);
        using var losses = backend.Allocate<float>(5);
        indices.CopyFrom([8, 0, 3, 3, 6]);
        var context = new StepContext(indices, 3, 0, Training: true);
        var parameters = network.TrainedParameters;
        void Step()
        {
            network.ForwardBackward(data, context, losses);
            for (var i = 0; i < parameters.Count; i++)
                backend.Optimizer.Sgd(parameters[i].Value, parameters[i].Grad, null, 0.1f, 0f);
        }

        HostAllocationTests.AssertStepsAllocateNothing(Step);
    }
}
