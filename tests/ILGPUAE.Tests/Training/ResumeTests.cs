namespace ILGPUAE.Tests.Training;

using ILGPUAE.Backend;
using ILGPUAE.Tests.IO;
using ILGPUAE.Tests.Kernels;
using ILGPUAE.Training;

/// <summary>
/// Two epochs straight and one epoch + checkpoint + <see cref="TrainState.Load"/> + one epoch give bitwise
/// the same model and momentum buffers on the same backend.
/// </summary>
[Collection(CpuAcceleratorCollection.Name)]
public sealed class ResumeTests(CpuAcceleratorFixture fixture)
{
    private static readonly DaeOptions Options = new()
    {
        Hidden = 17, Corruption = 0.3f, Loss = LossKind.SquaredError, LearningRate = 0.05f, Momentum = 0.9f, Batch = 3, Epochs = 2, Seed = 8,
    };

    [Fact]
    public void ResumingAfterOneEpochIsBitwiseIdenticalToTrainingStraight()
    {
        var train = MnistSample.Train(40); // 14 steps per epoch, the last of 1 example
        var test = MnistSample.Test(20);

        using var straight = new DaeSession(fixture.Backend, Options, MnistSample.Visible, train, test);
        straight.RunEpoch();
        var straightReport = straight.RunEpoch();

        using var dir = new TempDirectory();
        using (var first = new DaeSession(fixture.Backend, Options, MnistSample.Visible, train, test))
            DaeCheckpoint.Save(dir.Path, first, Options, first.RunEpoch());

        var state = TrainState.Load(dir.Path);
        Assert.Equal(1, state.EpochsDone);
        Assert.Equal(14, state.StepsDone);
        Assert.Equal(Options, state.Options);
        using var resumed = new DaeSession(fixture.Backend, state.Options, MnistSample.Visible, train, test, state);
        var resumedReport = resumed.RunEpoch();

        Assert.Equal(2, resumed.EpochsDone);
        Assert.Equal(straight.StepsDone, resumed.StepsDone);
        Assert.Equal(straightReport.TrainLoss, resumedReport.TrainLoss);
        Assert.Equal(straightReport.TestLoss, resumedReport.TestLoss);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(Bits(straight.Model.Parameters[i].Tensor), Bits(resumed.Model.Parameters[i].Tensor));
            Assert.Equal(Bits(straight.Velocities[i]!), Bits(resumed.Velocities[i]!));
        }
    }

    [Fact]
    public void TheMomentumBuffersMatter_ResumingWithoutThemDiffers()
    {
        var train = MnistSample.Train(40);
        var test = MnistSample.Test(20);

        using var straight = new DaeSession(fixture.Backend, Options, MnistSample.Visible, train, test);
        straight.RunEpoch();
        straight.RunEpoch();

        using var dir = new TempDirectory();
        using (var first = new DaeSession(fixture.Backend, Options, MnistSample.Visible, train, test))
            DaeCheckpoint.Save(dir.Path, first, Options, first.RunEpoch());
        var state = TrainState.Load(dir.Path);
        using var resumed = new DaeSession(fixture.Backend, state.Options, MnistSample.Visible, train, test, state);
        Assert.Contains(resumed.Velocities[0]!.ToArray(), v => v != 0);
        foreach (var velocity in resumed.Velocities)
            velocity!.CopyFrom(new float[velocity.Length]);
        resumed.RunEpoch();

        Assert.NotEqual(Bits(straight.Model.Weights), Bits(resumed.Model.Weights));
    }

    private static int[] Bits(Tensor<float> tensor) => tensor.ToArray().Select(BitConverter.SingleToInt32Bits).ToArray();
}
