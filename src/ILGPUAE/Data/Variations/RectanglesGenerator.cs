namespace ILGPUAE.Data.Variations;

/// <summary>
/// <c>rect</c> (Larochelle et al. 2007): the one-pixel outline of an axis-aligned rectangle, white (1) on black (0); label 1
/// when the rectangle is taller than wide. Splits 1000 / 200 / 50000 (train / valid / test).
/// <para>Choices ../shared/DATASETS.md leaves open, ours:</para>
/// <list type="bullet">
/// <item>h (rows) then w (columns) are each drawn uniform in 1 … 28 and the pair is redrawn until |h − w| ≥ 3, so (h, w) is
/// uniform over the allowed pairs; the classes are balanced in expectation by the symmetry of h and w, not exactly per split.</item>
/// <item>Then the top row, uniform in 0 … 28 − h, then the left column, uniform in 0 … 28 − w: every position where it fits.</item>
/// <item>The border is rows top and top + h − 1 and columns left and left + w − 1 inside them; h or w = 1 is a line.</item>
/// </list>
/// </summary>
public sealed class RectanglesGenerator : IVariationGenerator
{
    private const int Side = Mnist.Side;

    /// <summary>The least |h − w|, so no example is nearly square.</summary>
    public const int MinSideDifference = 3;

    public string Name => "rect";

    public uint Id => 6;

    public (int Train, int Valid, int Test) Sizes => (1000, 200, 50000);

    public int Classes => 2;

    public bool NeedsDigits => false;

    public bool NeedsBackgrounds => false;

    public byte Example(ulong seed, VariationSplit split, int index, VariationSources sources, Span<float> pixels)
    {
        if (pixels.Length != Side * Side)
            throw new ArgumentException($"pixels has {pixels.Length} elements, expected {Side * Side}", nameof(pixels));
        var rng = new ExampleRng(seed, Id, split, index);
        int h, w;
        do
        {
            h = rng.NextInt(1, Side);
            w = rng.NextInt(1, Side);
        }
        while (Math.Abs(h - w) < MinSideDifference);
        var top = rng.NextInt(0, Side - h);
        var left = rng.NextInt(0, Side - w);

        pixels.Clear();
        for (var c = left; c < left + w; c++)
        {
            pixels[top * Side + c] = 1f;
            pixels[(top + h - 1) * Side + c] = 1f;
        }
        for (var r = top; r < top + h; r++)
        {
            pixels[r * Side + left] = 1f;
            pixels[r * Side + left + w - 1] = 1f;
        }
        return h > w ? (byte)1 : (byte)0;
    }
}
