namespace ILGPUAE.Bench.Delta;

using BenchmarkDotNet.Attributes;
using ILGPUAE.Backend;
using ILGPUAE.Backends;

/// <summary>
/// A DAE's output delta and per-example losses through <see cref="IBackend.Delta"/> of each backend, for a
/// minibatch of 100 MNIST reconstructions: z, x, delta [100, 784], losses [100], scale 1/100 as the trainer
/// passes it. The ILGPU backends launch twice (elements, then one loss per row); the host once.
/// </summary>
[MemoryDiagnoser]
public class DeltaBench
{
    private const int Batch = 100, Visible = 784;
    private IBackend backend = null!;
    private Tensor<float> z = null!, x = null!, delta = null!, losses = null!;

    [Params(AcceleratorKind.Host, AcceleratorKind.Cpu)]
    public AcceleratorKind Accelerator { get; set; }

    [Params(LossKind.SquaredError, LossKind.CrossEntropy)]
    public LossKind Loss { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        backend = AcceleratorCatalog.Open(Accelerator);
        // z: sigmoid outputs, kept off 0 and 1; x: pixels in [0, 1).
        z = BenchTensors.Uniform(backend, draw: 1, 0.05f, 0.95f, Batch, Visible);
        x = BenchTensors.Uniform(backend, draw: 2, 0f, 1f, Batch, Visible);
        delta = backend.Allocate<float>(Batch, Visible);
        losses = backend.Allocate<float>(Batch);
    }

    [Benchmark(Description = "sigmoid output delta [100,784]")]
    public void SigmoidOutputDelta()
    {
        backend.Delta.SigmoidOutputDelta(Loss, z, x, 1f / Batch, delta, losses);
        backend.Synchronize();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var t in new[] { z, x, delta, losses })
            t.Dispose();
        backend.Dispose();
    }
}
