namespace ILGPUAE.Tests.Training;

using ILGPUAE.Backend;
using ILGPUAE.Backends;
using ILGPUAE.Data;
using ILGPUAE.Evaluation;
using ILGPUAE.Host;
using ILGPUAE.Models;
using ILGPUAE.Tests.IO;
using ILGPUAE.Training.Stacked;
using Xunit.Abstractions;

/// <summary>
/// The point of pretraining, at a size a test can afford: a stack pretrained on 10 000 unlabelled images,
/// fine-tuned on 1 000 labels, against the same classifier from random weights after the same steps.
/// </summary>
public sealed class PretrainingBenefitTests(ITestOutputHelper output)
{
    private const int Unlabelled = 10000;
    private const int Labelled = 1000;

    [Fact]
    public void PretrainedStackBeatsRandomWeightsAfterTheSameFineTuningSteps()
    {
        var data = MnistSplits.Value;
        using var dir = new TempDirectory();
        var pretraining = new StackOptions
        {
            Hidden = [Hidden, Hidden],
            Corruption = [0.2f, 0.3f],
            LearningRate = PretrainLr,
            Epochs = PretrainEpochs,
            TrainLimit = Unlabelled,
            TestLimit = 100,
        };
        var clock = System.Diagnostics.Stopwatch.StartNew();
        StackPretraining.Run(new StackRunRequest(pretraining, AcceleratorKind.Host, 0, null, dir.Path, false, true, data), new QuietObserver());
        var pretrainSeconds = clock.Elapsed.TotalSeconds;
        var stack = StackFile.Read(Path.Combine(dir.Path, StackFile.FileName));

        using var backend = new HostBackend();
        var options = new FinetuneOptions { MaxEpochs = FinetuneEpochs, PatienceEpochs = 0, TrainLimit = Labelled };
        var labelled = data.Limit(Labelled, null);
        var pretrained = FineTunedValidationError(backend, options, labelled, stack);
        var random = FineTunedValidationError(backend, options, labelled, null);
        output.WriteLine($"784-{Hidden}-{Hidden}-10, pretraining {PretrainEpochs} epochs × 2 layers on {Unlabelled} images at lr {PretrainLr} ({pretrainSeconds:F1} s); " +
            $"fine-tuning {FinetuneEpochs} epochs on {Labelled} labels: validation accuracy pretrained {pretrained}, random {random}");

        // Both are scored on the same 10 000 validation images: the gap must exceed both 95 % half-widths.
        Assert.True(pretrained.Error + pretrained.HalfWidth95 + random.HalfWidth95 < random.Error, $"pretrained {pretrained}, random {random}");
    }

    private const int Hidden = 256;
    private const int PretrainEpochs = 2;
    private const float PretrainLr = 0.02f;
    private const int FinetuneEpochs = 10;

    private static ClassificationScore FineTunedValidationError(IBackend backend, FinetuneOptions options, ClassificationSplits data, StackFile? stack)
    {
        using var model = FeedForwardClassifier.Create(backend, new ClassifierArchitecture(784, [Hidden, Hidden], [], ClassificationSplits.Classes), options.Seed);
        if (stack is not null)
            Assert.Equal(4, model.Load(stack.Find).Count);
        using var trainer = new ClassifierSession(model, options, data.Train, firstTrained: 0);
        for (var epoch = 0; epoch < options.MaxEpochs; epoch++)
            trainer.RunEpoch();
        using var pixels = backend.Allocate<float>(data.Valid.Count, data.Valid.Features);
        pixels.CopyFrom(data.Valid.Pixels);
        using var labels = backend.Allocate<int>(data.Valid.Count);
        labels.CopyFrom(Array.ConvertAll(data.Valid.Labels, l => (int)l));
        using var evaluator = new ClassifierEvaluator(model, pixels, labels);
        return evaluator.Score();
    }
}
