namespace ILGPUAE.Bench.Corruption;

using BenchmarkDotNet.Attributes;
using ILGPUAE.Backend;
using ILGPUAE.Backends;
using ILGPUAE.Random;
using ILGPUAE.Training;

/// <summary>
/// Assembling a DAE's training batch through <see cref="IBackend.Corruption"/> of each backend: 100 rows of 784
/// pixels picked from a data set [5000, 784] in a shuffled order, masked with probability 0.25. Gather and Mask
/// are the two-launch path; GatherMask is the one pass that <c>TiedAutoencoderPass</c> runs.
/// </summary>
[MemoryDiagnoser]
public class CorruptionBench
{
    private const int Rows = 5000, Batch = 100, Visible = 784;
    private const float Masking = 0.25f;
    private readonly NoiseKey noise = new(1, RngStream.Mask, 0);
    private IBackend backend = null!;
    private Tensor<float> data = null!, clean = null!, masked = null!;
    private Tensor<int> indices = null!;

    [Params(AcceleratorKind.Host, AcceleratorKind.Cpu)]
    public AcceleratorKind Accelerator { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        backend = AcceleratorCatalog.Open(Accelerator);
        // data [Rows, Visible]: pixels in [0, 1); indices [Batch]: the first batch of epoch 0's shuffle.
        data = BenchTensors.Uniform(backend, draw: 1, 0f, 1f, Rows, Visible);
        indices = backend.Allocate<int>(Batch);
        indices.CopyFrom(EpochOrder.Shuffle(1, 0, Rows).AsSpan(0, Batch));
        // clean, masked [Batch, Visible]: Mask reads the gathered rows from clean.
        clean = backend.Allocate<float>(Batch, Visible);
        masked = backend.Allocate<float>(Batch, Visible);
        backend.Corruption.Gather(data, indices, clean);
        backend.Synchronize();
    }

    [Benchmark(Description = "gather [100,784] from [5000,784]")]
    public void Gather()
    {
        backend.Corruption.Gather(data, indices, clean);
        backend.Synchronize();
    }

    [Benchmark(Description = "mask [100,784] at 0.25")]
    public void Mask()
    {
        backend.Corruption.Mask(clean, indices, noise, Masking, masked);
        backend.Synchronize();
    }

    [Benchmark(Description = "gather+mask in one pass")]
    public void GatherMask()
    {
        backend.Corruption.GatherMask(data, indices, noise, Masking, clean, masked);
        backend.Synchronize();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var t in new[] { data, clean, masked })
            t.Dispose();
        indices.Dispose();
        backend.Dispose();
    }
}
