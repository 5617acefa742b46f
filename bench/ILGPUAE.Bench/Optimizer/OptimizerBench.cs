namespace ILGPUAE.Bench.Optimizer;

using BenchmarkDotNet.Attributes;
using ILGPUAE.Backend;
using ILGPUAE.Backends;

/// <summary>
/// The SGD update of a 784→1000 tied DAE's weights through <see cref="IBackend.Optimizer"/> of each backend:
/// W, grad [1000, 784], plain (momentum 0, no velocity: W and grad read, W written) and with momentum 0.9
/// (velocity [1000, 784] read and written as well: five streams instead of three). Every call moves W again;
/// with |grad| &lt; 0.5 and |velocity| &lt; 10·|grad|, a step is under 0.05, so W stays finite over any run.
/// </summary>
[MemoryDiagnoser]
public class OptimizerBench
{
    private const int Hidden = 1000, Visible = 784;
    private const float LearningRate = 0.01f;
    private IBackend backend = null!;
    private Tensor<float> weights = null!, gradient = null!;
    private Tensor<float>? velocity;

    [Params(AcceleratorKind.Host, AcceleratorKind.Cpu)]
    public AcceleratorKind Accelerator { get; set; }

    [Params(0f, 0.9f)]
    public float Momentum { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        backend = AcceleratorCatalog.Open(Accelerator);
        weights = BenchTensors.Uniform(backend, draw: 1, -0.5f, 0.5f, Hidden, Visible);
        gradient = BenchTensors.Uniform(backend, draw: 2, -0.5f, 0.5f, Hidden, Visible);
        // The trainer keeps no velocity without momentum.
        velocity = Momentum == 0f ? null : backend.Allocate<float>(Hidden, Visible);
    }

    [Benchmark(Description = "sgd W [1000,784]")]
    public void Sgd()
    {
        backend.Optimizer.Sgd(weights, gradient, velocity, LearningRate, Momentum);
        backend.Synchronize();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        weights.Dispose();
        gradient.Dispose();
        velocity?.Dispose();
        backend.Dispose();
    }
}
