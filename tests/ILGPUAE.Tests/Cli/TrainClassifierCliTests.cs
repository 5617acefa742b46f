namespace ILGPUAE.Tests.Cli;

using System.Text.Json;
using ILGPUAE.Backend;
using ILGPUAE.Backends;
using ILGPUAE.Checkpoints;
using ILGPUAE.Data;
using ILGPUAE.Evaluation;
using ILGPUAE.Modules;
using ILGPUAE.Tests.IO;

/// <summary>
/// `train classifier` end to end on host with tiny limits (64 labels, 1 epoch, 100 test images): what it writes agrees with itself
/// and with the model file scored independently; a frozen run carries the encoder it was given; bad options are one line, exit 2.
/// </summary>
public sealed class TrainClassifierCliTests
{
    private const int TestImages = 100;

    private static string[] Tiny(string model, string outDir) =>
        ["train", "classifier", "--model", model, "--labels", "64", "--epochs", "1", "--test-limit", $"{TestImages}", "--accelerator", "host", "--out", outDir];

    /// <summary>
    /// The CNN run: metrics.json's accuracy is its confusion matrix's trace over its 100 images, its 95 % half-width is
    /// 1.96·√(p(1 − p)/n), and model.safetensors, loaded and scored on the same images by NetworkEvaluator.Score (the device argmax,
    /// not the run's host one), gives the same accuracy; confusion.png is a PNG.
    /// </summary>
    [Fact]
    public void TheCnnRunWritesMetricsModelAndConfusionThatAgree()
    {
        using var dir = new TempDirectory();
        var outDir = dir.File("cnn");
        var result = CliProcess.Run(Tiny("cnn", outDir));
        Assert.True(result.ExitCode == 0, result.ToString());

        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "metrics.json")));
        var root = metrics.RootElement;
        Assert.Equal(TestImages, root.GetProperty("test_count").GetInt32());
        var confusion = root.GetProperty("confusion").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetInt32()).ToArray()).ToArray();
        Assert.Equal(TestImages, confusion.Sum(r => r.Sum()));
        var accuracy = root.GetProperty("test_accuracy").GetDouble();
        Assert.Equal(Enumerable.Range(0, 10).Sum(c => confusion[c][c]) / (double)TestImages, accuracy, 12);
        Assert.Equal(1.96 * Math.Sqrt(accuracy * (1 - accuracy) / TestImages), root.GetProperty("test_accuracy_half_width95").GetDouble(), 12);
        Assert.Equal(64, root.GetProperty("subset_class_counts").EnumerateArray().Sum(v => v.GetInt32()));
        Assert.Contains($"{100 * accuracy:F2} ±", result.Stdout);

        var test = ClassificationSplits.Load(DatasetKind.Mnist, null, null).Limit(null, TestImages).Test;
        using var backend = AcceleratorCatalog.Open(AcceleratorKind.Host);
        using var network = Checkpoint.Load(Path.Combine(outDir, "model.safetensors"), backend, 32);
        using var pixels = backend.Allocate<float>(test.Count, test.Features);
        pixels.CopyFrom(test.Pixels);
        using var labels = backend.Allocate<int>(test.Count);
        labels.CopyFrom(Array.ConvertAll(test.Labels, l => (int)l));
        using var evaluator = new NetworkEvaluator(backend, network);
        Assert.Equal(accuracy, 1 - evaluator.Score(pixels, labels).Error, 12);

        var png = File.ReadAllBytes(Path.Combine(outDir, "confusion.png"));
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
    }

    /// <summary>A frozen run on an encoder saved through Checkpoint.Save: its model file holds that encoder unchanged, and a softmax layer that trained.</summary>
    [Fact]
    public void TheFrozenRunKeepsTheEncoderItWasGiven()
    {
        using var dir = new TempDirectory();
        var encoderDir = dir.File("encoder");
        Directory.CreateDirectory(encoderDir);
        var spec = Networks.EncoderClassifier(Networks.ConvEncoder(), Networks.ConvCodeWidth, 10);
        using var backend = AcceleratorCatalog.Open(AcceleratorKind.Host);
        Dictionary<string, float[]> saved;
        using (var encoder = spec.Build(backend, 1))
        {
            encoder.Initialize(5, ConvInit.HeUniform);
            Checkpoint.Save(Path.Combine(encoderDir, "model.safetensors"), encoder);
            saved = encoder.Body.Parameters.ToDictionary(p => p.Name, p => p.Value.ToArray());
        }
        var outDir = dir.File("frozen");

        var result = CliProcess.Run([.. Tiny("frozen", outDir), "--encoder", encoderDir]);

        Assert.True(result.ExitCode == 0, result.ToString());
        using var model = Checkpoint.Load(Path.Combine(outDir, "model.safetensors"), backend, 1);
        var trained = model.Body.Parameters.ToDictionary(p => p.Name, p => p.Value.ToArray());
        foreach (var k in new[] { 1, 2 })
        {
            var (w, b) = Networks.ConvEncoderNames(k);
            Assert.Equal(saved[w], trained[w]);
            Assert.Equal(saved[b], trained[b]);
        }
        Assert.Contains(trained["fc.W"], v => v != 0f);
    }

    public static TheoryData<string[], string> BadOptions => new()
    {
        { ["--model", "cnn", "--labels", "0"], "--labels 0: expected an integer ≥ 1" },
        { ["--model", "cnn", "--labels", "999999"], "--labels 999999: expected at most" },
        { ["--model", "cnn", "--batch", "0"], "--batch 0: expected an integer ≥ 1" },
        { ["--model", "frozen"], "--encoder: expected the directory" },
        { ["--model", "frozen", "--encoder", "/nonexistent-ilgpuae-encoder"], "--encoder /nonexistent-ilgpuae-encoder:" },
        { ["--model", "random", "--encoder", "x"], "--encoder x: read only with --model frozen; expected none with --model random" },
        { ["--model", "random", "--second-pool"], "--second-pool: only with --model cnn; expected none with --model random" },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void ABadOptionIsOneLineExitTwoAndWritesNothing(string[] options, string expected)
    {
        using var dir = new TempDirectory();
        var outDir = dir.File("run");

        var result = CliProcess.Run(["train", "classifier", .. options, "--epochs", "1", "--test-limit", "10", "--accelerator", "host", "--out", outDir]);

        Assert.True(result.ExitCode == 2, result.ToString());
        var lines = result.Stderr.TrimEnd('\r', '\n').Split('\n');
        Assert.Single(lines);
        Assert.Contains(expected, lines[0]);
        Assert.DoesNotContain("   at ", result.Stderr + result.Stdout);
        Assert.False(Directory.Exists(outDir), $"{outDir} was created");
    }
}
