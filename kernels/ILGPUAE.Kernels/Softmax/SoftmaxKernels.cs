namespace ILGPUAE.Softmax;

using ILGPU;
using ILGPUAE.Delta;
using ILGPUAE.Ilgpu;

/// <summary>
/// Row-wise kernels over an [M,C] matrix of class scores, one row per thread, grid-stride over rows and
/// barrier-free: a row is a handful of classes, so a thread walks its row in order.
/// </summary>
public static class SoftmaxKernels
{
    /// <summary>x[m,:] ← softmax(x[m,:] + bias), computed as exp(v − max v) / Σ exp(v − max v) so no exp overflows.</summary>
    public static void BiasSoftmax(Index1D index, ArrayView<float> x, ArrayView<float> bias, GridStride g)
    {
        var n = (int)bias.Length;
        for (int m = index; m < g.Items; m += g.Stride)
        {
            long row = (long)m * n;
            var max = float.NegativeInfinity;
            for (var j = 0; j < n; j++)
            {
                var v = x[row + j] + bias[j];
                x[row + j] = v;
                max = MathF.Max(max, v);
            }
            var sum = 0f;
            for (var j = 0; j < n; j++)
            {
                var e = MathF.Exp(x[row + j] - max);
                x[row + j] = e;
                sum += e;
            }
            var inverse = 1f / sum;
            for (var j = 0; j < n; j++)
                x[row + j] *= inverse;
        }
    }

    /// <summary>
    /// delta[m,c] = scale · (z[m,c] − [c = labels[m]]) and losses[m] = −log z[m, labels[m]] (clamped at −100)
    /// for softmax outputs z [M,C]; a label outside [0, C) gives a NaN loss and no one-hot term.
    /// </summary>
    public static void CrossEntropyDelta(Index1D index, ArrayView<float> z, ArrayView<int> labels, ArrayView<float> delta,
        ArrayView<float> losses, int classes, float scale, GridStride g)
    {
        for (int m = index; m < g.Items; m += g.Stride)
        {
            long row = (long)m * classes;
            var label = labels[m];
            for (var j = 0; j < classes; j++)
                delta[row + j] = scale * (z[row + j] - (j == label ? 1f : 0f));
            losses[m] = label >= 0 && label < classes ? -LossMath.ClampedLog(z[row + label]) : float.NaN;
        }
    }

    /// <summary>predictions[m] = the first c with the largest scores[m,c]; correct[m] = 1 if it is labels[m], else 0.</summary>
    public static void Argmax(Index1D index, ArrayView<float> scores, ArrayView<int> labels, ArrayView<int> predictions,
        ArrayView<int> correct, int classes, GridStride g)
    {
        for (int m = index; m < g.Items; m += g.Stride)
        {
            long row = (long)m * classes;
            var best = 0;
            var bestScore = scores[row];
            for (var j = 1; j < classes; j++)
            {
                var s = scores[row + j];
                if (s > bestScore)
                {
                    best = j;
                    bestScore = s;
                }
            }
            predictions[m] = best;
            correct[m] = best == labels[m] ? 1 : 0;
        }
    }
}
