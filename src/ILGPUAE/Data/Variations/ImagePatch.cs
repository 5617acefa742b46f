namespace ILGPUAE.Data.Variations;

/// <summary>
/// A 28×28 window of background image <see cref="Image"/> (an index into the generator's list) whose top-left pixel is
/// (<see cref="Top"/>, <see cref="Left"/>): the natural-image patch bg-img, bg-img-rot and rect-img draw.
/// </summary>
public readonly record struct ImagePatch(int Image, int Top, int Left)
{
    public const int Side = DigitVariations.Side;

    /// <summary>
    /// Three draws, in this order: the image uniformly from <paramref name="images"/>, then the top row and the left column
    /// uniformly among those where 28×28 fits. Every image must be at least 28×28.
    /// </summary>
    public static ImagePatch Draw(ref ExampleRng rng, IReadOnlyList<GrayImage> images)
    {
        var image = rng.NextInt(images.Count);
        var top = rng.NextInt(images[image].Height - Side + 1);
        var left = rng.NextInt(images[image].Width - Side + 1);
        return new ImagePatch(image, top, left);
    }

    /// <summary>Copies the window's 28×28 pixels, row-major, into <paramref name="target"/> [784].</summary>
    public void CopyTo(IReadOnlyList<GrayImage> images, Span<float> target)
    {
        var image = images[Image];
        for (var row = 0; row < Side; row++)
            image.Pixels.AsSpan((Top + row) * image.Width + Left, Side).CopyTo(target.Slice(row * Side, Side));
    }
}
