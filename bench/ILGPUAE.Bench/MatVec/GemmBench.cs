namespace ILGPUAE.Bench.MatVec;

using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using ILGPUAE.Backend;
using ILGPUAE.Backends;

/// <summary>
/// The three products of a tied autoencoder step, through <see cref="IBackend.Gemm"/> of each backend:
/// encode x[B,V]·Wᵀ (NT), decode y[B,H]·W (NN) and the weight gradient δᵀ[H,B]·x[B,V] (TN), W being [H,V].
/// Each costs 2·B·V·H flops, so one GFLOP/s column serves all three.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(Config))]
public class GemmBench
{
    private IBackend backend = null!;
    private Tensor<float> x = null!, w = null!, hidden = null!, visible = null!, gradient = null!;

    [Params(AcceleratorKind.Host, AcceleratorKind.Cpu)]
    public AcceleratorKind Accelerator { get; set; }

    /// <summary>Batch × visible × hidden: a minibatch of MNIST, and per-example SGD.</summary>
    [ParamsSource(nameof(Shapes))]
    public TiedShape Shape { get; set; } = null!;

    public static IEnumerable<TiedShape> Shapes => [new(100, 784, 1000), new(1, 784, 500)];

    [GlobalSetup]
    public void Setup()
    {
        backend = AcceleratorCatalog.Open(Accelerator);
        var (b, v, h) = (Shape.Batch, Shape.Visible, Shape.Hidden);
        x = BenchTensors.Uniform(backend, draw: 1, -0.5f, 0.5f, b, v);
        w = BenchTensors.Uniform(backend, draw: 2, -0.5f, 0.5f, h, v);
        hidden = BenchTensors.Uniform(backend, draw: 3, -0.5f, 0.5f, b, h);
        visible = backend.Allocate<float>(b, v);
        gradient = backend.Allocate<float>(h, v);
    }

    [Benchmark(Description = "encode x·Wᵀ (NT)")]
    public void Encode()
    {
        backend.Gemm.Gemm(Transpose.None, Transpose.Transposed, 1f, x, w, 0f, hidden);
        backend.Synchronize();
    }

    [Benchmark(Description = "decode y·W (NN)")]
    public void Decode()
    {
        backend.Gemm.Gemm(Transpose.None, Transpose.None, 1f, hidden, w, 0f, visible);
        backend.Synchronize();
    }

    [Benchmark(Description = "gradient δᵀ·x (TN)")]
    public void Gradient()
    {
        backend.Gemm.Gemm(Transpose.Transposed, Transpose.None, 1f, hidden, x, 0f, gradient);
        backend.Synchronize();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var t in new[] { x, w, hidden, visible, gradient })
            t.Dispose();
        backend.Dispose();
    }

    private sealed class Config : ManualConfig
    {
        public Config() => AddColumn(new GflopsColumn());
    }
}

/// <summary>A tied autoencoder's sizes; BenchmarkDotNet prints it as the parameter value.</summary>
public sealed record TiedShape(int Batch, int Visible, int Hidden)
{
    public double Flops => 2.0 * Batch * Visible * Hidden;

    public override string ToString() => $"{Batch}x{Visible}x{Hidden}";
}
