namespace ILGPUAE.Tests.Training;

using ILGPUAE.Backend;
using ILGPUAE.Tests.Kernels;
using ILGPUAE.Training;

/// <summary>
/// <see cref="DaeSession"/> against <see cref="ReferenceDaeTrainer"/> (double, same init, shuffles, masks and SGD) on
/// the first MNIST training images. The body is backend-agnostic: each backend gets a subclass that says whether
/// the backend has a SampleSgd family (plain per-sample SGD runs on it there, on the launcher path elsewhere).
/// </summary>
public abstract class DaeSessionTests(IBackend backend, bool hasSampleSgd)
{
    // Float and double drift apart a little every step; after these ≤ 120 steps the parameters differ by
    // ≤ 1e-7 (about 1e-7 of the largest |W|) and the mean losses by ≤ 1e-7 relative. The tolerances leave
    // a margin of 50× or more: 1e-4 relative + 1e-5 of the tensor's largest |value|, losses 1e-5 relative.
    private const double ParameterRelative = 1e-4, ParameterAbsoluteFraction = 1e-5, LossRelative = 1e-5;

    public static TheoryData<string, LossKind, int, int, int, float, float> Cases => new()
    {
        // name, loss, batch, examples, epochs, learning rate, momentum
        { "per-sample SGD, 60 steps", LossKind.SquaredError, 1, 60, 1, 0.1f, 0f },
        // Cross-entropy's delta z − x has no z(1 − z) to damp it: at lr 0.1, lr·‖x‖² ≈ 10 on MNIST and float rounding
        // grows chaotically over the steps (the CPU accelerator's kernel then ends 1.06× the tolerance off); at 0.01 it does not.
        { "per-sample SGD, cross-entropy, 60 steps", LossKind.CrossEntropy, 1, 60, 1, 0.01f, 0f },
        { "batch 10, 2 epochs, momentum 0.9", LossKind.CrossEntropy, 10, 60, 2, 0.01f, 0.9f },
        { "batch 7 (last batch of 4), momentum 0.5", LossKind.SquaredError, 7, 60, 2, 0.2f, 0.5f },
        { "batch 7, plain SGD (updated inside the step's products)", LossKind.CrossEntropy, 7, 60, 2, 0.1f, 0f },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void TrainerMatchesTheReferenceTrainer(string name, LossKind loss, int batch, int examples, int epochs, float lr, float momentum)
    {
        var options = new DaeOptions
        {
            Hidden = 23, Corruption = 0.25f, Loss = loss, LearningRate = lr, Momentum = momentum, Batch = batch, Epochs = epochs, Seed = 11,
        };
        var train = MnistSample.Train(examples);
        var test = MnistSample.Test(30);
        using var trainer = new DaeSession(backend, options, MnistSample.Visible, train, test);
        // Plain per-sample SGD takes the persistent SampleSgd kernel where the backend has one; the rest the launcher path.
        Assert.Equal(hasSampleSgd && batch == 1 && momentum == 0, trainer.SampleSgd is not null);
        var reference = new ReferenceDaeTrainer(options, MnistSample.Visible, train);
        var initial = reference.Parameters.Clone();

        for (var e = 0; e < epochs; e++)
        {
            var report = trainer.RunEpoch();
            var referenceTrainLoss = reference.RunEpoch();
            Assert.Equal(e + 1, report.Epoch);
            Assert.True(Math.Abs(report.TrainLoss - referenceTrainLoss) <= LossRelative * referenceTrainLoss,
                $"{name}, epoch {e + 1}: train loss {report.TrainLoss:R}, reference {referenceTrainLoss:R}");
            var referenceTestLoss = reference.TestLoss(test);
            Assert.True(Math.Abs(report.TestLoss - referenceTestLoss) <= LossRelative * referenceTestLoss,
                $"{name}, epoch {e + 1}: test loss {report.TestLoss:R}, reference {referenceTestLoss:R}");
        }
        Assert.Equal((long)epochs * ((examples + batch - 1) / batch), trainer.StepsDone);

        string[] names = ["W", "b_hidden", "b_visible"];
        for (var i = 0; i < names.Length; i++)
        {
            var expected = reference.Parameters.All[i];
            var atol = ParameterAbsoluteFraction * expected.Max(Math.Abs);
            Closeness.Assert($"{name}: {names[i]}", expected, trainer.Model.Parameters[i].Tensor.ToArray(), atol, ParameterRelative);

            // Not vacuous: training moved every parameter tensor by far more than the tolerance.
            var moved = expected.Zip(initial.All[i], (a, b) => Math.Abs(a - b)).Max();
            Assert.True(moved > 100 * atol, $"{name}: {names[i]} moved only {moved:E2} from its initial value");

            if (momentum != 0)
                Closeness.Assert($"{name}: velocity of {names[i]}", reference.Velocities[i], trainer.Velocities[i]!.ToArray(),
                    ParameterAbsoluteFraction * reference.Velocities[i].Max(Math.Abs), ParameterRelative);
            else
                Assert.Null(trainer.Velocities[i]);
        }
    }
}

[Collection(CpuAcceleratorCollection.Name)]
public sealed class CpuAcceleratorDaeSessionTests(CpuAcceleratorFixture fixture) : DaeSessionTests(fixture.Backend, hasSampleSgd: true);
