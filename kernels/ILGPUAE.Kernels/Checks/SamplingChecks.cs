namespace ILGPUAE.Checks;

using ILGPUAE.Backend;
using ILGPUAE.Corruption;
using ILGPUAE.Parzen;
using ILGPUAE.Random;

/// <summary>The checks of what sampling a model and scoring its samples use: Bernoulli draws, squared norms and Parzen log-densities.</summary>
public sealed partial class KernelChecks
{
    /// <summary>The window widths the log-density checks run: the ends and the middle of the study's grid, logspace(−1, 0, 10).</summary>
    private static readonly float[] CheckedSigmas = [0.1f, 0.27825594f, 1f];

    /// <summary>Per size s: Bernoulli draws over [s, 784] and [s, 3, 5]; squared norms of [s, 33]; log-densities of s queries × 33 centres and 3 × s.</summary>
    public IEnumerable<CheckResult> Sampling(IReadOnlyList<int> sizes)
    {
        foreach (var s in sizes)
        {
            yield return Bernoulli(s, 784);
            yield return Bernoulli(s, 3, 5);
            yield return SquaredNorms(s, 33);
            yield return ParzenLogDensities(s, 33, 20);
            yield return ParzenLogDensities(3, s, 20);
        }
    }

    /// <summary>
    /// Bernoulli draws from probabilities in [−0.1, 1.1] (so the clamps at 0 and 1 are crossed), with a NaN at the last element: exact,
    /// each element must be the reference's 0 or 1.
    /// </summary>
    public CheckResult Bernoulli(params int[] shape)
    {
        var (m, n) = (shape[0], shape[1..].Aggregate(1, (a, b) => a * b));
        var p = Uniform(m * n, -0.1f, 1.1f);
        p[^1] = float.NaN;
        var indices = DatasetIndices(m, 94);
        var key = new NoiseKey(seed, RngStream.Sample, 14);
        using var tp = Upload(p, shape);
        using var ti = UploadInts(indices);
        using var tdst = backend.Allocate<float>(shape);
        backend.Corruption.Bernoulli(tp, ti, key, tdst);
        var expected = new double[m * n];
        CorruptionReference.Bernoulli(m, n, ToDouble(p), indices, key, expected);
        return Compare("bernoulli", $"[{string.Join(", ", shape)}]", Download(tdst), expected, 0);
    }

    /// <summary>Squared norms of the rows of x [m, k] in [−1, 1]: float sums of k squares, within k·2⁻²³ of the double sum.</summary>
    public CheckResult SquaredNorms(int m, int k)
    {
        var x = Uniform(m * k, -1, 1);
        using var tx = Upload(x, m, k);
        using var tn = backend.Allocate<float>(m);
        backend.Parzen.SquaredNorms(tx, tn);
        return Compare("parzen squared norms", $"M={m} K={k}", Download(tn), ParzenReference.SquaredNorms(m, k, ToDouble(x)), 1e-7 * k, 1e-6 * k);
    }

    /// <summary>
    /// Log-densities of m queries under windows on n centres, both [·, k] in [0, 1], at <see cref="CheckedSigmas"/>. The products come
    /// from the backend's GEMM and the norms from its kernel; the reference takes those very floats, so what is compared is the kernel's
    /// own arithmetic. At σ = 0.1 every exponent is far below float's exp range (d² ≈ k/6), so a sum without the row's largest
    /// exponent taken out would be 0. Tolerance: d² = ‖x‖² + ‖μ‖² − 2x·μ rounded twice in float (≈ 2⁻²³ of 4k), scaled by
    /// 1/(2σ²), plus the float rounding of the constant −k·log(σ√(2π)) and of the logs.
    /// </summary>
    public CheckResult ParzenLogDensities(int m, int n, int k)
    {
        var x = Uniform(m * k, 0, 1);
        var mu = Uniform(n * k, 0, 1);
        using var tx = Upload(x, m, k);
        using var tmu = Upload(mu, n, k);
        using var tsig = Upload(CheckedSigmas, CheckedSigmas.Length);
        using var tp = backend.Allocate<float>(m, n);
        using var tqn = backend.Allocate<float>(m);
        using var tcn = backend.Allocate<float>(n);
        using var tld = backend.Allocate<float>(m, CheckedSigmas.Length);
        backend.Gemm.Gemm(Transpose.None, Transpose.Transposed, 1f, tx, tmu, 0f, tp);
        backend.Parzen.SquaredNorms(tx, tqn);
        backend.Parzen.SquaredNorms(tmu, tcn);
        backend.Parzen.LogDensities(tp, tqn, tcn, tsig, k, tld);
        var expected = ParzenReference.LogDensities(m, n, ToDouble(Download(tp)), ToDouble(Download(tqn)), ToDouble(Download(tcn)),
            ToDouble(CheckedSigmas), k);
        var smallest = CheckedSigmas.Min();
        var atol = 4.0 * 4 * k / (1 << 23) / (2.0 * smallest * smallest) + 1e-6 * (1 + Math.Log(n) + k * Math.Abs(Math.Log(smallest * Math.Sqrt(2 * Math.PI))));
        return Compare("parzen log-densities", $"M={m} N={n} K={k}", Download(tld), expected, atol, 1e-6);
    }
}
