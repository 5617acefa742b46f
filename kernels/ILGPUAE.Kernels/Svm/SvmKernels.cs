namespace ILGPUAE.Svm;

using ILGPU;
using ILGPUAE.Ilgpu;

/// <summary>
/// The Svm family's kernels, barrier-free and grid-stride: element-wise over an [M,K] matrix of class scores, or one thread per
/// class row of a [K,D] matrix (K is a handful of classes, so a row is walked in order by one thread).
/// </summary>
public static class SvmKernels
{
    /// <summary>
    /// Items = M·K. z = scores + steps[k]·direction (hasDirection), slack = 1 − y·z, y = ±1 from labels[m] = k;
    /// residual = z − y and losses = slack² on the active set (slack &gt; 0), else 0.
    /// </summary>
    public static void SquaredHinge(Index1D index, ArrayView<float> scores, ArrayView<float> direction, ArrayView<float> steps,
        ArrayView<int> labels, ArrayView<float> residual, ArrayView<float> losses, int classes, int hasDirection, GridStride g)
    {
        for (int i = index; i < g.Items; i += g.Stride)
        {
            var k = i % classes;
            var z = scores[i];
            if (hasDirection != 0)
                z += steps[k] * direction[i];
            var y = labels[i / classes] == k ? 1f : -1f;
            var slack = 1f - y * z;
            var active = slack > 0f;
            residual[i] = active ? z - y : 0f;
            losses[i] = active ? slack * slack : 0f;
        }
    }

    /// <summary>Items = M·K: destination = x where residual ≠ 0, else 0.</summary>
    public static void ActiveSet(Index1D index, ArrayView<float> residual, ArrayView<float> x, ArrayView<float> destination, GridStride g)
    {
        for (int i = index; i < g.Items; i += g.Stride)
            destination[i] = residual[i] != 0f ? x[i] : 0f;
    }

    /// <summary>Items = K rows of width: dots[k] = Σ_j a[k,j]·b[k,j], summed in order.</summary>
    public static void RowDots(Index1D index, ArrayView<float> a, ArrayView<float> b, ArrayView<float> dots, int width, GridStride g)
    {
        for (int k = index; k < g.Items; k += g.Stride)
        {
            long row = (long)k * width;
            var sum = 0f;
            for (var j = 0; j < width; j++)
                sum += a[row + j] * b[row + j];
            dots[k] = sum;
        }
    }

    /// <summary>Items = K·width: y = alpha[k]·x + beta[k]·y, y's old value ignored where beta[k] = 0.</summary>
    public static void RowAxpby(Index1D index, ArrayView<float> alpha, ArrayView<float> x, ArrayView<float> beta, ArrayView<float> y,
        int width, GridStride g)
    {
        for (int i = index; i < g.Items; i += g.Stride)
        {
            var k = i / width;
            var b = beta[k];
            var v = alpha[k] * x[i];
            y[i] = b == 0f ? v : v + b * y[i];
        }
    }
}
