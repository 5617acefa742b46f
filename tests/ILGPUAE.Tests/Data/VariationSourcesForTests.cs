namespace ILGPUAE.Tests.Data;

using ILGPUAE.Data;
using ILGPUAE.Data.Variations;

/// <summary>
/// Small synthetic sources for the generators' tests, so they need no MNIST and no download: per split a few 28×28 "digits" (a
/// bright block whose place and shade depend on the index and split, 0 elsewhere) and two background images (a smooth ramp with
/// stripes, and a flat one).
/// </summary>
public static class VariationSourcesForTests
{
    public const int PerSplit = 16;

    public static readonly Func<VariationSplit, Dataset> Digits = MakeDigits();

    /// <summary>A textured 64×48 image (std well above 20/255).</summary>
    public static readonly GrayImage Textured = new("textured", 64, 48,
        Enumerable.Range(0, 64 * 48).Select(i => (float)((i % 64) / 63.0 * 0.5 + ((i / 64 / 3) % 2) * 0.4)).ToArray());

    /// <summary>A flat 40×40 image: every patch of it has std 0, so patches are never cut from it.</summary>
    public static readonly GrayImage Flat = new("flat", 40, 40, Enumerable.Repeat(0.25f, 40 * 40).ToArray());

    public static readonly VariationSources Sources = new(Digits, [Textured, Flat]);

    private static Func<VariationSplit, Dataset> MakeDigits()
    {
        var sets = Enum.GetValues<VariationSplit>().ToDictionary(split => split, split =>
        {
            var pixels = new float[PerSplit * 784];
            var labels = new byte[PerSplit];
            for (var i = 0; i < PerSplit; i++)
            {
                labels[i] = (byte)((i + (int)split) % 10);
                var top = 4 + (i + 3 * (int)split) % 10;
                var left = 6 + (2 * i) % 12;
                for (var r = top; r < top + 8; r++)
                    for (var c = left; c < left + 6; c++)
                        pixels[i * 784 + r * 28 + c] = (float)(0.5 + 0.5 * ((r + c + i) % 5) / 4.0);
            }
            return new Dataset($"synthetic {split}", PerSplit, 28, 28, pixels, labels);
        });
        return split => sets[split];
    }
}
