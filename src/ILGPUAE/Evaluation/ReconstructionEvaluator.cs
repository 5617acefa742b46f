namespace ILGPUAE.Evaluation;

using ILGPUAE.Backend;
using ILGPUAE.Models;

/// <summary>
/// Mean per-example reconstruction loss of a <see cref="TiedAutoencoder"/> on clean inputs, in fixed
/// chunks, so `train` and `eval` sum exactly the same float losses in the same order.
/// </summary>
public sealed class ReconstructionEvaluator : IDisposable
{
    /// <summary>
    /// Rows per chunk: the size of a training batch, so that the evaluator's buffers stay within the memory
    /// budget of a training run (parameters, gradients and two batches of activations; bench W5).
    /// </summary>
    public const int ChunkRows = 100;

    private readonly TiedAutoencoder model;
    private readonly Tensor<float> hidden, output, delta, losses;
    private readonly bool ownsScratch;
    private readonly float[] hostLosses;

    /// <param name="data">The examples [N, visible], already on the model's backend.</param>
    /// <param name="scratch">
    /// Buffers of at least min(<see cref="ChunkRows"/>, N) rows to work in — [rows, hidden], [rows, visible],
    /// [rows, visible], e.g. an idle training pass's (<see cref="TiedAutoencoderPass.Scratch"/>) — or null to allocate its own.
    /// </param>
    public ReconstructionEvaluator(TiedAutoencoder model, Tensor<float> data, ReconstructionScratch? scratch = null)
    {
        this.model = model;
        Data = data;
        var rows = Math.Min(ChunkRows, data.Rows);
        ownsScratch = scratch is null;
        (hidden, output, delta) = scratch ?? new ReconstructionScratch(
            model.Backend.Allocate<float>(rows, model.Hidden), model.Backend.Allocate<float>(rows, model.Visible), model.Backend.Allocate<float>(rows, model.Visible));
        if (hidden.Rows < rows || output.Rows < rows || delta.Rows < rows)
            throw new ArgumentException($"scratch buffers {hidden.Shape}, {output.Shape}, {delta.Shape} have fewer than the {rows} rows of a chunk", nameof(scratch));
        losses = model.Backend.Allocate<float>(data.Rows);
        hostLosses = new float[data.Rows];
    }

    public Tensor<float> Data { get; }

    /// <summary>Mean over the examples of the per-example loss, summed in double on the host.</summary>
    public double MeanLoss(LossKind loss)
    {
        for (var start = 0; start < Data.Rows; start += ChunkRows)
        {
            var b = Math.Min(ChunkRows, Data.Rows - start);
            var x = Data.Slice(start, b);
            var y = hidden.Slice(0, b);
            var z = output.Slice(0, b);
            model.Encode(x, y);
            model.Decode(y, z);
            model.Backend.Delta.SigmoidOutputDelta(loss, z, x, 1f, delta.Slice(0, b), losses.Slice(start, b));
        }
        model.Backend.Synchronize();
        losses.CopyTo(hostLosses);
        double sum = 0;
        foreach (var l in hostLosses)
            sum += l;
        return sum / hostLosses.Length;
    }

    public void Dispose()
    {
        if (ownsScratch)
        {
            hidden.Dispose();
            output.Dispose();
            delta.Dispose();
        }
        losses.Dispose();
    }
}

/// <summary>Work buffers of a <see cref="ReconstructionEvaluator"/>: codes [rows, hidden], outputs and deltas [rows, visible].</summary>
public sealed record ReconstructionScratch(Tensor<float> Hidden, Tensor<float> Output, Tensor<float> Delta);
