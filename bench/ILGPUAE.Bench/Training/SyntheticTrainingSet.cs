namespace ILGPUAE.Bench.Training;

using ILGPUAE.Backend;
using ILGPUAE.Data;
using ILGPUAE.Training;

/// <summary>
/// What a trainer holds on its backend for one epoch, with MNIST-sized stand-ins for the images: data [Rows, 784] uniform in
/// [0, 1), the epoch order (<see cref="EpochOrder.Shuffle"/>, as both trainers draw it), the class of each visit [Rows] (in
/// visiting order, as ClassifierSession uploads them) and a loss slot per visit [Rows]. A step's cost does not depend on the
/// values, so no MNIST files are read.
/// </summary>
internal sealed class SyntheticTrainingSet : IDisposable
{
    public const int Pixels = Mnist.Side * Mnist.Side;
    private const ulong Seed = 1;

    private readonly Tensor<int> order, orderedLabels;

    public SyntheticTrainingSet(IBackend backend, int rows)
    {
        Data = BenchTensors.Uniform(backend, draw: 0, 0f, 1f, rows, Pixels);
        order = backend.Allocate<int>(rows);
        order.CopyFrom(EpochOrder.Shuffle(Seed, epoch: 0, rows));
        // Drawn per visit: each visit of an epoch is a different example, so this is a class per example, listed in visiting order.
        orderedLabels = BenchTensors.Labels(backend, draw: 1, rows, ClassificationSplits.Classes);
        Losses = backend.Allocate<float>(rows);
    }

    /// <summary>[Rows, 784].</summary>
    public Tensor<float> Data { get; }

    /// <summary>Per-visit losses [Rows], written by the steps.</summary>
    public Tensor<float> Losses { get; }

    /// <summary>
    /// Visits [start, start + count) of the epoch: their rows of <see cref="Data"/>, their classes and their loss slots, each [count].
    /// Views: make them in setup, so that a benchmarked step allocates nothing.
    /// </summary>
    public (Tensor<int> Indices, Tensor<int> Labels, Tensor<float> Losses) Visits(int start, int count) =>
        (order.Slice(start, count), orderedLabels.Slice(start, count), Losses.Slice(start, count));

    public void Dispose()
    {
        Losses.Dispose();
        orderedLabels.Dispose();
        order.Dispose();
        Data.Dispose();
    }
}
