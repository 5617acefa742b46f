namespace ILGPUAE.Tests.Cli;

using System.Text;
using System.Text.Json;
using ILGPUAE.Checkpoints;
using ILGPUAE.Evaluation;
using ILGPUAE.Host;
using ILGPUAE.Modules;
using ILGPUAE.Tests.Evaluation;
using ILGPUAE.Tests.IO;

/// <summary>
/// `ilgpuae sample --model DIR` on a deep autoencoder saved as `train deep` saves one (a NetworkSpec file naming its dataset) and on a
/// `train dae` run: the picture of consecutive samples with a nearest training image per row, parzen.json with the σ grid scored on
/// 1000 validation images and the test estimate under the best of them, and the samples as .npy; bad options are one line, exit 2.
/// </summary>
public sealed class SampleCliTests
{
    [Fact]
    public void SampleWritesThePictureTheEstimateAndTheSamples()
    {
        using var dir = new TempDirectory();
        SaveDeepAutoencoder(dir.Path);
        var outDir = dir.File("out");

        var run = CliProcess.Run("sample", "--model", dir.Path, "--accelerator", "host", "--samples", "400", "--chains", "2", "--test-limit", "50",
            "--npy", "--out", outDir);

        Assert.True(run.ExitCode == 0, run.ToString());
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, Sampling.EstimateFile)));
        var root = json.RootElement;
        Assert.Equal("mnist", root.GetProperty("dataset").GetString());
        Assert.Equal(400, root.GetProperty("samples").GetInt32());
        Assert.Equal(200, root.GetProperty("steps_per_chain").GetInt32());
        Assert.Equal(1000, root.GetProperty("validation_examples").GetInt32());
        var grid = root.GetProperty("sigmas").EnumerateArray().ToList();
        Assert.Equal(Enumerable.Range(0, 10).Select(i => Math.Pow(10, -1 + i / 9.0)), grid.Select(g => g.GetProperty("sigma").GetDouble()),
            (a, b) => Math.Abs(a - b) <= 1e-6 * a);
        var best = grid.MaxBy(g => g.GetProperty("validation_log_likelihood").GetDouble());
        Assert.Equal(best.GetProperty("sigma").GetDouble(), root.GetProperty("sigma").GetDouble());
        var test = root.GetProperty("test");
        Assert.Equal(50, test.GetProperty("examples").GetInt32());
        Assert.True(double.IsFinite(test.GetProperty("log_likelihood").GetDouble()) && test.GetProperty("standard_error").GetDouble() > 0, root.ToString());
        // 200 steps of chain 0: 10 rows of 20 samples and a nearest training image, 28×28 tiles with a 1-pixel gap.
        Assert.Equal((21 * 29 + 1, 10 * 29 + 1), PngFile.Size(Path.Combine(outDir, Sampling.PictureFile)));
        var npy = File.ReadAllBytes(Path.Combine(outDir, Sampling.SamplesFile));
        var headerLength = BitConverter.ToUInt16(npy, 8);
        Assert.Equal(0x93, npy[0]);
        Assert.Equal("NUMPY", Encoding.ASCII.GetString(npy, 1, 5));
        Assert.Equal(0, (10 + headerLength) % 64);
        Assert.Contains("'shape': (400, 784)", Encoding.ASCII.GetString(npy, 10, headerLength));
        Assert.Equal(10 + headerLength + 400 * 784 * 4, npy.Length);
    }

    /// <summary>A 784-50-30 deep autoencoder, as `train deep` writes it: model.safetensors with its spec and __metadata__ "dataset".</summary>
    /// <param name="binarize">Also say in __metadata__ that it was trained on binarised data (as `train deep --binarize` does).</param>
    internal static void SaveDeepAutoencoder(string directory, int[]? widths = null, string dataset = "mnist", bool binarize = false)
    {
        using var backend = new HostBackend(threads: 1);
        using var network = Networks.DeepAutoencoder(widths ?? [784, 50, 30]).Build(backend, 100);
        network.Initialize(3);
        var metadata = new Dictionary<string, string> { [Sampling.DatasetKey] = dataset };
        if (binarize)
            metadata[ILGPUAE.Data.Binarization.MetadataKey] = ILGPUAE.Data.Binarization.Text(true);
        Checkpoint.Save(Path.Combine(directory, "model.safetensors"), network, metadata);
    }
}

/// <summary>
/// `sample` in process (no process start, no second JIT): on a `train dae` run, and its refusals — one line naming the option, exit 2,
/// no output directory made.
/// </summary>
[Collection(InProcessCliCollection.Name)]
public sealed class SampleInProcessCliTests
{
    /// <summary>A `train dae` run directory loads through the same checkpoint reader, its dataset read from the run's options.</summary>
    [Fact]
    public void SampleReadsATrainDaeRun()
    {
        using var dir = new TempDirectory();
        var train = InProcessCli.Run("train", "dae", "--hidden", "20", "--epochs", "1", "--train-limit", "100", "--test-limit", "20", "--accelerator", "host",
            "--out", dir.Path, "--force");
        Assert.True(train.ExitCode == 0, train.ToString());

        var run = InProcessCli.Run("sample", "--model", dir.Path, "--accelerator", "host", "--samples", "40", "--test-limit", "20");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("Parzen log-likelihood on MNIST test (20 images, 40 samples", run.Stdout);
        Assert.True(File.Exists(Path.Combine(dir.Path, Sampling.EstimateFile)));
    }

    public static TheoryData<string[], string> BadOptions => new()
    {
        { ["--samples", "0"], "--samples 0" },
        { ["--samples", "7", "--chains", "2"], "--samples 7" },
        { ["--chains", "0"], "--chains 0" },
        { ["--test-limit", "0"], "--test-limit 0" },
        { ["--chains", "30", "--samples", "30", "--test-limit", "20"], "--chains 30" },
        { ["--dataset", "nope"], "--dataset nope" },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void BadOptionsAreOneLineExitTwoAndWriteNothing(string[] options, string named)
    {
        using var dir = new TempDirectory();
        SampleCliTests.SaveDeepAutoencoder(dir.Path);
        var outDir = dir.File("out");

        var run = InProcessCli.Run(["sample", "--model", dir.Path, "--accelerator", "host", "--out", outDir, .. options]);

        Assert.True(run.ExitCode == 2, run.ToString());
        var lines = run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1 && lines[0].StartsWith("error: " + named, StringComparison.Ordinal), run.ToString());
        Assert.False(Directory.Exists(outDir));
    }

    [Fact]
    public void AMissingModelIsOneLineExitTwo()
    {
        using var dir = new TempDirectory();

        var run = InProcessCli.Run("sample", "--model", dir.File("nothing"), "--accelerator", "host");

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.StartsWith("error: --model ", run.Stderr);
        Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>A model that does not reconstruct the dataset's images (here 100 values in and out, MNIST has 784) is refused by name.</summary>
    [Fact]
    public void AModelOfAnotherWidthIsOneLineExitTwo()
    {
        using var dir = new TempDirectory();
        SampleCliTests.SaveDeepAutoencoder(dir.Path, [100, 20], "mnist");

        var run = InProcessCli.Run("sample", "--model", dir.Path, "--accelerator", "host", "--samples", "10", "--test-limit", "10");

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.StartsWith("error: --model ", run.Stderr);
        Assert.Contains("784", run.Stderr);
        Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>The dataset a model names in its metadata is read, so an unknown one is refused naming the file and the key.</summary>
    [Fact]
    public void AModelNamingAnUnknownDatasetIsOneLineExitTwo()
    {
        using var dir = new TempDirectory();
        SampleCliTests.SaveDeepAutoencoder(dir.Path, [784, 20], "bogus");

        var run = InProcessCli.Run("sample", "--model", dir.Path, "--accelerator", "host");

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains("__metadata__.dataset is 'bogus'", run.Stderr);
        Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
