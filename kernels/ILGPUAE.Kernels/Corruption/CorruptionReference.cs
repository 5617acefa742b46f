namespace ILGPUAE.Corruption;

using ILGPUAE.Random;

/// <summary>Reference for <see cref="Backend.ICorruption"/>: recomputes the very masks the kernels draw.</summary>
public static class CorruptionReference
{
    public static bool IsMasked(NoiseKey key, ulong threshold, int example, int element) =>
        CounterRng.Hash32(key.Seed, (uint)key.Stream, key.Epoch, (uint)example, (uint)element) < threshold;

    /// <summary>x and destination are [M,N]; indices [M] are the dataset indices of the rows.</summary>
    public static void Mask(int m, int n, ReadOnlySpan<double> x, ReadOnlySpan<int> indices, NoiseKey key, float probability, Span<double> destination)
    {
        var threshold = CounterRng.BernoulliThreshold(probability);
        for (var i = 0; i < m; i++)
            for (var j = 0; j < n; j++)
                destination[i * n + j] = IsMasked(key, threshold, indices[i], j) ? 0 : x[i * n + j];
    }

    public static void Gather(int n, ReadOnlySpan<double> data, ReadOnlySpan<int> indices, Span<double> destination)
    {
        for (var i = 0; i < indices.Length; i++)
            data.Slice(indices[i] * n, n).CopyTo(destination.Slice(i * n, n));
    }
}
