namespace ILGPUAE.Bench.Training;

using BenchmarkDotNet.Attributes;
using ILGPUAE.Backend;
using ILGPUAE.Backends;
using ILGPUAE.Bench.Workloads;
using ILGPUAE.Models;
using ILGPUAE.Random;
using ILGPUAE.Training;

/// <summary>
/// One minibatch step of W1's tied DAE (784→1000, batch 100, cross-entropy, masking 0.25, lr 0.1: <see cref="DaeWorkloads.W1Options"/>),
/// with plain SGD and with momentum, as <see cref="DaeSession"/> runs it. One benchmark operation is one step, on the next
/// batch of the epoch order, then a Synchronize; W1's samples/s is 100 / (the mean).
/// </summary>
[MemoryDiagnoser]
public class DaeStepBench
{
    /// <summary>W1's quick-run training set: the gather reads rows from as wide a range as W1's does.</summary>
    private const int TrainRows = 6000;

    private DaeOptions options = null!;
    private IBackend backend = null!;
    private SyntheticTrainingSet set = null!;
    private TiedAutoencoder model = null!;
    private TiedAutoencoderPass pass = null!;
    private Tensor<float>?[] velocities = null!;
    private (Tensor<int> Indices, Tensor<float> Losses)[] batches = null!;
    private NoiseKey noise;
    private int next;

    [Params(AcceleratorKind.Host, AcceleratorKind.Cpu)]
    public AcceleratorKind Accelerator { get; set; }

    /// <summary>0: W1's plain SGD, the update folded into the pass's last products; 0.9: the pass, then the optimizer.</summary>
    [Params(0f, 0.9f)]
    public float Momentum { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        options = DaeWorkloads.W1Options with { Momentum = Momentum };
        backend = AcceleratorCatalog.Open(Accelerator);
        set = new SyntheticTrainingSet(backend, TrainRows);
        model = TiedAutoencoder.Create(backend, SyntheticTrainingSet.Pixels, options.Hidden, options.Seed);
        // What DaeSession's constructor allocates for a sequential run: one pass for the batch, a velocity per parameter
        // when momentum is on, and the row views of every batch of the epoch order.
        pass = new TiedAutoencoderPass(model, options.Batch);
        velocities = model.Parameters.Select(p => options.Momentum == 0 ? null : backend.Allocate<float>([.. p.Tensor.Shape.Dimensions])).ToArray();
        batches = Enumerable.Range(0, TrainRows / options.Batch).Select(k =>
        {
            var (indices, _, losses) = set.Visits(k * options.Batch, options.Batch);
            return (indices, losses);
        }).ToArray();
        noise = new NoiseKey(options.Seed, RngStream.Mask, 0);
    }

    /// <summary>The step DaeSession takes: <see cref="TiedAutoencoderPass.SgdStep"/> on the next batch.</summary>
    [Benchmark(Description = "DAE step 784→1000, batch 100")]
    public void Step()
    {
        var (indices, losses) = batches[next];
        next = (next + 1) % batches.Length;
        pass.SgdStep(set.Data, indices, noise, options.Corruption, options.Loss, losses, options.LearningRate, options.Momentum, velocities);
        backend.Synchronize();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var v in velocities)
            v?.Dispose();
        pass.Dispose();
        model.Dispose();
        set.Dispose();
        backend.Dispose();
    }
}
