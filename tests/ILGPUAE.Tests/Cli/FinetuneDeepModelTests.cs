namespace ILGPUAE.Tests.Cli;

using System.Text.Json;
using System.Text.Json.Nodes;
using ILGPUAE.Backend;
using ILGPUAE.Checkpoints;
using ILGPUAE.Data;
using ILGPUAE.Data.Variations;
using ILGPUAE.IO;
using ILGPUAE.Modules;
using ILGPUAE.Objectives;
using ILGPUAE.Tests.IO;
using ILGPUAE.Training;

/// <summary>
/// A tiny `train deep` model (784-12-6, scheme J, one epoch) on a reduced generated `rect` set (400 train, 200 validation, 400 test,
/// in a temporary data directory, so nothing is read from or written to the user's cache), and one `finetune` of it, each run once
/// as a separate process for the whole class.
/// </summary>
public sealed class TinyDeepModelFixture : IDisposable
{
    private readonly TempDirectory dir = new();

    public TinyDeepModelFixture()
    {
        Data = dir.File("rect");
        GeneratedSets.Make(VariationGenerators.Of(DatasetKind.Rect)!, Data, new MakeRequest(Limit: 400), log: null);
        Deep = dir.File("deep");
        Training = CliProcess.Run("train", "deep", "--dataset", "rect", "--data-dir", Data, "--layers", "12,6", "--scheme", "J", "--epochs", "1",
            "--accelerator", "host", "--out", Deep);
        Finetuned = dir.File("ft");
        // No --dataset: the deep model's (rect, 2 classes) is the one fine-tuned on.
        Finetuning = Training.ExitCode == 0
            ? CliProcess.Run("finetune", "--pretrained", Deep, "--data-dir", Data, "--max-epochs", "3", "--seed", "5", "--accelerator", "host", "--out", Finetuned)
            : null;
    }

    public string Data { get; }
    public string Deep { get; }
    public string Finetuned { get; }
    public CliResult Training { get; }
    public CliResult? Finetuning { get; }

    public string DeepModel => Path.Combine(Deep, DaeCheckpoint.ModelFileName);

    /// <summary>A fresh directory for one test's files, under the fixture's.</summary>
    public string NewDirectory(string name) => Directory.CreateDirectory(dir.File(name.Replace(' ', '-'))).FullName;

    public void Dispose() => dir.Dispose();
}

/// <summary>
/// `finetune --pretrained DIR` on a directory written by `train deep` (issue 14, Tables V–VII): the classifier is the deep
/// autoencoder's encoders (decoders dropped) with a softmax on top, on the deep model's dataset; bad files are refused in one line.
/// </summary>
[Collection(InProcessCliCollection.Name)]
public sealed class FinetuneDeepModelTests(TinyDeepModelFixture tiny) : IClassFixture<TinyDeepModelFixture>
{
    private static readonly string[] EncoderTensors = ["layer0.W", "layer0.b_hidden", "layer1.W", "layer1.b_hidden"];

    [Fact]
    public void AModelTrainedOnBinarisedDataIsFinetunedOnBinarisedData()
    {
        var deep = tiny.NewDirectory("deep binarised");
        var training = CliProcess.Run("train", "deep", "--dataset", "rect", "--data-dir", tiny.Data, "--layers", "12,6", "--scheme", "J", "--epochs", "1",
            "--binarize", "--accelerator", "host", "--out", deep, "--force");
        Assert.True(training.ExitCode == 0, training.ToString());
        var ft = tiny.NewDirectory("ft binarised");
        var run = CliProcess.Run("finetune", "--pretrained", deep, "--data-dir", tiny.Data, "--max-epochs", "1", "--accelerator", "host", "--out", ft, "--force");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("trained on binarised data", run.Stdout + run.Stderr);
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(ft, DaeCheckpoint.MetricsFileName)));
        Assert.True(metrics.RootElement.GetProperty("options").GetProperty("binarize").GetBoolean());
    }

    [Fact]
    public void FinetunesATinyDeepModelEndToEnd()
    {
        Assert.True(tiny.Training.ExitCode == 0, tiny.Training.ToString());
        var run = tiny.Finetuning!;
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Matches(@"test accuracy \d+\.\d\d % ± \d+\.\d\d % \(95 %\), error \d+\.\d\d % \(\d+ of 400\)", run.Stdout);

        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(tiny.Finetuned, DaeCheckpoint.MetricsFileName)));
        var root = metrics.RootElement;
        Assert.Equal("classifier on deep autoencoder (scheme J, denoise)", root.GetProperty("model").GetString());
        Assert.Equal("784-12-6-2", root.GetProperty("architecture").GetString());
        Assert.Equal(Path.GetFullPath(tiny.Deep), root.GetProperty("pretrained").GetString());
        Assert.Equal("rect", root.GetProperty("options").GetProperty("dataset").GetString());
        Assert.False(root.GetProperty("options").GetProperty("binarize").GetBoolean());
        Assert.Equal(400, root.GetProperty("train_examples").GetInt32());
        Assert.Equal(200, root.GetProperty("valid_examples").GetInt32());
        Assert.Equal(400, root.GetProperty("test_examples").GetInt32());
        Assert.InRange(root.GetProperty("test_half_width95").GetDouble(), 1e-3, 0.05);
        Assert.Equal(3, root.GetProperty("epochs").GetArrayLength());

        // All layers trained: every encoder tensor moved from the deep model's; no decoder bias came along.
        var deep = SafeTensorsFile.Read(tiny.DeepModel);
        var classifier = SafeTensorsFile.Read(Path.Combine(tiny.Finetuned, DaeCheckpoint.ModelFileName));
        Assert.Equal([.. EncoderTensors, "mlp0.W", "mlp0.b"], classifier.Tensors.Select(t => t.Name));
        Assert.Equal([2, 6], classifier.Tensors.Single(t => t.Name == "mlp0.W").Shape);
        foreach (var name in EncoderTensors)
            Assert.False(SameBits(Tensor(deep, name), Tensor(classifier, name)), $"{name} did not train");
    }

    /// <summary>With the stack frozen the encoders never move, so the saved classifier's are its initial ones: the deep model's, bit for bit.</summary>
    [Fact]
    public void TheClassifiersEncodersAreTheDeepModelsTensorsBitForBit()
    {
        var output = Path.Combine(tiny.NewDirectory("frozen"), "ft");
        var run = InProcessCli.Run("finetune", "--pretrained", tiny.Deep, "--data-dir", tiny.Data, "--freeze", "--max-epochs", "1", "--accelerator", "host",
            "--out", output);
        Assert.True(run.ExitCode == 0, run.ToString());
        var deep = SafeTensorsFile.Read(tiny.DeepModel);
        var classifier = SafeTensorsFile.Read(Path.Combine(output, DaeCheckpoint.ModelFileName));
        foreach (var name in EncoderTensors)
        {
            Assert.Equal(deep.Tensors.Single(t => t.Name == name).Shape, classifier.Tensors.Single(t => t.Name == name).Shape);
            Assert.True(SameBits(Tensor(deep, name), Tensor(classifier, name)), $"{name} differs from the deep model's");
        }
    }

    public static TheoryData<string> BadFiles => ["foreign", "classifier", "truncated", "flipped bit", "no layers", "unfinished", "wrong shape", "NaN"];

    /// <summary>A directory whose model.safetensors is not an encoder stack is refused in one line naming it, before anything is written.</summary>
    [Theory]
    [MemberData(nameof(BadFiles))]
    public void ABadModelFileIsRefusedInOneLine(string bad)
    {
        Assert.True(tiny.Training.ExitCode == 0, tiny.Training.ToString());
        var stack = tiny.NewDirectory("bad " + bad);
        var path = Path.Combine(stack, DaeCheckpoint.ModelFileName);
        var deep = SafeTensorsFile.Read(tiny.DeepModel);
        var bytes = File.ReadAllBytes(tiny.DeepModel);
        string named;
        switch (bad)
        {
            case "foreign":
                new SafeTensorsFile([new NamedTensor("weight", [2, 2], [1, 2, 3, 4])], new Dictionary<string, string> { ["framework"] = "pt" }).Write(path);
                named = $"{path}: __metadata__.format is '', expected 'ilgpuae.sda-stack', 'ilgpuae.deep-ae' or 'ilgpuae.sparse'";
                break;
            case "classifier":
                // A `finetune` output is a classifier, not an encoder stack.
                Assert.True(tiny.Finetuning!.ExitCode == 0, tiny.Finetuning.ToString());
                File.Copy(Path.Combine(tiny.Finetuned, DaeCheckpoint.ModelFileName), path);
                named = $"{path}: __metadata__.format is 'ilgpuae.classifier', expected";
                break;
            case "truncated":
                File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
                named = path;
                break;
            case "flipped bit":
                bytes[^1] ^= 0x10;
                File.WriteAllBytes(path, bytes);
                named = path;
                break;
            case "no layers":
                With(deep, path, metadata: m => m[Checkpoint.NetworkKey] = new NetworkSpec([], new ReconstructionSpec(LossKind.CrossEntropy)).ToJson());
                named = $"{path}: the deep autoencoder's architecture has no encoder layer";
                break;
            case "unfinished":
                With(deep, path, metadata: m =>
                {
                    var options = JsonNode.Parse(m[DaeCheckpoint.OptionsKey])!;
                    options["layers"] = new JsonArray(12, 6, 4);
                    m[DaeCheckpoint.OptionsKey] = options.ToJsonString();
                });
                named = $"--pretrained {stack}: the model has 2 of its 3 layers";
                break;
            case "wrong shape":
                With(deep, path, tensors: t => t.Name == "layer1.W" ? t with { Shape = [4, 18] } : t);
                named = $"{path}: tensor 'layer1.W' has shape [4, 18], expected [6, 12]";
                break;
            case "NaN":
                With(deep, path, tensors: t => t.Name == "layer0.b_hidden" ? t with { Data = [.. t.Data[..^1], float.NaN] } : t);
                named = $"{path}: tensor 'layer0.b_hidden' holds NaN at element 11";
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(bad), bad, null);
        }
        var output = Path.Combine(stack, "ft");
        var run = InProcessCli.Run("finetune", "--pretrained", stack, "--data-dir", tiny.Data, "--max-epochs", "1", "--accelerator", "host", "--out", output);
        InProcessCli.AssertRefused(run, named);
        Assert.False(Directory.Exists(output), run.ToString());
    }

    /// <summary>A resumed fine-tuning keeps the deep model it was built on: another directory is refused, the same one is not.</summary>
    [Fact]
    public void ResumeRefusesADifferentPretrainedDirectory()
    {
        Assert.True(tiny.Finetuning!.ExitCode == 0, tiny.Finetuning.ToString());
        var other = tiny.NewDirectory("other deep");
        File.Copy(tiny.DeepModel, Path.Combine(other, DaeCheckpoint.ModelFileName));
        var before = File.ReadAllBytes(Path.Combine(tiny.Finetuned, DaeCheckpoint.StateFileName));

        var refused = InProcessCli.Run("finetune", "--resume", tiny.Finetuned, "--pretrained", other, "--data-dir", tiny.Data, "--accelerator", "host");
        InProcessCli.AssertRefused(refused, $"--pretrained {other} differs from the run's {Path.GetFullPath(tiny.Deep)}");
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(tiny.Finetuned, DaeCheckpoint.StateFileName)));

        // The run's own deep model, named by another spelling of its path: accepted (the run has finished: it trains no further epoch).
        var same = InProcessCli.Run("finetune", "--resume", tiny.Finetuned, "--pretrained", tiny.Deep + Path.DirectorySeparatorChar, "--data-dir", tiny.Data,
            "--accelerator", "host");
        Assert.True(same.ExitCode == 0, same.ToString());
        Assert.Contains("at epoch", same.Stdout);
    }

    private static float[] Tensor(SafeTensorsFile file, string name) => file.Tensors.Single(t => t.Name == name).Data;

    private static bool SameBits(float[] a, float[] b) =>
        a.Length == b.Length && a.Select(BitConverter.SingleToInt32Bits).SequenceEqual(b.Select(BitConverter.SingleToInt32Bits));

    /// <summary>Writes <paramref name="deep"/> to <paramref name="path"/> with its metadata and tensors changed.</summary>
    private static void With(SafeTensorsFile deep, string path, Action<Dictionary<string, string>>? metadata = null, Func<NamedTensor, NamedTensor>? tensors = null)
    {
        var m = new Dictionary<string, string>(deep.Metadata);
        metadata?.Invoke(m);
        new SafeTensorsFile(deep.Tensors.Select(tensors ?? (t => t)), m).Write(path);
    }
}
