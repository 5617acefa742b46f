namespace ILGPUAE.Bench.Pooling;

using BenchmarkDotNet.Attributes;
using ILGPUAE.Backend;
using ILGPUAE.Backends;
using ILGPUAE.Random;

/// <summary>
/// The Pooling and Dropout families at the shapes of issue 15's models, batch 128, on the host provider: the convolutional
/// autoencoder's first max-pool (8 × 28 × 28 → 8 × 14 × 14, backward through ReLU) and last upsampling (8 × 14 × 14 → 8 × 28 × 28,
/// backward through ReLU), and the small CNN's dropout at 0.2 on its flattened 5 × 14 × 14 features. Each op reads and writes every
/// value once, so the figure to compare is bytes moved per second, not flops.
/// </summary>
[MemoryDiagnoser]
public class PoolingBench
{
    private const int Batch = 128;
    private IBackend backend = null!;
    private Tensor<float> image = null!, pooled = null!, poolDelta = null!, imageDelta = null!, small = null!, wide = null!, wideDelta = null!,
        smallDelta = null!, features = null!, dropped = null!, featureDelta = null!;
    private Tensor<int> argmax = null!, indices = null!;
    private readonly NoiseKey key = new(1, RngStream.Dropout, 0);

    [Params(AcceleratorKind.Host)]
    public AcceleratorKind Accelerator { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        backend = AcceleratorCatalog.Open(Accelerator);
        // image [128, 8·28·28] (ReLU outputs: half zeros); pooled, argmax, poolDelta [128, 8·14·14].
        image = BenchTensors.Uniform(backend, draw: 1, -1f, 1f, Batch, 8 * 28 * 28);
        pooled = backend.Allocate<float>(Batch, 8 * 14 * 14);
        argmax = backend.Allocate<int>(Batch, 8 * 14 * 14);
        poolDelta = BenchTensors.Uniform(backend, draw: 2, -1f, 1f, Batch, 8 * 14 * 14);
        imageDelta = backend.Allocate<float>(Batch, 8 * 28 * 28);
        // small [128, 8·14·14] upsampled into wide [128, 8·28·28].
        small = BenchTensors.Uniform(backend, draw: 3, 0f, 1f, Batch, 8 * 14 * 14);
        wide = backend.Allocate<float>(Batch, 8 * 28 * 28);
        wideDelta = BenchTensors.Uniform(backend, draw: 4, -1f, 1f, Batch, 8 * 28 * 28);
        smallDelta = backend.Allocate<float>(Batch, 8 * 14 * 14);
        // features, dropped, featureDelta [128, 5·14·14]; indices [128].
        features = BenchTensors.Uniform(backend, draw: 5, 0f, 1f, Batch, 5 * 14 * 14);
        dropped = backend.Allocate<float>(Batch, 5 * 14 * 14);
        featureDelta = backend.Allocate<float>(Batch, 5 * 14 * 14);
        indices = backend.Allocate<int>(Batch);
        indices.CopyFrom([.. Enumerable.Range(0, Batch)]);
        backend.Pooling.MaxPool2d(image, 8, 28, 28, pooled, argmax);
        backend.Synchronize();
    }

    [Benchmark(Description = "max-pool [128, 8×28×28]")]
    public void MaxPool()
    {
        backend.Pooling.MaxPool2d(image, 8, 28, 28, pooled, argmax);
        backend.Synchronize();
    }

    [Benchmark(Description = "max-pool backward through ReLU")]
    public void MaxPoolBackward()
    {
        backend.Pooling.MaxPool2dBackward(poolDelta, argmax, image, Activation.Relu, 8, 28, 28, imageDelta);
        backend.Synchronize();
    }

    [Benchmark(Description = "upsample [128, 8×14×14]")]
    public void Upsample()
    {
        backend.Pooling.Upsample2d(small, 8, 14, 14, wide);
        backend.Synchronize();
    }

    [Benchmark(Description = "upsample backward through ReLU")]
    public void UpsampleBackward()
    {
        backend.Pooling.Upsample2dBackward(wideDelta, small, Activation.Relu, 8, 14, 14, smallDelta);
        backend.Synchronize();
    }

    [Benchmark(Description = "dropout [128, 980] at 0.2")]
    public void Dropout()
    {
        backend.Dropout.Forward(features, indices, key, 0.2f, dropped);
        backend.Synchronize();
    }

    [Benchmark(Description = "dropout backward through ReLU")]
    public void DropoutBackward()
    {
        backend.Dropout.Backward(dropped, features, Activation.Relu, indices, key, 0.2f, featureDelta);
        backend.Synchronize();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var t in new[] { image, pooled, poolDelta, imageDelta, small, wide, wideDelta, smallDelta, features, dropped, featureDelta })
            t.Dispose();
        argmax.Dispose();
        indices.Dispose();
        backend.Dispose();
    }
}
