namespace ILGPUAE.Data.Variations;

/// <summary>
/// <c>rect-img</c> (Larochelle et al. 2007): an axis-aligned rectangle whose inside and border show one natural-image patch,
/// and whose outside shows another; label 1 when it is taller than wide. Splits 10000 / 2000 / 50000 (train / valid / test).
/// Patches come from <see cref="VariationSources.Backgrounds"/>, each image at least 28 × 28.
/// <para>Choices ../shared/DATASETS.md leaves open, ours:</para>
/// <list type="bullet">
/// <item>h (rows) then w (columns) are each drawn uniform in 10 … 28 and the pair is redrawn until |h − w| ≥ 5 and
/// 196 ≤ h·w ≤ 588 (25 % and 75 % of 784, both included); the classes are balanced in expectation by symmetry.</item>
/// <item>Then the top row, uniform in 0 … 28 − h, then the left column, uniform in 0 … 28 − w.</item>
/// <item>A patch is an image drawn uniformly from the list, then its top-left corner uniform over the positions where 28 × 28
/// fits (<see cref="ImagePatch.Draw"/>, as bg-img draws them); no contrast threshold. The inside patch is drawn first; the
/// outside patch is redrawn while it is the very same (image, corner), since the rectangle would then be invisible. The two
/// may come from the same image elsewhere.</item>
/// <item>Pixels are the images' values as they are (the contract keeps them in [0, 1]); nothing is drawn at the border.</item>
/// </list>
/// </summary>
public sealed class RectanglesImageGenerator : IVariationGenerator
{
    private const int Side = Mnist.Side;

    public const int MinRectangleSide = 10;

    public const int MinSideDifference = 5;

    /// <summary>The rectangle's area h·w lies in [MinArea, MaxArea]: 25 % to 75 % of the image.</summary>
    public const int MinArea = Side * Side / 4;

    public const int MaxArea = 3 * Side * Side / 4;

    public string Name => "rect-img";

    public uint Id => 7;

    public (int Train, int Valid, int Test) Sizes => (10000, 2000, 50000);

    public int Classes => 2;

    public bool NeedsDigits => false;

    public bool NeedsBackgrounds => true;

    public byte Example(ulong seed, VariationSplit split, int index, VariationSources sources, Span<float> pixels)
    {
        if (pixels.Length != Side * Side)
            throw new ArgumentException($"pixels has {pixels.Length} elements, expected {Side * Side}", nameof(pixels));
        var images = sources.Backgrounds;
        if (images is null || images.Count == 0)
            throw new ArgumentException("rect-img needs at least one background image", nameof(sources));
        foreach (var image in images)
            if (image.Width < Side || image.Height < Side)
                throw new ArgumentException($"background {image.Name} is {image.Width}×{image.Height}, expected at least {Side}×{Side}", nameof(sources));

        var rng = new ExampleRng(seed, Id, split, index);
        int h, w;
        do
        {
            h = rng.NextInt(MinRectangleSide, Side);
            w = rng.NextInt(MinRectangleSide, Side);
        }
        while (Math.Abs(h - w) < MinSideDifference || h * w < MinArea || h * w > MaxArea);
        var top = rng.NextInt(0, Side - h);
        var left = rng.NextInt(0, Side - w);
        var inside = ImagePatch.Draw(ref rng, images);
        ImagePatch outside;
        do
            outside = ImagePatch.Draw(ref rng, images);
        while (outside == inside);

        for (var r = 0; r < Side; r++)
        {
            var rowInside = r >= top && r < top + h;
            for (var c = 0; c < Side; c++)
            {
                var patch = rowInside && c >= left && c < left + w ? inside : outside;
                pixels[r * Side + c] = images[patch.Image][patch.Top + r, patch.Left + c];
            }
        }
        return h > w ? (byte)1 : (byte)0;
    }
}
