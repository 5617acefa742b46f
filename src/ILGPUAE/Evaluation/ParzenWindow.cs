namespace ILGPUAE.Evaluation;

using ILGPUAE.Backend;

/// <summary>
/// A Gaussian Parzen window on centres μ₁ … μ_N (e.g. a model's samples), held on the device:
/// log p(x) = logmeanexpᵢ[−‖x − μᵢ‖² / (2σ²)] − d·log(σ√(2π)), in nats. Queries go through in chunks of rows: per chunk one
/// product x·μᵀ (the Gemm family), then the Parzen family's norms and max-subtracted log-sum-exp.
/// </summary>
public sealed class ParzenWindow : IDisposable
{
    /// <summary>Elements of one chunk's products [rows, N]: 2²⁴ floats (64 MiB), whatever N.</summary>
    private const int ChunkElements = 1 << 24;

    private readonly IBackend backend;
    private readonly Tensor<float> centres, centreNorms;

    /// <param name="centres">[N, dimension] host rows.</param>
    public ParzenWindow(IBackend backend, ReadOnlySpan<float> centres, int dimension)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        if (centres.Length == 0 || centres.Length % dimension != 0)
            throw new ArgumentException($"centres has {centres.Length} values; expected a whole number (≥ 1) of rows of {dimension}", nameof(centres));
        this.backend = backend;
        Dimension = dimension;
        Count = centres.Length / dimension;
        this.centres = backend.Allocate<float>(Count, dimension);
        this.centres.CopyFrom(centres);
        centreNorms = backend.Allocate<float>(Count);
        backend.Parzen.SquaredNorms(this.centres, centreNorms);
    }

    public int Dimension { get; }

    /// <summary>N, the centres.</summary>
    public int Count { get; }

    /// <summary>
    /// log p(x) of each row of <paramref name="queries"/> [M, dimension] under each width in <paramref name="sigmas"/>, as
    /// [M, S] host values (row m, width s at m·S + s).
    /// </summary>
    public float[] LogDensities(ReadOnlySpan<float> queries, IReadOnlyList<float> sigmas)
    {
        if (queries.Length % Dimension != 0)
            throw new ArgumentException($"queries has {queries.Length} values; expected whole rows of {Dimension}", nameof(queries));
        if (sigmas.Count == 0 || sigmas.Any(s => !(float.IsFinite(s) && s > 0)))
            throw new ArgumentException($"window widths [{string.Join(", ", sigmas)}]: expected at least one, each finite and > 0", nameof(sigmas));
        var m = queries.Length / Dimension;
        var widths = sigmas.Count;
        var result = new float[(long)m * widths];
        if (m == 0)
            return result;
        var chunk = Math.Clamp(ChunkElements / Count, 1, m);
        using var sig = backend.Allocate<float>(widths);
        sig.CopyFrom(sigmas.ToArray());
        using var x = backend.Allocate<float>(chunk, Dimension);
        using var products = backend.Allocate<float>(chunk, Count);
        using var queryNorms = backend.Allocate<float>(chunk);
        using var densities = backend.Allocate<float>(chunk, widths);
        for (var start = 0; start < m; start += chunk)
        {
            var rows = Math.Min(chunk, m - start);
            using var xs = x.Slice(0, rows);
            using var ps = products.Slice(0, rows);
            using var qs = queryNorms.Slice(0, rows);
            using var ds = densities.Slice(0, rows);
            xs.CopyFrom(queries.Slice(start * Dimension, rows * Dimension));
            backend.Gemm.Gemm(Transpose.None, Transpose.Transposed, 1f, xs, centres, 0f, ps);
            backend.Parzen.SquaredNorms(xs, qs);
            backend.Parzen.LogDensities(ps, qs, centreNorms, sig, Dimension, ds);
            backend.Synchronize();
            ds.CopyTo(result.AsSpan(start * widths, rows * widths));
        }
        return result;
    }

    public void Dispose()
    {
        centres.Dispose();
        centreNorms.Dispose();
    }
}

/// <summary>The mean of per-example log-likelihoods with its standard error, std/√n (std with n − 1), in nats.</summary>
public readonly record struct LogLikelihood(double Mean, double StandardError, int Examples)
{
    public static LogLikelihood Of(IReadOnlyList<double> values)
    {
        var n = values.Count;
        if (n == 0)
            throw new ArgumentException("no log-likelihoods to average", nameof(values));
        var mean = values.Average();
        var variance = n > 1 ? values.Sum(v => (v - mean) * (v - mean)) / (n - 1) : 0;
        return new LogLikelihood(mean, Math.Sqrt(variance / n), n);
    }
}

/// <summary>One window width and the mean validation log-likelihood it gives.</summary>
public sealed record WidthScore(float Sigma, double ValidationLogLikelihood);

/// <summary>A Parzen estimate: the widths tried on validation, the one kept, and the test log-likelihood under it.</summary>
public sealed record ParzenEstimate(IReadOnlyList<WidthScore> Widths, float Sigma, LogLikelihood Test);

/// <summary>
/// The Parzen-window protocol of the GSN and GAN papers: σ from logspace(−1, 0, 10) chosen by the mean log-likelihood of the validation
/// images, then the mean test log-likelihood under that σ, ± std/√n.
/// </summary>
public static class ParzenProtocol
{
    /// <summary>logspace(−1, 0, 10): 10^(−1 + i/9), i = 0 … 9.</summary>
    public static IReadOnlyList<float> DefaultSigmas { get; } = [.. Enumerable.Range(0, 10).Select(i => (float)Math.Pow(10, -1 + i / 9.0))];

    /// <summary>
    /// Chooses σ among <paramref name="sigmas"/> on <paramref name="validation"/> [V, d], then scores the rows <paramref name="test"/>
    /// yields [n, d]. The test rows are asked for only after σ is fixed, so they cannot sway the choice.
    /// </summary>
    public static ParzenEstimate Estimate(ParzenWindow window, ReadOnlySpan<float> validation, IReadOnlyList<float> sigmas, Func<float[]> test)
    {
        var v = validation.Length / window.Dimension;
        if (v == 0)
            throw new ArgumentException("no validation rows to choose the window width on", nameof(validation));
        var densities = window.LogDensities(validation, sigmas);
        var widths = new WidthScore[sigmas.Count];
        for (var s = 0; s < sigmas.Count; s++)
        {
            double sum = 0;
            for (var i = 0; i < v; i++)
                sum += densities[i * sigmas.Count + s];
            widths[s] = new WidthScore(sigmas[s], sum / v);
        }
        var best = Enumerable.Range(0, widths.Length).MaxBy(s => widths[s].ValidationLogLikelihood);
        var scores = window.LogDensities(test(), [sigmas[best]]);
        return new ParzenEstimate(widths, sigmas[best], LogLikelihood.Of(Array.ConvertAll(scores, f => (double)f)));
    }
}
