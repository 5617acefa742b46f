namespace ILGPUAE.Tests.Cli;

using System.Text.Json;
using ILGPUAE.Backend;
using ILGPUAE.Checkpoints;
using ILGPUAE.IO;
using ILGPUAE.Modules;
using ILGPUAE.Tests.IO;
using ILGPUAE.Training;
using ILGPUAE.Training.Sparse;

/// <summary>
/// `ilgpuae train sparse` as a user runs it: a short full-batch line-search run on host end to end (files, the architecture in the
/// model file, options, the objective never increasing), a minibatch Adam run with a tied decoder, a run killed after an epoch and
/// resumed to the end with its line search going on from the saved step, and bad options refused in one line.
/// </summary>
[Collection(InProcessCliCollection.Name)]
public sealed class TrainSparseCliTests
{
    private static readonly string[] Short = ["train", "sparse", "--accelerator", "host", "--hidden", "16", "--train-limit", "200",
        "--valid-limit", "50", "--test-limit", "20"];

    [Fact]
    public void TrainsWithTheLineSearchEndToEndOnHost()
    {
        using var dir = new TempDirectory();
        var run = dir.File("run");
        var result = InProcessCli.Run([.. Short, "--epochs", "4", "--out", run]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("done: kept epoch ", result.Stdout);
        Assert.Equal(["curves.png", "metrics.csv", "metrics.json", "model.safetensors", "train_state.safetensors"],
            Directory.GetFiles(run).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        var modelPath = Path.Combine(run, DaeCheckpoint.ModelFileName);
        var model = SafeTensorsFile.Read(modelPath);
        Assert.Equal(SparseTraining.Format, model.Metadata[DaeCheckpoint.FormatKey]);
        // The architecture travels with the model: the first dense layer is the encoder a reader (visualize) takes.
        var spec = Checkpoint.SpecOf(modelPath, model);
        Assert.Equal(new DenseSpec(784, 16, Activation.Sigmoid, "layer0.W", "layer0.b_hidden"), spec.Modules[0]);
        Assert.Equal(new KlSparsitySpec(16, SparseOptions.DefaultRho, SparseOptions.DefaultBeta), spec.Modules[1]);
        Assert.Equal(new DenseSpec(16, 784, Activation.Sigmoid, "layer0.W_decoder", "layer0.b_visible"), spec.Modules[2]);
        Assert.Equal(["layer0.W", "layer0.b_hidden", "layer0.W_decoder", "layer0.b_visible"], model.Tensors.Select(t => t.Name));

        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, DaeCheckpoint.MetricsFileName)));
        var root = metrics.RootElement;
        var options = root.GetProperty("options");
        Assert.Equal("LineSearch", options.GetProperty("optimizer").GetProperty("kind").GetString());
        Assert.Equal(1e-4, options.GetProperty("optimizer").GetProperty("weight_decay").GetDouble(), 1e-9);
        Assert.Equal(JsonValueKind.Null, options.GetProperty("batch").ValueKind);
        Assert.Equal(200, root.GetProperty("train_examples").GetInt32());
        var epochs = root.GetProperty("epochs").EnumerateArray().ToList();
        Assert.Equal(4, epochs.Count);
        Assert.All(epochs, e => Assert.True(e.GetProperty("step").GetDouble() > 0));
        // The line search never increases its objective; the decay is tiny here, so the reported loss (objective less the decay) falls too.
        var losses = epochs.Select(e => e.GetProperty("train_loss").GetDouble()).ToList();
        Assert.True(losses.Zip(losses.Skip(1)).All(p => p.Second < p.First), string.Join(", ", losses));
        Assert.Equal(2, ILGPUAE.Evaluation.TrainingCurves.OfRun(run).Count);
    }

    [Fact]
    public void TrainsATiedDecoderWithAdamOnMinibatches()
    {
        using var dir = new TempDirectory();
        var run = dir.File("run");
        var result = InProcessCli.Run([.. Short, "--tied", "--optimizer", "adam", "--batch", "50", "--epochs", "1", "--out", run]);

        Assert.True(result.ExitCode == 0, result.ToString());
        var modelPath = Path.Combine(run, DaeCheckpoint.ModelFileName);
        var model = SafeTensorsFile.Read(modelPath);
        Assert.IsType<TiedDenseSpec>(Checkpoint.SpecOf(modelPath, model).Modules[2]);
        Assert.Equal(["layer0.W", "layer0.b_hidden", "layer0.b_visible"], model.Tensors.Select(t => t.Name));
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, DaeCheckpoint.MetricsFileName)));
        var optimizer = metrics.RootElement.GetProperty("options").GetProperty("optimizer");
        Assert.Equal("Adam", optimizer.GetProperty("kind").GetString());
        // UFLDL's α stays with another rule: weight decay is the model's.
        Assert.Equal(1e-4, optimizer.GetProperty("weight_decay").GetDouble(), 1e-9);
        Assert.Equal(0.001, metrics.RootElement.GetProperty("options").GetProperty("learning_rate").GetDouble(), 1e-9);
    }

    /// <summary>
    /// Killed after an epoch's commit and resumed: the run ends at its 4 epochs with the uninterrupted run's line-search steps (the saved
    /// step carries the search on; from t₀ = 1 again they would be smaller) and its losses to float precision (the resumed iteration
    /// recomputes f and ∇f in another row order).
    /// </summary>
    [Fact]
    public void AKilledRunResumesItsLineSearch()
    {
        using var dir = new TempDirectory();
        var reference = dir.File("reference");
        var uninterrupted = InProcessCli.Run([.. Short, "--epochs", "4", "--out", reference]);
        Assert.True(uninterrupted.ExitCode == 0, uninterrupted.ToString());
        var run = dir.File("run");
        var killed = CliProcess.Run(new Dictionary<string, string?> { [CheckpointCommit.KillVariable] = "recorded@3" }, [.. Short, "--epochs", "4", "--out", run]);
        Assert.True(killed.ExitCode == 137, killed.ToString());
        var state = SafeTensorsFile.Read(Path.Combine(run, DaeCheckpoint.StateFileName));
        Assert.True(float.Parse(state.Metadata[SparseTraining.LineSearchStepKey], System.Globalization.CultureInfo.InvariantCulture) > 1f);

        var resumed = InProcessCli.Run("train", "sparse", "--resume", run, "--accelerator", "host");

        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        List<JsonElement> Epochs(string directory) =>
            [.. JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, DaeCheckpoint.MetricsFileName))).RootElement.GetProperty("epochs").EnumerateArray()];
        var (expected, actual) = (Epochs(reference), Epochs(run));
        Assert.Equal([1, 2, 3, 4], actual.Select(e => e.GetProperty("epoch").GetInt32()));
        Assert.Equal(expected.Select(e => e.GetProperty("step").GetDouble()), actual.Select(e => e.GetProperty("step").GetDouble()));
        foreach (var (e, a) in expected.Zip(actual))
            Assert.Equal(e.GetProperty("train_loss").GetDouble(), a.GetProperty("train_loss").GetDouble(), 1e-3);
    }

    /// <summary>
    /// The lecture note's worked example, small: two sparse autoencoders trained greedily (layer 1 on the kept layer 0's codes of the same
    /// 300 images), the stack saved in OUT with both layers' kept weights, and `finetune --pretrained OUT` building its classifier on them.
    /// </summary>
    [Fact]
    public void TrainsAStackGreedilyAndFinetuneTakesIt()
    {
        using var dir = new TempDirectory();
        var run = dir.File("stack");
        var result = InProcessCli.Run("train", "sparse", "--accelerator", "host", "--hidden", "16,8", "--rho", "0.1", "--train-limit", "300",
            "--valid-limit", "50", "--test-limit", "50", "--epochs", "5", "--out", run);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("done layer 1: kept epoch ", result.Stdout);
        var layer1 = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "layer1", DaeCheckpoint.MetricsFileName))).RootElement;
        Assert.Equal(1, layer1.GetProperty("layer").GetInt32());
        Assert.StartsWith("codes of layer 0 of MNIST", layer1.GetProperty("dataset").GetString());
        Assert.Equal(300, layer1.GetProperty("train_examples").GetInt32());
        var stackPath = Path.Combine(run, DaeCheckpoint.ModelFileName);
        var stack = SafeTensorsFile.Read(stackPath);
        Assert.Equal(Networks.SparseStack([784, 16, 8], 0.1f, SparseOptions.DefaultBeta), Checkpoint.SpecOf(stackPath, stack), new SpecComparer());
        foreach (var layer in new[] { 0, 1 })
        {
            var kept = SafeTensorsFile.Read(Path.Combine(run, $"layer{layer}", DaeCheckpoint.ModelFileName));
            foreach (var t in kept.Tensors)
                Assert.Equal(t.Data, stack.Tensors.Single(s => s.Name == t.Name).Data);
        }
        var encoders = ILGPUAE.Training.Stacked.EncoderStack.Read(run);
        Assert.Equal([16, 8], encoders.Hidden);
        Assert.Equal(stack.Tensors.Single(t => t.Name == "layer1.W").Data, encoders.Find("layer1.W", [8, 16]));

        var finetune = InProcessCli.Run("finetune", "--pretrained", run, "--accelerator", "host", "--train-limit", "300", "--test-limit", "50",
            "--max-epochs", "1", "--out", dir.File("classifier"));

        Assert.True(finetune.ExitCode == 0, finetune.ToString());
        Assert.Contains("test accuracy", finetune.Stdout);
        var classifier = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.File("classifier"), DaeCheckpoint.MetricsFileName))).RootElement;
        Assert.Equal("784-16-8-10", classifier.GetProperty("architecture").GetString());
        Assert.Equal("classifier on stacked sparse autoencoders", classifier.GetProperty("model").GetString());
    }

    /// <summary>
    /// A stack killed in its second layer (after layer 0's 3 commits and layer 1's first two) and resumed: layer 0 is kept as it was, byte for
    /// byte, and gives layer 1 its codes again; layer 1 goes on with the uninterrupted run's steps and ends at its parameters to float
    /// precision (the resumed iteration recomputes f and ∇f in another row order).
    /// </summary>
    [Fact]
    public void AKilledStackResumesAtItsUnfinishedLayer()
    {
        string[] stack = ["train", "sparse", "--accelerator", "host", "--hidden", "16,8", "--rho", "0.1", "--train-limit", "300", "--valid-limit", "50",
            "--test-limit", "50", "--epochs", "3"];
        using var dir = new TempDirectory();
        var reference = dir.File("reference");
        Assert.Equal(0, InProcessCli.Run([.. stack, "--out", reference]).ExitCode);
        var run = dir.File("run");
        var killed = CliProcess.Run(new Dictionary<string, string?> { [CheckpointCommit.KillVariable] = "recorded@5" }, [.. stack, "--out", run]);
        Assert.True(killed.ExitCode == 137, killed.ToString());
        Assert.False(File.Exists(Path.Combine(run, DaeCheckpoint.ModelFileName)));

        var resumed = InProcessCli.Run("train", "sparse", "--resume", run, "--accelerator", "host");

        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        byte[] Bytes(string root, string layer) => File.ReadAllBytes(Path.Combine(root, layer, DaeCheckpoint.ModelFileName));
        Assert.Equal(Bytes(reference, "layer0"), Bytes(run, "layer0"));
        List<JsonElement> Epochs(string root) =>
            [.. JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "layer1", DaeCheckpoint.MetricsFileName))).RootElement.GetProperty("epochs").EnumerateArray()];
        Assert.Equal(Epochs(reference).Select(e => e.GetProperty("step").GetDouble()), Epochs(run).Select(e => e.GetProperty("step").GetDouble()));
        var (expected, actual) = (SafeTensorsFile.Read(Path.Combine(reference, DaeCheckpoint.ModelFileName)), SafeTensorsFile.Read(Path.Combine(run, DaeCheckpoint.ModelFileName)));
        Assert.Equal(expected.Tensors.Select(t => t.Name), actual.Tensors.Select(t => t.Name));
        foreach (var (e, a) in expected.Tensors.Zip(actual.Tensors))
            Assert.True(e.Data.Zip(a.Data).All(p => Math.Abs(p.First - p.Second) < 1e-5), e.Name);
    }

    /// <summary>Two specs equal module by module (records) and in their objective.</summary>
    private sealed class SpecComparer : IEqualityComparer<NetworkSpec>
    {
        public bool Equals(NetworkSpec? x, NetworkSpec? y) =>
            x is not null && y is not null && x.Modules.SequenceEqual(y.Modules) && Equals(x.Objective, y.Objective) && x.FirstTrained == y.FirstTrained;

        public int GetHashCode(NetworkSpec obj) => obj.Modules.Count;
    }

    public static TheoryData<string[], string> BadOptions => new()
    {
        { ["--rho", "0"], "--rho 0" },
        { ["--rho", "1"], "--rho 1" },
        { ["--beta", "-1"], "--beta -1" },
        { ["--hidden", "0"], "--hidden 0" },
        { ["--hidden", "16,0"], "--hidden 16,0" },
        { ["--batch", "0"], "--batch" },
        { ["--weight-decay", "-1"], "--weight-decay" },
        { ["--clip-grad-norm", "1"], "--clip-grad-norm" },
        { ["--on-nan", "skip-batch"], "--on-nan" },
        { ["--holdout", "60000"], "--holdout 60000" },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void BadOptionIsRefusedInOneLine(string[] bad, string named)
    {
        using var dir = new TempDirectory();
        var result = InProcessCli.Run(["train", "sparse", "--accelerator", "host", "--train-limit", "20", "--epochs", "1", "--out", dir.File("out"), .. bad]);
        InProcessCli.AssertRefused(result, named);
        Assert.False(Directory.Exists(dir.File("out")), result.ToString());
    }

    [Fact]
    public void OtherVerbsRefuseTheLineSearch()
    {
        using var dir = new TempDirectory();
        var result = InProcessCli.Run("train", "dae", "--accelerator", "host", "--optimizer", "linesearch", "--out", dir.File("out"));
        InProcessCli.AssertRefused(result, "--optimizer linesearch");
        Assert.False(Directory.Exists(dir.File("out")), result.ToString());
    }
}
