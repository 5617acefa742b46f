namespace ILGPUAE.Softmax;

using ILGPUAE.Delta;

/// <summary>Double-precision reference for <see cref="Backend.ISoftmax"/>.</summary>
public static class SoftmaxReference
{
    /// <summary>x[M,C] ← softmax(x + bias[C]) row by row, max-subtracted.</summary>
    public static void BiasSoftmax(int m, int n, Span<double> x, ReadOnlySpan<double> bias)
    {
        for (var i = 0; i < m; i++)
        {
            var row = x.Slice(i * n, n);
            var max = double.NegativeInfinity;
            for (var j = 0; j < n; j++)
            {
                row[j] += bias[j];
                max = Math.Max(max, row[j]);
            }
            double sum = 0;
            for (var j = 0; j < n; j++)
            {
                row[j] = Math.Exp(row[j] - max);
                sum += row[j];
            }
            for (var j = 0; j < n; j++)
                row[j] /= sum;
        }
    }

    /// <summary>−log z[label], the log clamped at −100 as the reconstruction losses clamp it; NaN for a label outside [0, C).</summary>
    public static double Loss(ReadOnlySpan<double> z, int label) =>
        label >= 0 && label < z.Length ? -DeltaReference.ClampedLog(z[label]) : double.NaN;

    /// <summary>z, delta [M,C]; labels, losses [M]. delta = scale·(z − onehot(label)), the gradient of the loss w.r.t. the logits.</summary>
    public static void CrossEntropyDelta(int m, int n, ReadOnlySpan<double> z, ReadOnlySpan<int> labels, double scale,
        Span<double> delta, Span<double> losses)
    {
        for (var i = 0; i < m; i++)
        {
            losses[i] = Loss(z.Slice(i * n, n), labels[i]);
            for (var j = 0; j < n; j++)
                delta[i * n + j] = scale * (z[i * n + j] - (j == labels[i] ? 1.0 : 0.0));
        }
    }

    /// <summary>predictions[m] = first argmax of scores[m,:]; correct[m] = 1 where it equals labels[m].</summary>
    public static void Argmax(int m, int n, ReadOnlySpan<double> scores, ReadOnlySpan<int> labels, Span<int> predictions, Span<int> correct)
    {
        for (var i = 0; i < m; i++)
        {
            var best = 0;
            for (var j = 1; j < n; j++)
                if (scores[i * n + j] > scores[i * n + best])
                    best = j;
            predictions[i] = best;
            correct[i] = best == labels[i] ? 1 : 0;
        }
    }
}
