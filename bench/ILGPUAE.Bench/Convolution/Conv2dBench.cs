namespace ILGPUAE.Bench.Convolution;

using BenchmarkDotNet.Attributes;
using ILGPUAE.Backend;
using ILGPUAE.Backends;
using ILGPUAE.Bench.Baselines;

/// <summary>
/// The convolutional autoencoder's and the small CNN's 3×3 convolutions (issue 15's study: 1→8 and 8→4 on 28×28; 4→4, 4→8 and 8→1 on
/// 7×7, 14×14 and 28×28), batch 100, through <see cref="IBackend.Conv2d"/>'s direct kernels and through im2col onto the GEMM
/// (<see cref="Im2colConv2dBaseline"/>, the baseline the direct kernels had to beat). ReLU forward, as the encoder's layers.
/// </summary>
[MemoryDiagnoser]
public class Conv2dBench
{
    private const int Batch = 100;
    private IBackend backend = null!;
    private Im2colConv2dBaseline im2col = null!;
    private Tensor<float> x = null!, w = null!, bias = null!, y = null!, dy = null!, dx = null!, dw = null!, db = null!;

    [Params(AcceleratorKind.Host)]
    public AcceleratorKind Accelerator { get; set; }

    [ParamsSource(nameof(Shapes))]
    public ConvShape Shape { get; set; } = null!;

    public static IEnumerable<ConvShape> Shapes =>
    [
        new(1, 8, 28), new(8, 4, 28),
        new(4, 4, 7), new(4, 4, 14), new(4, 4, 28),
        new(4, 8, 7), new(4, 8, 14), new(4, 8, 28),
        new(8, 1, 7), new(8, 1, 14), new(8, 1, 28),
    ];

    [GlobalSetup]
    public void Setup()
    {
        backend = AcceleratorCatalog.Open(Accelerator);
        var g = Shape.Geometry;
        im2col = new Im2colConv2dBaseline(backend, g, Batch);
        x = im2col.Input;
        using (var values = BenchTensors.Uniform(backend, draw: 1, 0f, 1f, Batch, g.Inputs))
            x.CopyFrom(values.ToArray());
        w = BenchTensors.Uniform(backend, draw: 2, -0.3f, 0.3f, g.OutChannels, g.InChannels, 3, 3);
        bias = BenchTensors.Uniform(backend, draw: 3, -0.1f, 0.1f, g.OutChannels);
        dy = BenchTensors.Uniform(backend, draw: 4, -1f, 1f, Batch, g.Outputs);
        y = backend.Allocate<float>(Batch, g.Outputs);
        dx = backend.Allocate<float>(Batch, g.Inputs);
        dw = backend.Allocate<float>(g.OutChannels, g.InChannels, 3, 3);
        db = backend.Allocate<float>(g.OutChannels);
        SameResults();
    }

    /// <summary>The two ways must compute the same convolution before their times mean anything: refuses to run otherwise.</summary>
    private void SameResults()
    {
        DirectForward();
        var direct = y.ToArray();
        Im2colForward();
        Agree("forward", direct, y.ToArray());
        DirectParameterGradients();
        var (directW, directB) = (dw.ToArray(), db.ToArray());
        Im2colParameterGradients();
        Agree("weight gradient", directW, dw.ToArray());
        Agree("bias gradient", directB, db.ToArray());
    }

    private void Agree(string what, float[] direct, float[] baseline)
    {
        for (var i = 0; i < direct.Length; i++)
            if (Math.Abs(direct[i] - baseline[i]) > 1e-3f * (1 + Math.Abs(direct[i])))
                throw new InvalidOperationException($"{Shape}: the direct and im2col {what} differ at {i}: {direct[i]} against {baseline[i]}");
    }

    [Benchmark(Description = "direct forward")]
    public void DirectForward()
    {
        backend.Conv2d.Forward(Shape.Geometry, x, w, bias, Activation.Relu, y);
        backend.Synchronize();
    }

    [Benchmark(Description = "im2col+GEMM forward (baseline)")]
    public void Im2colForward()
    {
        im2col.Forward(w, bias, Activation.Relu, y);
        backend.Synchronize();
    }

    [Benchmark(Description = "im2col's GEMM alone (lower bound)")]
    public void Im2colProductOnly()
    {
        im2col.ForwardProductOnly(w, bias, Activation.Relu);
        backend.Synchronize();
    }

    [Benchmark(Description = "direct input gradient")]
    public void DirectInputGradient()
    {
        backend.Conv2d.InputGradient(Shape.Geometry, dy, w, x, Activation.Relu, dx);
        backend.Synchronize();
    }

    [Benchmark(Description = "direct parameter gradients")]
    public void DirectParameterGradients()
    {
        backend.Conv2d.ParameterGradients(Shape.Geometry, dy, x, dw, 0f, db, 0f);
        backend.Synchronize();
    }

    [Benchmark(Description = "im2col+GEMM parameter gradients (baseline)")]
    public void Im2colParameterGradients()
    {
        im2col.ParameterGradients(dy, dw, db);
        backend.Synchronize();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var t in new[] { w, bias, y, dy, dx, dw, db })
            t.Dispose();
        im2col.Dispose();
        backend.Dispose();
    }
}

/// <summary>A convolution's channels in → out on a side × side image; BenchmarkDotNet prints it as the parameter value.</summary>
public sealed record ConvShape(int In, int Out, int Side)
{
    public Conv2dGeometry Geometry => new(In, Out, Side, Side);

    public override string ToString() => $"{In}->{Out}@{Side}x{Side}";
}
