namespace ILGPUAE.Bench.SampleSgd;

using BenchmarkDotNet.Attributes;
using ILGPUAE.Backend;
using ILGPUAE.Backends;
using ILGPUAE.Models;
using ILGPUAE.Random;

/// <summary>
/// Per-sample SGD of a tied DAE over <see cref="Examples"/> examples, two ways on the same backend: the
/// SampleSgd family (one persistent launch for all of them) and the launcher path (TiedAutoencoderPass and
/// IOptimizer.Sgd at batch 1, ≈15 launches per example). Backends without a SampleSgd family are skipped.
/// </summary>
[MemoryDiagnoser]
public class SampleSgdBench
{
    private const int Rows = 512;
    private IBackend backend = null!;
    private TiedAutoencoder model = null!;
    private TiedAutoencoderPass pass = null!;
    private Tensor<float> data = null!, losses = null!;
    private Tensor<int> order = null!;
    private Tensor<int>[] singles = null!;
    private Tensor<float>[] singleLosses = null!;
    private readonly NoiseKey noise = new(1, RngStream.Mask, 0);

    [Params(AcceleratorKind.Cpu)]
    public AcceleratorKind Accelerator { get; set; }

    [Params(100, 500)]
    public int Hidden { get; set; }

    /// <summary>Examples per benchmark operation.</summary>
    [Params(64)]
    public int Examples { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        backend = AcceleratorCatalog.Open(Accelerator);
        const int visible = 784;
        data = BenchTensors.Uniform(backend, draw: 0, 0f, 1f, Rows, visible);
        order = backend.Allocate<int>(Examples);
        order.CopyFrom(Enumerable.Range(0, Examples).Select(i => i * 7 % Rows).ToArray());
        losses = backend.Allocate<float>(Examples);
        singles = Enumerable.Range(0, Examples).Select(i => order.Slice(i, 1)).ToArray();
        singleLosses = Enumerable.Range(0, Examples).Select(i => losses.Slice(i, 1)).ToArray();
        model = TiedAutoencoder.Create(backend, visible, Hidden, seed: 1);
        pass = new TiedAutoencoderPass(model, maxBatch: 1);
    }

    [Benchmark(Description = "SampleSgd kernel")]
    public void Persistent()
    {
        var sampleSgd = backend.SampleSgd ?? throw new InvalidOperationException($"{backend.Name} has no SampleSgd family");
        sampleSgd.TiedDae(new TiedDaeParameters(model.Weights, model.HiddenBias, model.VisibleBias), data, order, noise, 0.25f,
            LossKind.SquaredError, 0.01f, losses);
        backend.Synchronize();
    }

    [Benchmark(Baseline = true, Description = "launcher path")]
    public void Launchers()
    {
        for (var i = 0; i < Examples; i++)
        {
            pass.ForwardBackward(data, singles[i], noise, 0.25f, LossKind.SquaredError, singleLosses[i]);
            for (var p = 0; p < pass.Gradients.Count; p++)
                backend.Optimizer.Sgd(model.Parameters[p].Tensor, pass.Gradients[p], null, 0.01f, 0f);
        }
        backend.Synchronize();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        pass.Dispose();
        model.Dispose();
        foreach (var t in new Tensor<float>[] { data, losses })
            t.Dispose();
        order.Dispose();
        backend.Dispose();
    }
}
