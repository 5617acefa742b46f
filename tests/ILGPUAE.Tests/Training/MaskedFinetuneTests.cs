namespace ILGPUAE.Tests.Training;

using ILGPUAE.Data;
using ILGPUAE.Host;
using ILGPUAE.Models;
using ILGPUAE.Tests.Kernels;
using ILGPUAE.Training.Stacked;

/// <summary>
/// Fine-tuning with masking noise (<see cref="FinetuneOptions.Corruption"/>) at per-sample SGD: on the ILGPU CPU
/// accelerator it runs through the per-sample classifier kernel (SampleSgd family), on the host backend through
/// <see cref="ClassifierPass"/> at batch 1. Both draw the same masks, so they must train the same model.
/// </summary>
[Collection(CpuAcceleratorCollection.Name)]
public sealed class MaskedFinetuneTests(CpuAcceleratorFixture fixture)
{
    private const int Inputs = 37, Examples = 60, Epochs = 2;
    private const float Corruption = 0.3f;

    // Float against float in another summation order: after 120 steps they differ by about 1e-7 of the largest
    // |value|; the tolerances leave a margin of 50× or more.
    private const double ParameterRelative = 1e-4, ParameterAbsoluteFraction = 1e-5, LossRelative = 1e-5;

    public static TheoryData<string, int[], int> Cases => new()
    {
        // name, stack hidden widths, first trained layer
        { "softmax on the input", [], 0 },
        { "one hidden layer, all trained", [33], 0 },
        { "one hidden layer frozen (masked input still feeds it)", [33], 1 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void TheSampleSgdKernelTrainsAsTheHostBatchPathWithMaskedInputs(string name, int[] hidden, int firstTrained)
    {
        var architecture = new ClassifierArchitecture(Inputs, hidden, [], 10);
        var data = new Dataset("synthetic", Examples, 1, Inputs, Synthetic.Pixels(Examples, Inputs, seed: 8),
            [.. Enumerable.Range(0, Examples).Select(i => (byte)(i * 7 % 10))]);
        var options = new FinetuneOptions { Corruption = Corruption, LearningRate = 0.1f, Seed = 5 };

        using var host = new HostBackend();
        var (hostLosses, expected) = Train(host, architecture, options, data, firstTrained, expectSampleSgd: false);
        var (kernelLosses, actual) = Train(fixture.Backend, architecture, options, data, firstTrained, expectSampleSgd: true);
        var (_, clean) = Train(host, architecture, options with { Corruption = 0f }, data, firstTrained, expectSampleSgd: false);

        for (var e = 0; e < Epochs; e++)
            Assert.True(Math.Abs(kernelLosses[e] - hostLosses[e]) <= LossRelative * hostLosses[e],
                $"{name}, epoch {e + 1}: train loss {kernelLosses[e]:R} on the SampleSgd kernel, {hostLosses[e]:R} on the host");
        for (var i = 0; i < expected.Length; i++)
        {
            // Frozen layers (W and b each) keep their initial values exactly.
            if (i < 2 * firstTrained)
            {
                Assert.Equal(expected[i].Values, actual[i].Values);
                continue;
            }
            var atol = ParameterAbsoluteFraction * expected[i].Values.Max(Math.Abs);
            Closeness.Assert($"{name}: {expected[i].Name}", expected[i].Values, actual[i].Values, atol, ParameterRelative);

            // Not vacuous: every trained tensor ends far from where clean inputs take it, so both sides masked.
            var apart = expected[i].Values.Zip(clean[i].Values, (a, b) => Math.Abs(a - b)).Max();
            Assert.True(apart > 100 * atol, $"{name}: {expected[i].Name} is only {apart:E2} from the clean run's");
        }
    }

    private static (double[] Losses, (string Name, double[] Values)[] Parameters) Train(Backend.IBackend backend,
        ClassifierArchitecture architecture, FinetuneOptions options, Dataset data, int firstTrained, bool expectSampleSgd)
    {
        using var model = FeedForwardClassifier.Create(backend, architecture, seed: 2);
        using var trainer = new ClassifierSession(model, options, data, firstTrained);
        Assert.Equal(expectSampleSgd, trainer.SampleSgd is not null);
        var losses = new double[Epochs];
        for (var e = 0; e < Epochs; e++)
            losses[e] = trainer.RunEpoch().TrainLoss;
        return (losses, [.. model.Parameters.Select(p => (p.Name, Closeness.ToDouble(p.Tensor.ToArray())))]);
    }
}
