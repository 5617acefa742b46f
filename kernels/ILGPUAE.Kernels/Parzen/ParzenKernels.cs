namespace ILGPUAE.Parzen;

using ILGPU;
using ILGPU.Algorithms;
using ILGPUAE.Ilgpu;

/// <summary>
/// The Parzen family's kernels, grid-stride and barrier-free (so ILGPU's CPU accelerator runs them without its costly barriers):
/// one thread per row for the norms, one per (query, width) for the log-densities.
/// </summary>
public static class ParzenKernels
{
    /// <summary>x [M,K] row-major, norms [M]: norms[m] = Σ_k x[m,k]².</summary>
    public static void SquaredNorms(Index1D index, ArrayView<float> x, ArrayView<float> norms, int k, GridStride g)
    {
        for (int m = index; m < g.Items; m += g.Stride)
        {
            var sum = 0f;
            var row = (long)m * k;
            for (var j = 0; j < k; j++)
            {
                var v = x[row + j];
                sum += v * v;
            }
            norms[m] = sum;
        }
    }

    /// <summary>
    /// products [M,N], queryNorms [M], centreNorms [N], sigmas [S], logDensities [M,S]; item i = m·S + s, so the S threads of one
    /// query read the same row. Two passes over the row: the smallest d², then Σ exp((d²min − d²)/(2σ²)), every term ≤ 1 and one = 1.
    /// </summary>
    public static void LogDensities(Index1D index, ArrayView<float> products, ArrayView<float> queryNorms, ArrayView<float> centreNorms,
        ArrayView<float> sigmas, ArrayView<float> logDensities, ParzenParameters p, GridStride g)
    {
        for (int i = index; i < g.Items; i += g.Stride)
        {
            var m = i / p.Widths;
            var s = i - m * p.Widths;
            var row = (long)m * p.Centres;
            var qn = queryNorms[m];
            var nearest = float.PositiveInfinity;
            for (var n = 0; n < p.Centres; n++)
                nearest = XMath.Min(nearest, XMath.Max(0f, qn + centreNorms[n] - 2f * products[row + n]));
            var sigma = sigmas[s];
            var scale = 1f / (2f * sigma * sigma);
            var sum = 0f;
            for (var n = 0; n < p.Centres; n++)
            {
                var d2 = XMath.Max(0f, qn + centreNorms[n] - 2f * products[row + n]);
                sum += XMath.Exp((nearest - d2) * scale);
            }
            logDensities[i] = XMath.Log(sum) - nearest * scale - p.LogCentres - p.Dimension * XMath.Log(sigma * ParzenParameters.SqrtTwoPi);
        }
    }
}

/// <summary>The scalars of one log-density launch: the product's columns (centres), the widths per query, and the constants of the density.</summary>
public readonly struct ParzenParameters
{
    /// <summary>√(2π) in float.</summary>
    public const float SqrtTwoPi = 2.50662827463f;

    public ParzenParameters(int centres, int widths, int dimension)
    {
        Centres = centres;
        Widths = widths;
        Dimension = dimension;
        LogCentres = (float)Math.Log(centres);
    }

    public int Centres { get; }
    public int Widths { get; }
    public float Dimension { get; }

    /// <summary>log N: the mean's 1/N, taken on the host in double.</summary>
    public float LogCentres { get; }
}
