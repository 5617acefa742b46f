namespace ILGPUAE.Tests.Training;

using ILGPUAE.Backend;
using ILGPUAE.Data;
using ILGPUAE.Host;
using ILGPUAE.Training;

/// <summary>
/// Hogwild is non-deterministic, so it is judged by where it lands: after the same number of examples
/// its loss must be close to sequential SGD's, and it must have learned (far below the untrained model).
/// </summary>
public sealed class HogwildTests
{
    private static readonly Lazy<Dataset> Train = new(() => Mnist.Load(null, null).Train.Take(3000));

    private static (double Untrained, EpochReport Report) Train2Epochs(int hogwild)
    {
        using var backend = new HostBackend();
        var options = new DaeOptions { Hidden = 64, Corruption = 0.25f, Loss = LossKind.CrossEntropy, LearningRate = 0.05f, Batch = 1, Hogwild = hogwild, Seed = 3 };
        var data = Train.Value;
        var test = data.Pixels.AsSpan(0, 500 * data.Features).ToArray();
        using var trainer = new DaeTrainer(backend, options, data.Features, data.Pixels, test);
        var untrained = trainer.TestLoss();
        trainer.RunEpoch();
        return (untrained, trainer.RunEpoch());
    }

    [Fact]
    public void HogwildLandsWithinTenPercentOfSequential()
    {
        var (untrained, sequential) = Train2Epochs(hogwild: 0);
        var (_, hogwild) = Train2Epochs(hogwild: 4);
        Assert.True(sequential.TestLoss < 0.7 * untrained, $"sequential SGD did not learn: {sequential.TestLoss} vs untrained {untrained}");
        var gap = Math.Abs(hogwild.TestLoss - sequential.TestLoss) / sequential.TestLoss;
        Assert.True(gap <= 0.10, $"hogwild test loss {hogwild.TestLoss} is {gap:P1} away from sequential {sequential.TestLoss}");
    }
}

[Collection(Kernels.CpuAcceleratorCollection.Name)]
public sealed class HogwildBackendTests(Kernels.CpuAcceleratorFixture fixture)
{
    [Fact]
    public void HogwildNeedsABackendWithLanes()
    {
        var options = new DaeOptions { Hidden = 4, Hogwild = 2 };
        var pixels = new float[8 * 784];
        var e = Assert.Throws<ILGPUAE.IO.InputException>(() => new DaeTrainer(fixture.Backend, options, 784, pixels, pixels));
        Assert.Contains("--hogwild 2", e.Message);
    }
}
