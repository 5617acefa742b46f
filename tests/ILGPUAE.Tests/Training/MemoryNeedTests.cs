namespace ILGPUAE.Tests.Training;

using ILGPUAE.Backend;
using ILGPUAE.Backends;
using ILGPUAE.Host;
using ILGPUAE.IO;
using ILGPUAE.Optimizers;
using ILGPUAE.Training;
using ILGPUAE.Training.Stacked;

/// <summary>
/// The memory a run needs, computed from its options before anything is allocated (issue 13, "fail before work"), held to the
/// bytes a real <see cref="DaeSession"/> allocates: the estimate is never below them and at most 1.25 times them. The refusals
/// name both figures and the settings that lower them; auto's fallback and the device faults are one line too.
/// </summary>
public sealed class MemoryNeedTests(Xunit.Abstractions.ITestOutputHelper output)
{
    public static TheoryData<string, DaeOptions> Configurations => new()
    {
        { "plain SGD, batch 1", new DaeOptions { Hidden = 40, Batch = 1 } },
        { "momentum, batch 8", new DaeOptions { Hidden = 33, Batch = 8, Momentum = 0.9f } },
        { "Adam, batch 16, L1 penalty", new DaeOptions { Hidden = 50, Batch = 16, ActivityL1 = 0.01f, LearningRate = 0.001f,
            Optimizer = new OptimizerChoice { Kind = OptimizerKind.Adam } } },
        { "RMSprop with momentum, batch 200 (the test loss in the pass's buffers)", new DaeOptions { Hidden = 20, Batch = 200, Momentum = 0.5f,
            LearningRate = 0.01f, Optimizer = new OptimizerChoice { Kind = OptimizerKind.RmsProp } } },
    };

    [Theory]
    [MemberData(nameof(Configurations))]
    public void TheDeviceEstimateBoundsWhatADaeSessionAllocatesWithin125Percent(string name, DaeOptions options)
    {
        const int visible = 49, train = 300, test = 120;
        using var backend = new HostBackend();
        var need = MemoryNeed.TiedDae(options, visible, train, test);

        using (new DaeSession(backend, options, visible, Synthetic.Pixels(train, visible, 1), Synthetic.Pixels(test, visible, 2)))
        {
            var actual = backend.AllocatedBytes;
            output.WriteLine($"{name}: estimated {need.DeviceBytes} B, allocated {actual} B, ratio {(double)need.DeviceBytes / actual:F3}");
            Assert.True(need.DeviceBytes >= actual && need.DeviceBytes <= 1.25 * actual,
                $"{name}: estimated {need.DeviceBytes} B, the session allocated {actual} B");
        }
        Assert.Equal(4L * (train + test) * visible, need.HostBytes);
    }

    [Fact]
    public void ARunThatDoesNotFitTheDeviceIsRefusedWithBothFiguresAndTheSettingsThatLowerIt()
    {
        var need = MemoryNeed.TiedDae(new DaeOptions { Hidden = 1_000_000 }, 784, 60_000, 10_000);

        var e = Assert.Throws<MemoryNeedException>(() => need.Check("cuda #0: a small GPU", deviceMemory: 2_000_000_000, onHost: false, hostMemory: long.MaxValue));

        Assert.Equal($"hidden 1000000 needs {DeviceMemoryException.Bytes(need.DeviceBytes)} of device memory, cuda #0: a small GPU has 2.0 GB; " +
            "lower hidden, batch, train_limit or test_limit", e.Message);
        Assert.Equal("hidden", e.Setting);
        Assert.Equal(["hidden", "batch", "train_limit", "test_limit"], e.Mentioned);
    }

    [Fact]
    public void OnTheHostTheDevicesTensorsCountAsHostMemory()
    {
        var need = MemoryNeed.TiedDae(new DaeOptions { Hidden = 2000 }, 784, 60_000, 10_000);
        var enough = need.HostBytes + need.DeviceBytes;

        need.Check("host", deviceMemory: 0, onHost: true, hostMemory: enough);
        var e = Assert.Throws<MemoryNeedException>(() => need.Check("host", deviceMemory: 0, onHost: true, hostMemory: enough - 1));
        Assert.Contains($"needs {DeviceMemoryException.Bytes(enough)} of host memory, this machine has", e.Message);
    }

    [Fact]
    public void ATensorPastTwoBillionElementsIsRefusedEvenWhereMemoryWouldHoldIt()
    {
        var need = MemoryNeed.TiedDae(new DaeOptions { Hidden = 3_000_000 }, 784, 100, 50);

        var e = Assert.Throws<MemoryNeedException>(() => need.Check("host", 0, onHost: true, hostMemory: long.MaxValue));

        Assert.StartsWith("hidden 3000000: the weights [3000000, 784] would hold 2352000000 elements, more than a tensor's 2147483647", e.Message);
    }

    [Fact]
    public void AStacksEstimateCountsItsLargestLayerNotItsFirst()
    {
        var stack = StackPretrainingTests.Small with { Hidden = [50, int.MaxValue], Corruption = [0.1f] };
        var first = MemoryNeed.TiedDae(stack.ForLayer(0), 784, 100, 50);
        var need = MemoryNeed.Stack(stack, 784, 100, 50);

        Assert.True(need.DeviceBytes > 1000 * first.DeviceBytes, $"{need.DeviceBytes} vs layer 0's {first.DeviceBytes}");
        var e = Assert.Throws<MemoryNeedException>(() => need.Check("host", 0, onHost: true, hostMemory: MemoryNeed.HostMemory()));
        Assert.StartsWith($"hidden 50,{int.MaxValue} needs ", e.Message);
    }

    [Fact]
    public void AutoFallsBackToHostWithAWarningWhenAGpuFailsToOpen()
    {
        var notes = new List<string>();
        AcceleratorCatalog.Candidate failing = new("cuda #0: a broken GPU", () => throw new InvalidOperationException("cuInit failed:\nCUDA_ERROR_NO_DEVICE"));

        using var backend = AcceleratorCatalog.OpenFirst([failing], notes.Add);

        Assert.IsType<HostBackend>(backend);
        Assert.Equal(["warning: cuda #0: a broken GPU failed to initialise (InvalidOperationException: cuInit failed: CUDA_ERROR_NO_DEVICE); " +
            "trying the next device, then host"], notes);
    }

    [Fact]
    public void AutoTakesTheNextGpuWhenTheFirstFailsToOpen()
    {
        using var second = new HostBackend();
        var notes = new List<string>();

        var opened = AcceleratorCatalog.OpenFirst(
            [new("cuda #0: broken", () => throw new InvalidOperationException("no context")), new("opencl #0: fine", () => second)], notes.Add);

        Assert.Same(second, opened);
        Assert.Single(notes);
    }

    [Fact]
    public void OutOfDeviceMemoryIsOneLineWithTheRequestedAndAvailableBytesAndTheSettingsThatLowerThem()
    {
        var memory = new DeviceMemoryException("cuda #0: GPU", requestedBytes: 3_000_000_000, heldBytes: 70_000_000_000, deviceBytes: 80_000_000_000,
            new OutOfMemoryException());

        var fault = DeviceFault.Describe(new AggregateException(memory));

        Assert.NotNull(fault);
        Assert.Equal("out of memory on cuda #0: GPU: a tensor of 3.0 GB did not fit beside the 70 GB already held; the device has 80 GB; " +
            "lower hidden, batch, train_limit or test_limit", fault.Message);
        Assert.Null(DeviceFault.Describe(new InvalidOperationException("not a device's fault")));
    }
}
