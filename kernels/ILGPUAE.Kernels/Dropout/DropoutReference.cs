namespace ILGPUAE.Dropout;

using ILGPUAE.Activation;
using ILGPUAE.Random;

/// <summary>Reference for <see cref="Backend.IDropout"/> in double: the mask from the same integer draws, the scale as 1/(1 − p) in double.</summary>
public static class DropoutReference
{
    /// <summary>Whether element (row <c>m</c>, dataset example indices[m], column j) is kept: Hash32(key, example, j) ≥ threshold(p).</summary>
    public static bool Kept(NoiseKey key, int example, int j, float probability) =>
        CounterRng.Hash32(key.Seed, (uint)key.Stream, key.Epoch, (uint)example, (uint)j) >= CounterRng.BernoulliThreshold(probability);

    /// <summary>kept [M,N]: 1 where <see cref="Kept"/>, else 0.</summary>
    public static int[] Mask(int m, int n, ReadOnlySpan<int> indices, NoiseKey key, float probability)
    {
        var kept = new int[m * n];
        for (var i = 0; i < m; i++)
            for (var j = 0; j < n; j++)
                kept[i * n + j] = Kept(key, indices[i], j, probability) ? 1 : 0;
        return kept;
    }

    /// <summary>destination [M,N] = x / (1 − p) where kept, else 0.</summary>
    public static double[] Forward(int m, int n, ReadOnlySpan<double> x, ReadOnlySpan<int> indices, NoiseKey key, float probability)
    {
        var kept = Mask(m, n, indices, key, probability);
        var y = new double[m * n];
        for (var i = 0; i < y.Length; i++)
            y[i] = kept[i] == 1 ? x[i] / (1.0 - probability) : 0.0;
        return y;
    }

    /// <summary>destination [M,N] = delta / (1 − p) · act′ written through input where kept, else 0.</summary>
    public static double[] Backward(int m, int n, ReadOnlySpan<double> delta, ReadOnlySpan<double> input, Backend.Activation inputActivation,
        ReadOnlySpan<int> indices, NoiseKey key, float probability)
    {
        var result = Forward(m, n, delta, indices, key, probability);
        ActivationReference.Backward(result, input, inputActivation);
        return result;
    }
}
