namespace ILGPUAE.Bench.Softmax;

using BenchmarkDotNet.Attributes;
using ILGPUAE.Backend;
using ILGPUAE.Backends;

/// <summary>
/// An MNIST classifier's output layer through <see cref="IBackend.Softmax"/> of each backend: scores [Batch, 10],
/// labels [Batch]. Batch 100 is a training minibatch; 10000 is the whole test set as the evaluator scores it.
/// </summary>
[MemoryDiagnoser]
public class SoftmaxBench
{
    private const int Classes = 10;
    private IBackend backend = null!;
    private Tensor<float> logits = null!, bias = null!, z = null!, delta = null!, losses = null!;
    private Tensor<int> labels = null!, predictions = null!, correct = null!;

    [Params(AcceleratorKind.Host, AcceleratorKind.Cpu)]
    public AcceleratorKind Accelerator { get; set; }

    [Params(100, 10000)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        backend = AcceleratorCatalog.Open(Accelerator);
        // logits [Batch, Classes] is softmaxed in place by each BiasSoftmax call: its rows stay probabilities
        // plus the bias, so repeated calls cost the same. z is a fixed softmax output for the other two.
        logits = BenchTensors.Uniform(backend, draw: 1, -4f, 4f, Batch, Classes);
        bias = BenchTensors.Uniform(backend, draw: 2, -0.5f, 0.5f, Classes);
        z = BenchTensors.Uniform(backend, draw: 1, -4f, 4f, Batch, Classes);
        backend.Softmax.BiasSoftmax(z, bias);
        labels = BenchTensors.Labels(backend, draw: 3, Batch, Classes);
        delta = backend.Allocate<float>(Batch, Classes);
        losses = backend.Allocate<float>(Batch);
        predictions = backend.Allocate<int>(Batch);
        correct = backend.Allocate<int>(Batch);
        backend.Synchronize();
    }

    [Benchmark(Description = "bias + softmax")]
    public void BiasSoftmax()
    {
        backend.Softmax.BiasSoftmax(logits, bias);
        backend.Synchronize();
    }

    [Benchmark(Description = "cross-entropy delta")]
    public void CrossEntropyDelta()
    {
        backend.Softmax.CrossEntropyDelta(z, labels, 1f / Batch, delta, losses);
        backend.Synchronize();
    }

    [Benchmark(Description = "argmax + correct")]
    public void Argmax()
    {
        backend.Softmax.Argmax(z, labels, predictions, correct);
        backend.Synchronize();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var t in new[] { logits, bias, z, delta, losses })
            t.Dispose();
        foreach (var t in new[] { labels, predictions, correct })
            t.Dispose();
        backend.Dispose();
    }
}
