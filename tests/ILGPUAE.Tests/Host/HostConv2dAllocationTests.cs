namespace ILGPUAE.Tests.Host;

using ILGPUAE.Backend;
using ILGPUAE.Host;
using ILGPUAE.Modules;
using ILGPUAE.Objectives;
using ILGPUAE.Training.Cae;

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

    /// <summary>
    /// `train cae`'s model (<see cref="Networks.ConvAutoencoder"/> on 8×8 images: both pools and both upsamplings) with its default
    /// update, Adam (<see cref="CaeOptions.OptimizerOptions"/>): the step the benchmark's W7 counts managed bytes of.
    /// </summary>
    [Fact]
    public void TheConvolutionalAutoencodersAdamStepAllocatesNothingOnTheCallingThread()
    {
        using var backend = new HostBackend(threads: 2);
        HostAllocationTests.AssertNetworkStepsAllocateNothing(backend, Networks.ConvAutoencoder(height: 8, width: 8), new CaeOptions().OptimizerOptions());
    }
}
