namespace ILGPUAE.Evaluation;

using ILGPUAE.Backend;
using ILGPUAE.Models;

/// <summary>How many of n examples a classifier got wrong, with the error's 95 % interval.</summary>
public readonly record struct ClassificationScore(int Errors, int Count)
{
    public double Error => Count == 0 ? 0 : (double)Errors / Count;
    public double Accuracy => 1 - Error;

    /// <summary>1.96·√(p(1−p)/n): the half-width of the normal-approximation 95 % interval of the error (and of the accuracy).</summary>
    public double HalfWidth95 => Count == 0 ? 0 : 1.96 * Math.Sqrt(Error * (1 - Error) / Count);

    /// <summary>"98.72 % ± 0.22 % (128 errors in 10000)".</summary>
    public override string ToString() => $"{100 * Accuracy:F2} % ± {100 * HalfWidth95:F2} % ({Errors} errors in {Count})";
}

/// <summary>
/// Predictions of a <see cref="FeedForwardClassifier"/> on a labelled set on its backend, in fixed chunks;
/// only the per-example hits come back to the host.
/// </summary>
public sealed class ClassifierEvaluator : IDisposable
{
    public const int ChunkRows = 1000;

    private readonly ClassifierActivations activations;
    private readonly Tensor<int> predictions, correct;
    private readonly int[] hostCorrect;

    /// <param name="data">The examples [N, inputs], on the model's backend.</param>
    /// <param name="labels">Their classes [N], on the model's backend.</param>
    public ClassifierEvaluator(FeedForwardClassifier model, Tensor<float> data, Tensor<int> labels)
    {
        Shapes.RequireLength(labels, nameof(labels), data.Rows, $"one per row of data {data.Shape}");
        Data = data;
        Labels = labels;
        activations = new ClassifierActivations(model, Math.Max(1, Math.Min(ChunkRows, data.Rows)));
        predictions = model.Backend.Allocate<int>(data.Rows);
        correct = model.Backend.Allocate<int>(data.Rows);
        hostCorrect = new int[data.Rows];
        Backend = model.Backend;
    }

    public IBackend Backend { get; }
    public Tensor<float> Data { get; }
    public Tensor<int> Labels { get; }

    public ClassificationScore Score()
    {
        Run();
        correct.CopyTo(hostCorrect);
        var hits = 0;
        foreach (var c in hostCorrect)
            hits += c;
        return new ClassificationScore(Data.Rows - hits, Data.Rows);
    }

    /// <summary>The predicted class of every example.</summary>
    public int[] Predictions()
    {
        Run();
        return predictions.ToArray();
    }

    private void Run()
    {
        for (var start = 0; start < Data.Rows; start += ChunkRows)
        {
            var b = Math.Min(ChunkRows, Data.Rows - start);
            var z = activations.Forward(Data.Slice(start, b));
            Backend.Softmax.Argmax(z, Labels.Slice(start, b), predictions.Slice(start, b), correct.Slice(start, b));
        }
        Backend.Synchronize();
    }

    public void Dispose()
    {
        activations.Dispose();
        predictions.Dispose();
        correct.Dispose();
    }
}
