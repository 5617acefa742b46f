namespace ILGPUAE.SampleSgd;

using ILGPU;
using ILGPU.Runtime;
using ILGPUAE.Backend;
using ILGPUAE.Ilgpu;
using ILGPUAE.Random;

/// <summary>
/// Launches the persistent per-sample SGD kernels: one group per multiprocessor, so that every group is
/// resident and the grid barrier can be passed. Scratch buffers are allocated on first use for a shape
/// and kept (a trainer calls with the same shapes every chunk).
/// </summary>
public sealed class SampleSgdLauncher : ISampleSgd, IDisposable
{
    /// <summary>Most Hogwild workers per launch (the CLI's --hogwild limit).</summary>
    public const int MaxHogwildWorkers = 256;

    /// <summary>Grid barriers per launch stay below 2³¹ / groups (the arrival counter is an int).</summary>
    private const long MaxArrivals = int.MaxValue / 2;

    private readonly IlgpuBackend backend;
    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<float>, ArrayView<float>, ArrayView<int>, TiedDaeStep> tiedDae;
    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<int>, ArrayView<int>, ClassifierLayerViews,
        ArrayView<float>, ArrayView<float>, ArrayView<int>, ClassifierStep> classifier;
    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<float>, ArrayView<float>, TiedDaeStep> tiedDaeHogwild;
    // The grid barrier's [arrivals, gave-up flag], allocated through the backend so W5 counts it.
    private readonly Tensor<int> syncTensor;
    private readonly ArrayView<int> sync;
    private readonly int[] syncHost = new int[2];
    private Tensor<float>? scratch;

    public SampleSgdLauncher(IlgpuBackend backend)
    {
        this.backend = backend;
        var acc = backend.Accelerator;
        tiedDae = acc.LoadStreamKernel<ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ArrayView<float>, ArrayView<int>, TiedDaeStep>(SampleSgdKernels.TiedDae);
        classifier = acc.LoadStreamKernel<ArrayView<float>, ArrayView<int>, ArrayView<int>, ClassifierLayerViews,
            ArrayView<float>, ArrayView<float>, ArrayView<int>, ClassifierStep>(SampleSgdKernels.Classifier);
        tiedDaeHogwild = acc.LoadStreamKernel<ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ArrayView<float>, TiedDaeStep>(SampleSgdKernels.TiedDaeHogwild);
        syncTensor = backend.Allocate<int>(2);
        sync = backend.ViewOf(syncTensor, nameof(sync)).AsContiguous();
        sync.MemSetToZero();
        Groups = Math.Max(1, acc.NumMultiprocessors);
        GroupSize = Math.Min(acc.MaxNumThreadsPerGroup, backend.IsCpuAccelerator ? SampleSgdKernels.MaxGroupSize : 512);
        ColumnsPerGroup = Math.Min(8, acc.WarpSize);
        LanesPerRow = backend.IsCpuAccelerator ? 1 : acc.WarpSize;
        // A GPU poll is an L2 atomic (≈1 µs): 2²⁴ polls is seconds, far beyond any phase. The CPU
        // accelerator polls fast but its phases can take seconds; its groups (one per core) are always resident.
        spinLimit = backend.IsCpuAccelerator ? int.MaxValue : 1 << 24;
        // A Hogwild worker is a group: on a GPU a few warps (a warp per row of W, a thread per column); on the
        // CPU accelerator one thread, whose phases then need no barrier (each costs milliseconds there).
        HogwildShape = backend.IsCpuAccelerator ? new HogwildLaunch(1, 1)
            : new HogwildLaunch(Math.Min(acc.MaxNumThreadsPerGroup, 256) / acc.WarpSize * acc.WarpSize, acc.WarpSize);
    }

    /// <summary>The worker shape <see cref="TiedDaeHogwild(TiedDaeParameters, Tensor{float}, Tensor{int}, NoiseKey, float, LossKind, float, int, Tensor{float})"/> uses on this accelerator.</summary>
    public HogwildLaunch HogwildShape { get; }

    private readonly int spinLimit;

    /// <summary>Groups per launch: one per multiprocessor, so all are resident at once.</summary>
    public int Groups { get; }

    public int GroupSize { get; }

    public int ColumnsPerGroup { get; }

    /// <summary>Threads per row in row phases: a warp on a GPU; one on the CPU accelerator, where shuffles cost a barrier each.</summary>
    public int LanesPerRow { get; }

    private KernelConfig Config => new(Groups, GroupSize);

    public void TiedDae(TiedDaeParameters model, Tensor<float> data, Tensor<int> indices, NoiseKey noise, float corruption, LossKind loss,
        float learningRate, Tensor<float> losses)
    {
        Shapes.SampleSgdDae(model, data, indices, losses);
        var (hidden, visible) = (model.Weights.Shape[0], model.Weights.Shape[1]);
        var n = indices.Length;
        if (n == 0)
            return;
        var work = Scratch(3L * visible + hidden + Groups);
        var w = backend.ViewOf(model.Weights, "W").AsContiguous();
        var bh = backend.ViewOf(model.HiddenBias, "b_hidden").AsContiguous();
        var bv = backend.ViewOf(model.VisibleBias, "b_visible").AsContiguous();
        var x = backend.ViewOf(data, nameof(data)).AsContiguous();
        var order = backend.ViewOf(indices, nameof(indices)).AsContiguous();
        var lossView = backend.ViewOf(losses, nameof(losses)).AsContiguous();
        var threshold = CounterRng.BernoulliThreshold(corruption);
        var perLaunch = (int)Math.Min(n, MaxArrivals / Groups / 2 - 1);
        for (var start = 0; start < n; start += perLaunch)
        {
            var count = Math.Min(perLaunch, n - start);
            var p = new TiedDaeStep(visible, hidden, count, learningRate, (int)loss, noise.Seed, (uint)noise.Stream, noise.Epoch, threshold,
                LanesPerRow, ColumnsPerGroup, spinLimit);
            sync.SubView(0, 1).MemSetToZero();
            tiedDae(Config, x, order.SubView(start, count), w, bh, bv, lossView.SubView(start, count), work, sync, p);
            CheckBarrier();
        }
    }

    public void TiedDaeHogwild(TiedDaeParameters model, Tensor<float> data, Tensor<int> indices, NoiseKey noise, float corruption, LossKind loss,
        float learningRate, int workers, Tensor<float> losses) =>
        TiedDaeHogwild(model, data, indices, noise, corruption, loss, learningRate, workers, losses, HogwildShape);

    /// <summary>
    /// <see cref="ISampleSgd.TiedDaeHogwild"/> with workers of a given shape: tests run a GPU's shape (warps
    /// of 32 lanes) on a wide-group CPU accelerator. Scratch is K·(3V + H) floats (per worker: x̃ of two examples,
    /// its previous one's for the deferred update and its current one's, then y and δz), kept between calls.
    /// </summary>
    public void TiedDaeHogwild(TiedDaeParameters model, Tensor<float> data, Tensor<int> indices, NoiseKey noise, float corruption, LossKind loss,
        float learningRate, int workers, Tensor<float> losses, HogwildLaunch shape)
    {
        Shapes.SampleSgdDae(model, data, indices, losses);
        if (workers is < 1 or > MaxHogwildWorkers)
            throw new ArgumentException($"{workers} Hogwild workers; expected 1 … {MaxHogwildWorkers}", nameof(workers));
        var acc = backend.Accelerator;
        if (shape.GroupSize < 1 || shape.GroupSize > Math.Min(acc.MaxNumThreadsPerGroup, SampleSgdKernels.MaxGroupSize)
            || shape.LanesPerRow is < 1 || shape.GroupSize % shape.LanesPerRow != 0 || (shape.LanesPerRow != 1 && shape.LanesPerRow != acc.WarpSize))
            throw new ArgumentException(
                $"Hogwild worker of {shape.GroupSize} threads, {shape.LanesPerRow} per row; expected ≤ {Math.Min(acc.MaxNumThreadsPerGroup, SampleSgdKernels.MaxGroupSize)} threads, " +
                $"a multiple of the lanes per row, which are 1 or the warp size {acc.WarpSize}", nameof(shape));
        var (hidden, visible) = (model.Weights.Shape[0], model.Weights.Shape[1]);
        var n = indices.Length;
        if (n == 0)
            return;
        // More workers than examples would only idle: the assignment (example s to worker s mod K) is the same.
        var groups = Math.Min(workers, n);
        var work = Scratch(groups * (3L * visible + hidden));
        var p = new TiedDaeStep(visible, hidden, n, learningRate, (int)loss, noise.Seed, (uint)noise.Stream, noise.Epoch,
            CounterRng.BernoulliThreshold(corruption), shape.LanesPerRow, columnsPerGroup: 1, spinLimit: 0);
        tiedDaeHogwild(new KernelConfig(groups, shape.GroupSize), backend.ViewOf(data, nameof(data)).AsContiguous(),
            backend.ViewOf(indices, nameof(indices)).AsContiguous(), backend.ViewOf(model.Weights, "W").AsContiguous(),
            backend.ViewOf(model.HiddenBias, "b_hidden").AsContiguous(), backend.ViewOf(model.VisibleBias, "b_visible").AsContiguous(),
            backend.ViewOf(losses, nameof(losses)).AsContiguous(), work, p);
    }

    public void Classifier(IReadOnlyList<DenseParameters> layers, int firstTrained, Tensor<float> data, Tensor<int> indices, Tensor<int> labels,
        NoiseKey noise, float corruption, float learningRate, Tensor<float> losses)
    {
        Shapes.SampleSgdClassifier(layers, firstTrained, data, indices, labels, losses);
        if (!TakesClassifier(layers))
            throw new ArgumentException(
                $"{layers.Count} layers, {layers[^1].Weights.Shape[0]} classes; the per-sample classifier kernel takes at most {SampleSgdKernels.MaxLayers} layers and {SampleSgdKernels.MaxClasses} classes",
                nameof(layers));
        var n = indices.Length;
        if (n == 0)
            return;
        var outputs = new int[SampleSgdKernels.MaxLayers];
        var weights = new ArrayView<float>[SampleSgdKernels.MaxLayers];
        var biases = new ArrayView<float>[SampleSgdKernels.MaxLayers];
        for (var l = 0; l < SampleSgdKernels.MaxLayers; l++)
        {
            var layer = layers[Math.Min(l, layers.Count - 1)];
            outputs[l] = l < layers.Count ? layer.Weights.Shape[0] : 0;
            weights[l] = backend.ViewOf(layer.Weights, $"layer {l} weights").AsContiguous();
            biases[l] = backend.ViewOf(layer.Bias, $"layer {l} bias").AsContiguous();
        }
        var views = new ClassifierLayerViews(weights, biases);
        var work = Scratch(3L * outputs.Sum() + 2L * data.Shape[1]);
        var x = backend.ViewOf(data, nameof(data)).AsContiguous();
        var order = backend.ViewOf(indices, nameof(indices)).AsContiguous();
        var classView = backend.ViewOf(labels, nameof(labels)).AsContiguous();
        var lossView = backend.ViewOf(losses, nameof(losses)).AsContiguous();
        var threshold = CounterRng.BernoulliThreshold(corruption);
        var perLaunch = (int)Math.Min(n, MaxArrivals / Groups / (2 * layers.Count + 1) - 1);
        for (var start = 0; start < n; start += perLaunch)
        {
            var count = Math.Min(perLaunch, n - start);
            var p = new ClassifierStep(layers.Count, data.Shape[1], outputs[0], outputs[1], outputs[2], outputs[3], outputs[4], outputs[5],
                firstTrained, count, learningRate, noise.Seed, (uint)noise.Stream, noise.Epoch, threshold, LanesPerRow, ColumnsPerGroup, spinLimit);
            sync.SubView(0, 1).MemSetToZero();
            classifier(Config, x, order.SubView(start, count), classView.SubView(start, count), views, lossView.SubView(start, count),
                work, sync, p);
            CheckBarrier();
        }
    }

    public bool TakesClassifier(IReadOnlyList<DenseParameters> layers) =>
        layers.Count is > 0 and <= SampleSgdKernels.MaxLayers && layers[^1].Weights.Shape[0] <= SampleSgdKernels.MaxClasses;

    /// <summary>Waits for the launch and throws if a group gave up at the grid barrier.</summary>
    private void CheckBarrier()
    {
        sync.CopyToCPU(syncHost);
        if (syncHost[1] != 0)
        {
            sync.MemSetToZero();
            throw new InvalidOperationException(
                $"per-sample SGD: not all {Groups} groups of {GroupSize} threads were resident on {backend.Name}; the grid barrier was abandoned and the weights are unreliable");
        }
    }

    private ArrayView<float> Scratch(long length)
    {
        if (scratch is null || scratch.Length < length)
        {
            scratch?.Dispose();
            scratch = backend.Allocate<float>(checked((int)length));
        }
        return backend.ViewOf(scratch, nameof(scratch)).AsContiguous().SubView(0, length);
    }

    public void Dispose()
    {
        scratch?.Dispose();
        syncTensor.Dispose();
    }
}

/// <summary>The shape of one Hogwild worker (an ILGPU group): its threads, and the threads that share a row of W (1 or a warp).</summary>
public readonly record struct HogwildLaunch(int GroupSize, int LanesPerRow);
