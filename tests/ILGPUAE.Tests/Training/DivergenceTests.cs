namespace ILGPUAE.Tests.Training;

using ILGPUAE.Backend;
using ILGPUAE.Delta;
using ILGPUAE.Tests.Kernels;
using ILGPUAE.Training;

/// <summary>
/// A diverged model must report a NaN loss so the trainer stops: the −100 clamp of the cross-entropy's logs
/// applies to log 0, not to NaN (as torch.clamp keeps NaN).
/// </summary>
[Collection(CpuAcceleratorCollection.Name)]
public sealed class DivergenceTests(CpuAcceleratorFixture fixture)
{
    /// <summary>With checkpoint_every, the last good checkpoint may lie inside the epoch that diverged: the line names its step.</summary>
    [Fact]
    public void TheStopNamesAMidEpochCheckpointByItsStep()
    {
        var diverged = new TrainingDivergedException(3, 412, double.NaN);
        Assert.EndsWith("the last good checkpoint (step 400, in epoch 3) is kept in /runs/x", diverged.WithLastCheckpoint(2, "/runs/x", midEpochStep: 400).Message);
        Assert.EndsWith("the last good checkpoint (epoch 2) is kept in /runs/x", diverged.WithLastCheckpoint(2, "/runs/x").Message);
        Assert.EndsWith("the last good checkpoint of this layer (step 7, in epoch 1) is kept in /runs/x",
            diverged.WithLastCheckpoint(0, "/runs/x", part: "this layer", midEpochStep: 7).Message);
        Assert.EndsWith("no checkpoint was written", diverged.WithLastCheckpoint(0, "/runs/x").Message);
    }

    [Fact]
    public void CrossEntropyClampsLogZeroButKeepsNaN()
    {
        // Row 0 saturates the wrong way on both pixels: each log is clamped to −100, loss 200.
        // Row 1 holds a NaN reconstruction.
        float[] z = [0f, 1f, float.NaN, 0.5f];
        float[] x = [1f, 0f, 0.3f, 0.5f];
        var backend = fixture.Backend;
        using var zt = backend.Allocate<float>(2, 2);
        using var xt = backend.Allocate<float>(2, 2);
        using var delta = backend.Allocate<float>(2, 2);
        using var losses = backend.Allocate<float>(2);
        zt.CopyFrom(z);
        xt.CopyFrom(x);
        backend.Delta.SigmoidOutputDelta(LossKind.CrossEntropy, zt, xt, 1f, delta, losses);
        var kernel = losses.ToArray();

        double[] zd = [0, 1, double.NaN, 0.5], xd = [1, 0, 0.3, 0.5];
        foreach (var (name, row0, row1) in new[]
        {
            ("kernel", (double)kernel[0], (double)kernel[1]),
            ("DeltaReference", DeltaReference.Loss(LossKind.CrossEntropy, xd.AsSpan(0, 2), zd.AsSpan(0, 2)),
                DeltaReference.Loss(LossKind.CrossEntropy, xd.AsSpan(2, 2), zd.AsSpan(2, 2))),
            ("ReferenceDae", ReferenceDae.Loss(LossKind.CrossEntropy, xd.AsSpan(0, 2), zd.AsSpan(0, 2)),
                ReferenceDae.Loss(LossKind.CrossEntropy, xd.AsSpan(2, 2), zd.AsSpan(2, 2))),
        })
        {
            Assert.True(row0 == 200, $"{name}: loss of saturated row is {row0}, expected 200");
            Assert.True(double.IsNaN(row1), $"{name}: loss of a NaN reconstruction is {row1}, expected NaN");
        }
    }

    /// <summary>
    /// A test loss that is not finite stops the run after the epoch's steps and before anything of it is saved (issue 13:
    /// it used to be checkpointed and then crash the metrics writer). Here the test set holds a NaN pixel, so every training
    /// loss stays finite and only the score is not.
    /// </summary>
    [Fact]
    public void ANonFiniteTestLossStopsTheRunBeforeTheEpochIsSaved()
    {
        var options = new DaeOptions { Hidden = 20, Epochs = 1, Seed = 1 };
        var test = MnistSample.Test(10);
        test[5 * MnistSample.Visible + 300] = float.NaN;
        using var trainer = new DaeSession(fixture.Backend, options, MnistSample.Visible, MnistSample.Train(100), test);

        var error = Assert.Throws<TrainingDivergedException>(() => trainer.RunEpoch());

        Assert.Equal("test loss", error.Quantity);
        Assert.True(double.IsNaN(error.Loss), $"test loss {error.Loss}");
        Assert.StartsWith("test loss became NaN at epoch 1, step 100;", error.Message);
        Assert.EndsWith("(try a lower learning_rate); no checkpoint was written", error.WithLastCheckpoint(0, "unused").Message);
    }

    [Fact]
    public void AHugeLearningRateStopsTrainingAtTheFirstNaNLoss()
    {
        // lr 1e37 pushes W past float's range within a step or two; inf − inf then gives NaN activations.
        var options = new DaeOptions { Hidden = 20, Loss = LossKind.CrossEntropy, LearningRate = 1e37f, Epochs = 1, Seed = 1 };
        using var trainer = new DaeSession(fixture.Backend, options, MnistSample.Visible, MnistSample.Train(100), MnistSample.Test(10));

        var error = Assert.Throws<TrainingDivergedException>(() => trainer.RunEpoch());

        Assert.Equal(1, error.Epoch);
        Assert.InRange(error.Step, 1, 100);
        Assert.True(double.IsNaN(error.Loss), $"loss {error.Loss}");
        Assert.Contains($"epoch 1, step {error.Step}", error.Message);
        Assert.Equal(0, trainer.EpochsDone);
    }

    [Fact]
    public void TheStopMessageNamesTheLastGoodCheckpointOrSaysThereIsNone()
    {
        var e = new TrainingDivergedException(3, 71, double.NaN);
        var runRoot = Path.Combine("runs", "dae");

        Assert.EndsWith($"; the last good checkpoint (epoch 2) is kept in {runRoot}", e.WithLastCheckpoint(2, runRoot).Message);
        Assert.EndsWith("(try a lower learning_rate); no checkpoint was written", e.WithLastCheckpoint(0, runRoot).Message);
        Assert.Contains("(try a lower --lr); no checkpoint was written", ILGPUAE.Cli.OptionNames.Message(e.WithLastCheckpoint(0, runRoot)));
        Assert.EndsWith("; the last good checkpoint of this layer (epoch 1) is kept in layer1",
            e.WithLastCheckpoint(1, "layer1", "this layer", "earlier layers are kept").Message);
        Assert.EndsWith("; no checkpoint of this layer was written; earlier layers are kept",
            e.WithLastCheckpoint(0, "layer1", "this layer", "earlier layers are kept").Message);
        Assert.StartsWith("loss became NaN at epoch 3, step 71; ", e.WithLastCheckpoint(0, runRoot).Message);
    }
}
