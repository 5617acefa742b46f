namespace ILGPUAE.Tests.Evaluation;

using System.Text.Json;
using ILGPUAE.Backends;
using ILGPUAE.Checkpoints;
using ILGPUAE.Data;
using ILGPUAE.Evaluation;
using ILGPUAE.IO;
using ILGPUAE.Tests.Cli;
using ILGPUAE.Tests.IO;
using ILGPUAE.Tests.Training;
using ILGPUAE.Training;

/// <summary>
/// `sample` on a model whose metadata says it was trained on binarised data (`train deep --binarize`): the chain starts from the
/// binarised first test image, while the Parzen window scores the real-valued validation and test images (pixels in [0, 1]), as the
/// GSN protocol has it; parzen.json says so. On host, against <see cref="GsnChain"/> and <see cref="ParzenProtocol"/> run here on the
/// inputs each should get.
/// </summary>
public sealed class BinarizedSamplingTests
{
    private const int Samples = 60, TestImages = 30;
    private const ulong Seed = 3;

    [Fact]
    public void TheChainStartsBinarisedAndTheEstimateScoresTheRealImages()
    {
        using var dir = new TempDirectory();
        SampleCliTests.SaveDeepAutoencoder(dir.Path, binarize: true);

        var result = Sampling.Run(new SampleRequest(dir.Path, AcceleratorKind.Host, Samples: Samples, Seed: Seed, TestLimit: TestImages, WriteSamples: true));

        Assert.True(result.Binarized);
        var (written, shape) = NpyFile.Read(result.SamplesFile!);
        Assert.Equal([Samples, 784], shape);
        var mnist = MnistSplits.Value;
        using var backend = AcceleratorCatalog.Open(AcceleratorKind.Host);
        using var network = Checkpoint.Load(Path.Combine(dir.Path, DaeCheckpoint.ModelFileName), backend, 1);
        var settings = new ChainSettings(Samples, 1, Seed, ChainSettings.DefaultCorruption);
        var fromBinarised = GsnChain.Run(network, mnist.Test.Take(1).Binarized().Pixels, settings);
        var fromReal = GsnChain.Run(network, mnist.Test.Take(1).Pixels, settings);
        Assert.Equal(fromBinarised.Select(f => (double)f), written);
        Assert.NotEqual(fromReal.Select(f => (double)f), written);

        using var window = new ParzenWindow(backend, fromBinarised, 784);
        var expected = ParzenProtocol.Estimate(window, mnist.Valid.Take(Sampling.ValidationExamples).Pixels, ParzenProtocol.DefaultSigmas,
            () => mnist.Test.Take(TestImages).Pixels);
        Assert.Equal((expected.Sigma, expected.Test.Mean, expected.Test.StandardError), (result.Estimate.Sigma, result.Estimate.Test.Mean, result.Estimate.Test.StandardError));
        using var json = JsonDocument.Parse(File.ReadAllText(result.EstimateFile));
        Assert.True(json.RootElement.GetProperty("binarize").GetBoolean());
    }
}
