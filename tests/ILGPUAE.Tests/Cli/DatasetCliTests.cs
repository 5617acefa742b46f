namespace ILGPUAE.Tests.Cli;

using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using ILGPUAE.Backend;
using ILGPUAE.Data;
using ILGPUAE.Tests.Data;
using ILGPUAE.Tests.IO;
using ILGPUAE.Tests.Training;

/// <summary>
/// A Fashion-MNIST-format data directory written by the test (the release's layout: 1000 test positions per class
/// file, then 4 train images; 0.json with empty entries at positions 1000 and the last), and one `train dae` run on it.
/// Its files are not the release's, so the runs set <see cref="NpmDataPackage.AcceptUnverifiedVariable"/>.
/// </summary>
public sealed class FashionFixture : IDisposable
{
    public const int TrainPerClass = 4, TestLimit = 20, Hidden = 5;
    private readonly TempDirectory root = new();

    public FashionFixture()
    {
        DataDir = Directory.CreateDirectory(Path.Combine(root.Path, "fashion")).FullName;
        var entries = Enumerable.Repeat(FashionMnist.TestPerClass + TrainPerClass, 10).ToArray();
        entries[0] += 2;
        FashionJsonFiles.Write(DataDir, entries, new Dictionary<int, int[]> { [0] = [FashionMnist.TestPerClass, entries[0] - 1] });
        Run = Path.Combine(root.Path, "dae");
        Trained = Cli("train", "dae", "--dataset", "fashion-mnist", "--hidden", $"{Hidden}", "--epochs", "1", "--test-limit", $"{TestLimit}",
            "--accelerator", "host", "--out", Run);
    }

    public string DataDir { get; }
    public string Run { get; }
    public CliResult Trained { get; }

    public string NewDirectory(string name) => Path.Combine(root.Path, name);

    /// <summary>The CLI on this data directory, its files accepted unverified.</summary>
    public CliResult Cli(params string[] args) =>
        CliProcess.Run(new Dictionary<string, string?> { [NpmDataPackage.AcceptUnverifiedVariable] = "1" }, [.. args, "--data-dir", DataDir]);

    public void Dispose() => root.Dispose();
}

public sealed class DatasetCliTests(FashionFixture fashion) : IClassFixture<FashionFixture>
{
    // DatasetsTests pins the list's form ("mnist, fashion-mnist, basic, … or <the last generated set>").
    private static readonly string Unknown = $"unknown dataset; expected {Datasets.ExpectedNames}";

    [Fact]
    public void TrainDaeOnFashionMnistNamesItInTheConsoleAndInMetrics()
    {
        Assert.True(fashion.Trained.ExitCode == 0, fashion.Trained.ToString());
        var stdout = Unwrapped(fashion.Trained.Stdout);
        Assert.Contains($"data: Fashion-MNIST v2, {10 * FashionFixture.TrainPerClass} train / {FashionFixture.TestLimit} test;", stdout);
        // One warning per class file, since they are not the release's.
        Assert.Equal(10, Regex.Matches(stdout, @"warning: \S+/\d\.json: SHA-256 is [0-9a-f]{64}, expected [0-9a-f]{64}; used unverified").Count);

        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(fashion.Run, "metrics.json")));
        var root = metrics.RootElement;
        Assert.Equal("Fashion-MNIST v2 train", root.GetProperty("dataset").GetString());
        Assert.Equal("fashion-mnist", root.GetProperty("options").GetProperty("dataset").GetString());
        Assert.Equal(10 * FashionFixture.TrainPerClass, root.GetProperty("train_examples").GetInt32());
        Assert.Equal(FashionFixture.TestLimit, root.GetProperty("test_examples").GetInt32());
        var model = SpecSafeTensors.Read(Path.Combine(fashion.Run, "model.safetensors"));
        using var options = JsonDocument.Parse(model.Metadata["options"]);
        Assert.Equal("fashion-mnist", options.RootElement.GetProperty("dataset").GetString());
    }

    [Fact]
    public void TheRecordedTestLossIsTheDoubleReferencesOnTheFirstTestImagesInTheDocumentedOrder()
    {
        // Test image i is position i div 10 of class file i mod 10: the test builds those images from the fixture's
        // own formula, scaled b/255, and scores the trained weights with the double-precision reference.
        Assert.True(fashion.Trained.ExitCode == 0, fashion.Trained.ToString());
        const int visible = 784, hidden = FashionFixture.Hidden, count = FashionFixture.TestLimit;
        var x = Enumerable.Range(0, count).SelectMany(i => FashionJsonFiles.Scaled(i % 10, i / 10)).Select(v => (double)v).ToArray();
        var model = SpecSafeTensors.Read(Path.Combine(fashion.Run, "model.safetensors"));
        var p = DaeParameters.FromFloats(visible, hidden, model.Data("W", hidden, visible), model.Data("b_hidden", hidden), model.Data("b_visible", visible));

        var loss = ReferenceDae.MeanLoss(LossKind.SquaredError, p, count, x, x);

        var recorded = RecordedTestLosses(fashion.Run)[^1];
        Assert.True(Math.Abs(loss - recorded) <= 1e-5 * recorded, $"double reference gives {loss:R}, metrics.json has {recorded:R}");
    }

    [Fact]
    public void EvalScoresTheRunOnItsOwnDataset()
    {
        Assert.True(fashion.Trained.ExitCode == 0, fashion.Trained.ToString());

        var eval = fashion.Cli("eval", "--model", fashion.Run, "--accelerator", "host");

        Assert.True(eval.ExitCode == 0, eval.ToString());
        Assert.Contains($"data: Fashion-MNIST v2 test, {FashionFixture.TestLimit} examples", eval.Stdout);
        var match = Regex.Match(eval.Stdout, @"test loss \(\w+, \d+ examples\): (\S+)");
        Assert.True(match.Success, eval.ToString());
        var printed = double.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        var recorded = RecordedTestLosses(fashion.Run)[^1];
        Assert.True(Math.Abs(printed - recorded) <= 1e-6 * recorded, $"eval printed {printed:R}, metrics.json has {recorded:R}");
    }

    [Fact]
    public void ResumeKeepsTheRunsDatasetWithoutBeingTold()
    {
        Assert.True(fashion.Trained.ExitCode == 0, fashion.Trained.ToString());
        var dir = fashion.NewDirectory("resumed");
        Directory.CreateDirectory(dir);
        foreach (var file in Directory.GetFiles(fashion.Run))
            File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));

        var resumed = fashion.Cli("train", "dae", "--resume", dir, "--epochs", "2", "--accelerator", "host");

        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains("data: Fashion-MNIST v2,", Unwrapped(resumed.Stdout));
        Assert.Equal(2, RecordedTestLosses(dir).Length);
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "metrics.json")));
        Assert.Equal("fashion-mnist", metrics.RootElement.GetProperty("options").GetProperty("dataset").GetString());
    }

    [Fact]
    public void FinetuneTakesThePretrainedStacksDataset()
    {
        var stack = fashion.NewDirectory("sda");
        var pretrained = fashion.Cli("pretrain", "--dataset", "fashion-mnist", "--hidden", "6", "--corruption", "0.2", "--epochs", "1", "--test-limit", "10",
            "--accelerator", "host", "--out", stack);
        Assert.True(pretrained.ExitCode == 0, pretrained.ToString());
        var run = fashion.NewDirectory("finetune");

        var tuned = fashion.Cli("finetune", "--pretrained", stack, "--max-epochs", "1", "--test-limit", "10", "--accelerator", "host", "--out", run);

        Assert.True(tuned.ExitCode == 0, tuned.ToString());
        // 40 train images: the last sixth (6) is validation, so pretraining and fine-tuning train on 34.
        Assert.Contains("Fashion-MNIST v2, 34 train / 6 validation", Unwrapped(tuned.Stdout));
        foreach (var dir in new[] { stack, run })
        {
            using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "metrics.json")));
            Assert.Equal("fashion-mnist", metrics.RootElement.GetProperty("options").GetProperty("dataset").GetString());
            Assert.Equal("Fashion-MNIST v2 train[0:34]", metrics.RootElement.GetProperty("dataset").GetString());
        }
    }

    [Fact]
    public void FilesThatAreNotTheReleasesAreRefusedUnlessAcceptedUnverified()
    {
        var outDir = fashion.NewDirectory("refused");
        // A copy of the data: the refused file is moved aside, and the other tests use the fixture's.
        var dataDir = Directory.CreateDirectory(fashion.NewDirectory("refused-data")).FullName;
        foreach (var source in Directory.GetFiles(fashion.DataDir))
            File.Copy(source, Path.Combine(dataDir, Path.GetFileName(source)));
        var file = Path.Combine(dataDir, "0.json");
        var actual = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file)));

        var result = CliProcess.Run("train", "dae", "--dataset", "fashion-mnist", "--hidden", "5", "--epochs", "1", "--accelerator", "host",
            "--data-dir", dataDir, "--out", outDir);

        var message = BadInputCliTests.AssertBadInput(result);
        Assert.StartsWith($"error: {file}: SHA-256 is {actual}, expected 059bd606bea89f6ea083240f41a38c73296e3e5a18a420d824fc2567b6ad6ab5; moved aside to 0.json.corrupt-", message);
        Assert.False(File.Exists(file));
        Assert.False(Directory.Exists(outDir), $"{outDir} was created");
    }

    public static TheoryData<string[]> VerbsWithADataset => new()
    {
        new[] { "train", "dae", "--hidden", "5", "--epochs", "1" },
        new[] { "pretrain", "--hidden", "5", "--epochs", "1" },
        new[] { "finetune", "--pretrained", "no-such-stack" },
        new[] { "eval", "--model", "no-such-run" },
    };

    [Theory]
    [MemberData(nameof(VerbsWithADataset))]
    public void AnUnknownDatasetIsRefusedInOneLineNamingTheOptionAndTheNames(string[] verb)
    {
        using var dir = new TempDirectory();
        var outDir = dir.File("run");
        string[] output = verb[0] == "eval" ? [] : ["--out", outDir];

        var result = CliProcess.Run([.. verb, "--dataset", "cifar10", "--accelerator", "host", .. output]);

        Assert.Equal($"error: --dataset cifar10: {Unknown}", BadInputCliTests.AssertBadInput(result));
        Assert.Empty(dir.Entries());
    }

    [Fact]
    public void DataFetchRefusesAnUnknownDataset()
    {
        using var dir = new TempDirectory();

        var result = CliProcess.Run("data", "fetch", "cifar10", "--data-dir", dir.Path);

        Assert.Equal($"error: data fetch cifar10: {Unknown}", BadInputCliTests.AssertBadInput(result));
        Assert.Empty(dir.Entries());
    }

    /// <summary>The console's lines as written: Spectre.Console wraps long lines at the terminal width (80 in a pipe).</summary>
    private static string Unwrapped(string stdout) => stdout.Replace("\r", "").Replace("\n", "");

    private static double[] RecordedTestLosses(string dir)
    {
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "metrics.json")));
        return metrics.RootElement.GetProperty("epochs").EnumerateArray().Select(e => e.GetProperty("test_loss").GetDouble()).ToArray();
    }
}
