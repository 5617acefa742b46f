namespace ILGPUAE.Evaluation;

using ILGPUAE.Backend;
using ILGPUAE.Modules;
using ILGPUAE.Objectives;

/// <summary>
/// Scores any <see cref="Network"/> on a data set, forward only (corruption passes inputs through): its objective's mean
/// per-example loss against the clean inputs, or, for a classifier, its accuracy. Works in chunks of at most the network's
/// batch, with the same chunk sizes and launches as the model-specific evaluators, so they agree to the bit. Penalties that
/// a module adds to the training loss in its backward pass (<see cref="ActivityL1"/>) are training penalties: they are not
/// part of this score, which is the objective alone.
/// </summary>
public sealed class NetworkEvaluator : IDisposable
{
    private readonly Network network;
    private readonly IBackend backend;
    private readonly Tensor<int> indices;
    private readonly Tensor<float> delta;

    public NetworkEvaluator(IBackend backend, Network network)
    {
        this.backend = backend;
        this.network = network;
        // Evaluation draws no noise, but a step names its rows; these indices are never read.
        indices = backend.Allocate<int>(network.MaxBatch);
        delta = backend.Allocate<float>(network.MaxBatch, network.Body.Outputs);
    }

    /// <summary>Mean over the rows of <paramref name="data"/> [N, inputs] of the objective's loss against the row itself, summed in double.</summary>
    public double MeanReconstructionLoss(Tensor<float> data)
    {
        using var losses = backend.Allocate<float>(data.Rows);
        for (var start = 0; start < data.Rows; start += network.MaxBatch)
        {
            var b = Math.Min(network.MaxBatch, data.Rows - start);
            using var x = data.Slice(start, b);
            using var rows = indices.Slice(0, b);
            var z = network.Body.Forward(x, new StepContext(rows, 0, 0, Training: false));
            using var d = delta.Slice(0, b);
            using var l = losses.Slice(start, b);
            network.Objective.Delta(z, new Targets(Values: x), d, l);
        }
        backend.Synchronize();
        double sum = 0;
        foreach (var loss in losses.ToArray())
            sum += loss;
        return sum / data.Rows;
    }

    /// <summary>
    /// The output of module <paramref name="throughModule"/> (e.g. <see cref="Networks.TopCodeModule"/>: an autoencoder's top
    /// codes) for every row of <paramref name="data"/> [N, inputs], forward only, as a host array [N, that module's outputs].
    /// </summary>
    public float[] Codes(Tensor<float> data, int throughModule)
    {
        var modules = network.Body.Modules;
        ArgumentOutOfRangeException.ThrowIfNegative(throughModule);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(throughModule, modules.Count);
        var width = modules[throughModule].Outputs;
        var codes = new float[(long)data.Rows * width];
        for (var start = 0; start < data.Rows; start += network.MaxBatch)
        {
            var b = Math.Min(network.MaxBatch, data.Rows - start);
            using var x = data.Slice(start, b);
            using var rows = indices.Slice(0, b);
            var context = new StepContext(rows, 0, 0, Training: false);
            var y = x;
            for (var m = 0; m <= throughModule; m++)
                y = modules[m].Forward(y, context);
            backend.Synchronize();
            y.CopyTo(codes.AsSpan(start * width, b * width));
        }
        return codes;
    }

    /// <summary>The share of rows of <paramref name="data"/> whose highest score is their label in <paramref name="labels"/> [N].</summary>
    public ClassificationScore Score(Tensor<float> data, Tensor<int> labels)
    {
        using var predictions = backend.Allocate<int>(data.Rows);
        using var correct = backend.Allocate<int>(data.Rows);
        for (var start = 0; start < data.Rows; start += network.MaxBatch)
        {
            var b = Math.Min(network.MaxBatch, data.Rows - start);
            using var x = data.Slice(start, b);
            using var rows = indices.Slice(0, b);
            var z = network.Body.Forward(x, new StepContext(rows, 0, 0, Training: false));
            backend.Softmax.Argmax(z, labels.Slice(start, b), predictions.Slice(start, b), correct.Slice(start, b));
        }
        backend.Synchronize();
        var hits = correct.ToArray().Sum();
        return new ClassificationScore(data.Rows - hits, data.Rows);
    }

    public void Dispose()
    {
        indices.Dispose();
        delta.Dispose();
    }
}
