namespace ILGPUAE.Tests.Training;

using ILGPUAE.Backend;
using ILGPUAE.Optimizers;
using ILGPUAE.Tests.Host;
using ILGPUAE.Tests.IO;
using ILGPUAE.Tests.Kernels;
using ILGPUAE.Training;

/// <summary>
/// The trainer's position: an epoch stopped between two steps (<see cref="RunControl.Stop"/>), checkpointed (position, the
/// epoch's losses so far, momentum or optimizer state) and resumed from the files in a new session ends with the weights, bit for
/// bit, and the epoch's train and test losses of a run never stopped.
/// </summary>
public abstract class MidEpochResumeTests(IBackend backend)
{
    private static readonly DaeOptions Momentum = new()
    {
        Hidden = 7, Corruption = 0.25f, Loss = LossKind.SquaredError, LearningRate = 0.1f, Momentum = 0.9f, Batch = 5, Epochs = 3, Seed = 9,
    };

    [Fact]
    public void AnEpochStoppedMidwayAndResumedEndsAsTheUninterruptedOne() => StopAndResume(Momentum);

    [Fact]
    public void TheOptimizersStateIsSavedMidEpoch() =>
        StopAndResume(Momentum with { Momentum = 0, LearningRate = 0.01f, Optimizer = new OptimizerChoice { Kind = OptimizerKind.Adam } });

    private void StopAndResume(DaeOptions options)
    {
        var train = MnistSample.Train(60);
        var test = MnistSample.Test(20);
        using var straight = new DaeSession(backend, options, MnistSample.Visible, train, test);
        var reports = Enumerable.Range(0, options.Epochs).Select(_ => straight.RunEpoch()).ToArray();

        using var dir = new TempDirectory();
        using var stop = new CancellationTokenSource();
        // 12 steps an epoch: asked to stop at the checkpoint after step 17, the run stops after step 18, 6 examples into epoch 2.
        var checkpoints = 0;
        using (var first = new DaeSession(backend, options, MnistSample.Visible, train, test))
        {
            var control = new RunControl(CheckpointEvery: 1, stop.Token);
            var epoch1 = first.RunEpochOrStop(null, control, () => checkpoints++);
            Assert.NotNull(epoch1);
            Assert.Null(first.RunEpochOrStop(null, control, () =>
            {
                if (first.StepsDone >= 17)
                    stop.Cancel();
            }));
            Assert.Equal((1, 18L, 30), (first.EpochsDone, first.StepsDone, first.Trainer.Position));
            DaeCheckpoint.Save(dir.Path, first, options, epoch1);
        }
        // A checkpoint after every step but an epoch's last (the epoch's end has its own).
        Assert.Equal(11, checkpoints);

        var state = TrainState.Load(dir.Path);
        Assert.Equal((1, 18L, 30), (state.EpochsDone, state.StepsDone, state.Position));
        using var resumed = new DaeSession(backend, state.Options, MnistSample.Visible, train, test, state);
        for (var e = 1; e < options.Epochs; e++)
        {
            var report = resumed.RunEpoch();
            Assert.Equal(reports[e].TrainLoss, report.TrainLoss);
            Assert.Equal(reports[e].TestLoss, report.TestLoss);
        }
        Assert.Equal(straight.StepsDone, resumed.StepsDone);
        for (var i = 0; i < straight.Model.Parameters.Count; i++)
            Assert.Equal(Bits(straight.Model.Parameters[i].Tensor), Bits(resumed.Model.Parameters[i].Tensor));
    }

    private static int[] Bits(Tensor<float> tensor) => tensor.ToArray().Select(BitConverter.SingleToInt32Bits).ToArray();
}

[Collection(HostCollection.Name)]
public sealed class HostMidEpochResumeTests(HostFixture fixture) : MidEpochResumeTests(fixture.Backend);

[Collection(CpuAcceleratorCollection.Name)]
public sealed class CpuAcceleratorMidEpochResumeTests(CpuAcceleratorFixture fixture) : MidEpochResumeTests(fixture.Backend)
{
    /// <summary>
    /// Per-sample SGD stopped 3 examples into an epoch on host (one example per call) cannot continue on ILGPU's CPU accelerator,
    /// whose SampleSgd kernel takes the epoch in chunks: one line about resume, not an ArgumentException's trace.
    /// </summary>
    [Fact]
    public void AMidEpochCheckpointThatAnotherStepCannotContinueIsRefusedAboutResume()
    {
        var options = new DaeOptions { Hidden = 6, Corruption = 0.25f, Loss = LossKind.SquaredError, LearningRate = 0.1f, Batch = 1, Epochs = 2, Seed = 3 };
        var train = MnistSample.Train(40);
        var test = MnistSample.Test(10);
        using var dir = new TempDirectory();
        using (var host = new ILGPUAE.Host.HostBackend(threads: 1))
        using (var first = new DaeSession(host, options, MnistSample.Visible, train, test))
        {
            using var stop = new CancellationTokenSource();
            Assert.Null(first.RunEpochOrStop(null, new RunControl(CheckpointEvery: 1, stop.Token), () =>
            {
                if (first.StepsDone >= 3)
                    stop.Cancel();
            }));
            DaeCheckpoint.Save(dir.Path, first, options, new EpochReport(0, 0, 0, 0, 0));
        }
        var state = TrainState.Load(dir.Path);
        Assert.NotEqual(0, state.Position);

        var error = Assert.Throws<ILGPUAE.IO.InputException>(() => new DaeSession(fixture.Backend, state.Options, MnistSample.Visible, train, test, state));
        Assert.Equal("resume", error.Setting);
        Assert.Contains($"stopped after example {state.Position} of epoch 1", error.Message);
    }
}
