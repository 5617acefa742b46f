namespace ILGPUAE.Bench.Workloads;

using System.Diagnostics;

/// <summary>Medians of repeated measurements, the one statistic every row of RESULTS.md reports.</summary>
public static class Timing
{
    public static double Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0)
            throw new ArgumentException("median of nothing");
        var sorted = values.OrderBy(v => v).ToArray();
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /// <summary>
    /// Median seconds per call of <paramref name="call"/>, timed like bench/peers/gemm_torch.py times torch:
    /// a few warm-up calls, then <paramref name="runs"/> runs of enough calls for ≈50 ms each.
    /// </summary>
    public static double MedianSecondsPerCall(Action call, int runs, int warmup = 3)
    {
        for (var i = 0; i < warmup; i++)
            call();
        var clock = Stopwatch.StartNew();
        call();
        var calls = Math.Max(1, (int)(0.05 / Math.Max(clock.Elapsed.TotalSeconds, 1e-7)));
        var samples = new double[runs];
        for (var r = 0; r < runs; r++)
        {
            clock.Restart();
            for (var c = 0; c < calls; c++)
                call();
            samples[r] = clock.Elapsed.TotalSeconds / calls;
        }
        return Median(samples);
    }
}
