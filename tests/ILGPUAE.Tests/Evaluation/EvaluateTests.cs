namespace ILGPUAE.Tests.Evaluation;

using ILGPUAE.Backends;
using ILGPUAE.Evaluation;
using ILGPUAE.IO;
using ILGPUAE.Tests.Cli;
using ILGPUAE.Tests.IO;

/// <summary>
/// <see cref="Evaluate.Run"/>, the one entry point `eval` calls, on the golden checkpoints recorded at 627d4a0 (a `train dae`
/// autoencoder and a `finetune` classifier, each trained with a test limit of 50): the file's kind picks the score, the
/// run's test limit cuts the test set, and a stack or a missing file is refused in one line.
/// </summary>
public sealed class EvaluateTests
{
    private static string Golden(string name) => Path.Combine(AppContext.BaseDirectory, "Golden", "data", name);

    [Fact]
    public void AnAutoencoderIsScoredByItsReconstructionLoss()
    {
        var result = Assert.IsType<ReconstructionResult>(Evaluate.Run(new EvaluationRequest(Golden("host-dae-b1.safetensors"), AcceleratorKind.Host)));
        Assert.Equal(50, result.Examples);
        Assert.Equal(ILGPUAE.Backend.LossKind.SquaredError, result.Loss);
        // Two epochs of 300 images from Glorot weights: far below the ≈50 of the untrained model, far above zero.
        Assert.InRange(result.MeanLoss, 5, 40);
    }

    [Fact]
    public void AClassifierIsScoredByItsAccuracyAndTheCliPrintsIt()
    {
        var result = Assert.IsType<ClassificationResult>(Evaluate.Run(new EvaluationRequest(Golden("host-finetune.safetensors"), AcceleratorKind.Host)));
        Assert.Equal(50, result.Score.Count);
        Assert.Equal("784-12-6-5-10", result.Architecture.ToString());
        var cli = CliProcess.Run("eval", "--model", Golden("host-finetune.safetensors"), "--accelerator", "host");
        Assert.True(cli.ExitCode == 0, cli.ToString());
        Assert.Contains($"test accuracy {result.Score}", cli.Stdout);
    }

    /// <summary>The generic evaluator, on the network rebuilt from the file, agrees to the bit with the model-specific ones.</summary>
    [Fact]
    public void TheNetworkEvaluatorAgreesWithTheModelEvaluators()
    {
        using var backend = new ILGPUAE.Host.HostBackend();
        var data = ILGPUAE.Tests.MnistSample.Test(230);
        using var pixels = backend.Allocate<float>(230, 784);
        pixels.CopyFrom(data);
        using var labels = backend.Allocate<int>(230);
        labels.CopyFrom(Array.ConvertAll(ILGPUAE.Tests.Training.MnistSplits.Value.Test.Take(230).Labels, l => (int)l));

        var dae = Golden("host-dae-b1.safetensors");
        using var model = ILGPUAE.Training.DaeCheckpoint.LoadModel(dae, backend, 784, out var options);
        using var old = new ReconstructionEvaluator(model, pixels);
        using var network = ILGPUAE.Checkpoints.Checkpoint.Load(dae, backend, ReconstructionEvaluator.ChunkRows);
        using var generic = new NetworkEvaluator(backend, network);
        Assert.Equal(old.MeanLoss(options.Loss), generic.MeanReconstructionLoss(pixels));

        var ft = Golden("host-finetune.safetensors");
        using var classifier = ILGPUAE.Training.Stacked.ClassifierCheckpoint.Load(ft, backend);
        using var oldScore = new ClassifierEvaluator(classifier, pixels, labels);
        using var net = ILGPUAE.Checkpoints.Checkpoint.Load(ft, backend, ClassifierEvaluator.ChunkRows);
        using var genericScore = new NetworkEvaluator(backend, net);
        Assert.Equal(oldScore.Score(), genericScore.Score(pixels, labels));
    }

    /// <summary>
    /// A `train deep` model is scored by its clean cross-entropy reconstruction in input space on the run's test set — binarised
    /// when it was trained binarised — which is the test loss its run recorded for the kept epoch.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ADeepAutoencoderIsScoredAsItsRunScoredItsKeptEpoch(bool binarize)
    {
        using var dir = new TempDirectory();
        var run = dir.File("deep");
        string[] train = ["train", "deep", "--layers", "12,6", "--scheme", "J", "--epochs", "2", "--train-limit", "300", "--valid-limit", "100",
            "--test-limit", "50", "--accelerator", "host", "--out", run];
        var trained = CliProcess.Run(binarize ? [.. train, "--binarize"] : train);
        Assert.True(trained.ExitCode == 0, trained.ToString());

        var result = Assert.IsType<ReconstructionResult>(Evaluate.Run(new EvaluationRequest(run, AcceleratorKind.Host)));

        using var metrics = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "metrics.json")));
        var root = metrics.RootElement;
        var (phase, epoch) = (root.GetProperty("best_phase").GetString(), root.GetProperty("best_epoch").GetInt32());
        var kept = root.GetProperty("phases").EnumerateArray().Single(p => p.GetProperty("name").GetString() == phase)
            .GetProperty("epochs").EnumerateArray().Single(e => e.GetProperty("epoch").GetInt32() == epoch);
        Assert.Equal(50, result.Examples);
        Assert.Equal(ILGPUAE.Backend.LossKind.CrossEntropy, result.Loss);
        Assert.Equal(kept.GetProperty("test_loss").GetDouble(), result.MeanLoss, 1e-3);
        var cli = CliProcess.Run("eval", "--model", run, "--accelerator", "host");
        Assert.True(cli.ExitCode == 0, cli.ToString());
    }

    [Fact]
    public void AMissingModelIsRefusedNamingIt()
    {
        var e = Assert.Throws<InputException>(() => Evaluate.Run(new EvaluationRequest("/nonexistent/run")));
        Assert.Equal("model", e.Setting);
        var cli = CliProcess.Run("eval", "--model", "/nonexistent/run");
        Assert.True(cli.ExitCode == 2, cli.ToString());
        Assert.StartsWith("error: --model /nonexistent/run:", cli.Stderr.Trim());
    }
}
