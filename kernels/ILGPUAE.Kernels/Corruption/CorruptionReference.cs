namespace ILGPUAE.Corruption;

using ILGPUAE.Activation;
using ILGPUAE.Backend;
using ILGPUAE.Random;

/// <summary>Reference for <see cref="Backend.ICorruption"/>: recomputes the very masks and noise the kernels draw, in double.</summary>
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

    /// <summary>The draw of element (example, element): Hash64(seed, stream, epoch, example, element), what every kind decides from.</summary>
    public static ulong Draw(NoiseKey key, int example, int element) =>
        CounterRng.Hash64(key.Seed, (uint)key.Stream, key.Epoch, (uint)example, (uint)element);

    /// <summary>
    /// <see cref="CounterRng.StandardNormal"/> in double on the same bits: u = 1 − k·2⁻³² (exact), θ = (int)l·2π·2⁻³²,
    /// n = √(−2 ln u)·cos θ, for k = draw &gt;&gt; 32 and l = (uint)draw.
    /// </summary>
    public static double StandardNormal(ulong draw)
    {
        var u = 1.0 - (uint)(draw >> 32) / 4294967296.0;
        var theta = (int)(uint)draw * (2 * Math.PI / 4294967296.0);
        return Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(theta);
    }

    /// <summary>Whether <paramref name="corruption"/> replaces element (example, element): masking and salt-and-pepper hide the mask's elements; Gaussian none.</summary>
    public static bool IsReplaced(NoiseKey key, CorruptionNoise corruption, int example, int element) =>
        corruption.Replaces && IsMasked(key, CounterRng.BernoulliThreshold(corruption.Amount), example, element);

    /// <summary>The corrupted value of x at element (example, element), as <see cref="CorruptionKind"/> defines it.</summary>
    public static double Corrupt(double x, NoiseKey key, CorruptionNoise corruption, int example, int element) => corruption.Kind switch
    {
        CorruptionKind.Masking => IsReplaced(key, corruption, example, element) ? 0 : x,
        CorruptionKind.Gaussian => x + corruption.Amount * StandardNormal(Draw(key, example, element)),
        CorruptionKind.SaltAndPepper => IsReplaced(key, corruption, example, element) ? Draw(key, example, element) & 1 : x,
        _ => throw new ArgumentOutOfRangeException(nameof(corruption), corruption.Kind, null),
    };

    /// <summary>x and destination are [M,N] (N the row length); indices [M] are the dataset indices of the rows.</summary>
    public static void Corrupt(int m, int n, ReadOnlySpan<double> x, ReadOnlySpan<int> indices, NoiseKey key, CorruptionNoise corruption,
        Span<double> destination)
    {
        for (var i = 0; i < m; i++)
            for (var j = 0; j < n; j++)
                destination[i * n + j] = Corrupt(x[i * n + j], key, corruption, indices[i], j);
    }

    /// <summary>destination = delta [M,N], but 0 where the forward replaced the element (its gradient there is zero).</summary>
    public static void CorruptBackward(int m, int n, ReadOnlySpan<double> delta, ReadOnlySpan<int> indices, NoiseKey key, CorruptionNoise corruption,
        Span<double> destination)
    {
        for (var i = 0; i < m; i++)
            for (var j = 0; j < n; j++)
                destination[i * n + j] = IsReplaced(key, corruption, indices[i], j) ? 0 : delta[i * n + j];
    }

    /// <summary>
    /// The gradient through a corruption of the outputs of an <paramref name="inputActivation"/> layer: destination = 0 where the
    /// forward replaced the element, else delta·act′ written through the clean input (<see cref="IActivation.DerivativeFromOutputReference"/>).
    /// delta, input and destination [M,N]; indices [M].
    /// </summary>
    public static void CorruptBackward(int m, int n, ReadOnlySpan<double> delta, ReadOnlySpan<double> input, Backend.Activation inputActivation,
        ReadOnlySpan<int> indices, NoiseKey key, CorruptionNoise corruption, Span<double> destination)
    {
        var activation = Activations.Of(inputActivation);
        for (var i = 0; i < m; i++)
            for (var j = 0; j < n; j++)
                destination[i * n + j] = IsReplaced(key, corruption, indices[i], j)
                    ? 0
                    : delta[i * n + j] * activation.DerivativeFromOutputReference(input[i * n + j]);
    }

    /// <summary>
    /// Bernoulli sampling of probabilities [M,N]: 1 where Hash32(key, indices[m], j) &lt; ⌊clamp(p, 0, 1)·2³²⌋, else 0 (the threshold
    /// computed here in double, not by CounterRng.BernoulliThreshold).
    /// </summary>
    public static void Bernoulli(int m, int n, ReadOnlySpan<double> probabilities, ReadOnlySpan<int> indices, NoiseKey key, Span<double> destination)
    {
        for (var i = 0; i < m; i++)
            for (var j = 0; j < n; j++)
            {
                var p = probabilities[i * n + j];
                var threshold = double.IsNaN(p) ? 0 : Math.Floor(Math.Clamp(p, 0, 1) * 4294967296.0);
                destination[i * n + j] = CounterRng.Hash32(key.Seed, (uint)key.Stream, key.Epoch, (uint)indices[i], (uint)j) < threshold ? 1 : 0;
            }
    }
}
