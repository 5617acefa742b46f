namespace ILGPUAE.Bench.Training;

using BenchmarkDotNet.Attributes;
using ILGPUAE.Backend;
using ILGPUAE.Backends;
using ILGPUAE.Data;
using ILGPUAE.Models;
using ILGPUAE.Random;
using ILGPUAE.Training;
using ILGPUAE.Training.Stacked;

/// <summary>
/// Fine-tuning of the sda3 presets' classifier, 784-1000-1000-1000-10 (sigmoid layers, softmax on top), on softmax
/// cross-entropy with plain SGD at lr 0.1 and clean inputs (sda3-theano's fine-tuning options), as ClassifierSession runs it:
/// one minibatch step of 100 examples, and the presets' own per-sample SGD over 100 examples: the same examples per operation,
/// with one update or a hundred. Each operation ends with a Synchronize.
/// </summary>
[MemoryDiagnoser]
public class ClassifierStepBench
{
    /// <summary>Examples per operation in both benchmarks: one minibatch step, or as many per-sample steps.</summary>
    private const int Batch = 100;

    private const int TrainRows = 6000;

    private readonly FinetuneOptions options = Recipes.Finetuning(Recipe.Sda3Theano);
    private IBackend backend = null!;
    private SyntheticTrainingSet set = null!;
    private FeedForwardClassifier model = null!;
    private ClassifierPass batchPass = null!, samplePass = null!;
    private (Tensor<int> Indices, Tensor<int> Labels, Tensor<float> Losses)[] batches = null!, singles = null!;
    private DenseParameters[] layerParameters = null!;
    private ISampleSgd? sampleSgd;
    private NoiseKey noise;
    private int nextBatch, nextRun;

    [Params(AcceleratorKind.Host, AcceleratorKind.Cpu)]
    public AcceleratorKind Accelerator { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        backend = AcceleratorCatalog.Open(Accelerator);
        set = new SyntheticTrainingSet(backend, TrainRows);
        // As Finetuning.Run builds it on a pretrained stack: the stack's widths, the recipe's MLP layers (none), a softmax over the classes.
        var architecture = new ClassifierArchitecture(SyntheticTrainingSet.Pixels, Recipes.Pretraining(Recipe.Sda3Theano).Hidden, options.Mlp,
            ClassificationSplits.Classes);
        model = FeedForwardClassifier.Create(backend, architecture, options.Seed);
        // The passes ClassifierSession allocates at batch 100 and at batch 1; nothing is frozen (the recipe's Freeze is off).
        batchPass = new ClassifierPass(model, Batch);
        samplePass = new ClassifierPass(model, 1);
        // Each operation takes the next 100 visits of the epoch order: as one batch, or as 100 batch-1 views of them.
        batches = Enumerable.Range(0, TrainRows / Batch).Select(k => set.Visits(k * Batch, Batch)).ToArray();
        singles = Enumerable.Range(0, TrainRows).Select(s => set.Visits(s, 1)).ToArray();
        layerParameters = model.Layers.Select(l => new DenseParameters(l.Weights, l.Bias)).ToArray();
        // The trainer's rule for a per-sample run: the backend's SampleSgd family, when it takes these layers.
        sampleSgd = StepPolicy.ForClassifier(options with { Batch = 1 }, backend, layerParameters) == StepPath.SampleSgdKernel ? backend.SampleSgd : null;
        noise = new NoiseKey(options.Seed, RngStream.FinetuneMask, 0);
    }

    /// <summary>FusedClassifierStep at momentum 0: the pass updates the parameters in its products.</summary>
    [Benchmark(Baseline = true, Description = "minibatch step, batch 100")]
    public void MinibatchStep()
    {
        var (indices, labels, losses) = batches[nextBatch];
        nextBatch = (nextBatch + 1) % batches.Length;
        batchPass.ForwardBackwardSgd(set.Data, indices, labels, losses, options.LearningRate, noise, options.Corruption);
        backend.Synchronize();
    }

    /// <summary>
    /// 100 examples of per-sample SGD by the path StepPolicy picks for ClassifierSession: one
    /// call of the SampleSgd family where the backend has one (the ILGPU backends), else a batch-1 step per example (host).
    /// </summary>
    [Benchmark(Description = "per-sample SGD, 100 examples")]
    public void PerSample()
    {
        var run = nextRun;
        nextRun = (nextRun + 1) % batches.Length;
        if (sampleSgd is not null)
        {
            var (indices, labels, losses) = batches[run];
            sampleSgd.Classifier(layerParameters, samplePass.FirstTrained, set.Data, indices, labels, noise, options.Corruption, options.LearningRate,
                losses);
        }
        else
        {
            for (var s = run * Batch; s < (run + 1) * Batch; s++)
            {
                var (indices, labels, losses) = singles[s];
                samplePass.ForwardBackwardSgd(set.Data, indices, labels, losses, options.LearningRate, noise, options.Corruption);
            }
        }
        backend.Synchronize();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        samplePass.Dispose();
        batchPass.Dispose();
        model.Dispose();
        set.Dispose();
        backend.Dispose();
    }
}
