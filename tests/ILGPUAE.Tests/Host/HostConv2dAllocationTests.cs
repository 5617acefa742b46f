namespace ILGPUAE.Tests.Host;

using ILGPUAE.Backend;
using ILGPUAE.Host;
using ILGPUAE.Modules;
using ILGPUAE.Objectives;

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
        HostAllocationTests.AssertNetworkStepsAllocateNothing(backend, spec);
    }
}
