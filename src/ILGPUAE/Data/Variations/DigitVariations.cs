namespace ILGPUAE.Data.Variations;

/// <summary>
/// The pieces the digit variations share (../shared/DATASETS.md): the source digit of an example, bilinear rotation about the
/// centre, and a natural-image patch with enough contrast. All images are 28×28, row-major, in [0, 1].
/// </summary>
public static class DigitVariations
{
    public const int Side = 28;
    public const int Pixels = Side * Side;

    /// <summary>The centre images rotate about, (13.5, 13.5) in (column, row) pixel coordinates.</summary>
    public const double Centre = (Side - 1) / 2.0;

    /// <summary>Natural-image patches whose standard deviation is below this (in [0, 1] units: 20/255) are drawn again (our threshold).</summary>
    public const double MinPatchStd = 20.0 / 255.0;

    /// <summary>Patches drawn before giving up on a background source that has no patch of <see cref="MinPatchStd"/>.</summary>
    public const int MaxPatchTries = 1000;

    /// <summary>The digit sets' split sizes (Larochelle et al. 2007): 10000 train / 2000 valid / 50000 test.</summary>
    public static readonly (int Train, int Valid, int Test) Sizes = (10000, 2000, 50000);

    /// <summary>Example <paramref name="index"/>'s source digit (784 values) and its label.</summary>
    public static (ReadOnlyMemory<float> Pixels, byte Label) Digit(VariationSources sources, VariationSplit split, int index)
    {
        var digits = (sources.Digits ?? throw new ArgumentException("this generator needs digits; VariationSources.Digits is null", nameof(sources)))(split);
        if (digits.Features != Pixels)
            throw new ArgumentException($"{digits.Name} has {digits.Shape} examples, expected 1×{Side}×{Side}", nameof(sources));
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, digits.Count);
        return (digits.Pixels.AsMemory(index * Pixels, Pixels), digits.Labels[index]);
    }

    /// <summary>
    /// Rotates <paramref name="source"/> by <paramref name="angle"/> radians about <see cref="Centre"/> into <paramref name="target"/>:
    /// the output pixel at (x, y) = (column, row) takes the bilinear interpolation of the source at R(−angle)·((x, y) − c) + c,
    /// i.e. (cos·dx + sin·dy, −sin·dx + cos·dy) + c, with pixels outside the image read as 0 (zero fill). In double, stored as float.
    /// </summary>
    public static void Rotate(ReadOnlySpan<float> source, double angle, Span<float> target)
    {
        if (source.Length != Pixels || target.Length != Pixels)
            throw new ArgumentException($"source has {source.Length} and target {target.Length} values, expected {Pixels} each ({Side}×{Side})");
        var (sin, cos) = Math.SinCos(angle);
        for (var row = 0; row < Side; row++)
            for (var col = 0; col < Side; col++)
            {
                double dx = col - Centre, dy = row - Centre;
                var x = cos * dx + sin * dy + Centre;
                var y = -sin * dx + cos * dy + Centre;
                var x0 = (int)Math.Floor(x);
                var y0 = (int)Math.Floor(y);
                double fx = x - x0, fy = y - y0;
                var value = (1 - fy) * ((1 - fx) * At(source, y0, x0) + fx * At(source, y0, x0 + 1))
                    + fy * ((1 - fx) * At(source, y0 + 1, x0) + fx * At(source, y0 + 1, x0 + 1));
                target[row * Side + col] = (float)value;
            }
    }

    private static double At(ReadOnlySpan<float> image, int row, int col) =>
        row is >= 0 and < Side && col is >= 0 and < Side ? image[row * Side + col] : 0.0;

    /// <summary>
    /// Draws a 28×28 patch of one of <paramref name="backgrounds"/> into <paramref name="patch"/>: an image uniformly, then a
    /// top-left corner uniformly among those that fit (<see cref="ImagePatch.Draw"/>), drawn again while the patch's standard
    /// deviation is below <see cref="MinPatchStd"/>. A source with no such patch in <see cref="MaxPatchTries"/> draws is an <see cref="IO.InputException"/>.
    /// </summary>
    public static void Patch(ref ExampleRng rng, IReadOnlyList<GrayImage>? backgrounds, Span<float> patch)
    {
        if (backgrounds is not { Count: > 0 })
            throw new ArgumentException("this generator needs natural images; VariationSources.Backgrounds is null or empty", nameof(backgrounds));
        if (patch.Length != Pixels)
            throw new ArgumentException($"patch has {patch.Length} values, expected {Pixels}", nameof(patch));
        for (var attempt = 0; attempt < MaxPatchTries; attempt++)
        {
            ImagePatch.Draw(ref rng, backgrounds).CopyTo(backgrounds, patch);
            if (StandardDeviation(patch) >= MinPatchStd)
                return;
        }
        throw IO.InputException.AboutSetting("backgrounds",
            $"backgrounds: no {Side}×{Side} patch with a standard deviation of at least 20/255 in {MaxPatchTries} draws from " +
            $"{string.Join(", ", backgrounds.Select(b => b.Name))}; expected natural images with texture, not flat ones");
    }

    /// <summary>The population standard deviation of <paramref name="values"/>, in double.</summary>
    public static double StandardDeviation(ReadOnlySpan<float> values)
    {
        double sum = 0, squares = 0;
        foreach (var v in values)
        {
            sum += v;
            squares += (double)v * v;
        }
        var mean = sum / values.Length;
        return Math.Sqrt(Math.Max(0, squares / values.Length - mean * mean));
    }

    /// <summary><paramref name="target"/>[i] = max(<paramref name="target"/>[i], <paramref name="background"/>[i]): the digit over its background.</summary>
    public static void MaxInto(Span<float> target, ReadOnlySpan<float> background)
    {
        for (var i = 0; i < target.Length; i++)
            target[i] = Math.Max(target[i], background[i]);
    }
}

/// <summary>What a digit variation does to the digit before its background: nothing, or <see cref="DigitVariations.Rotate"/>.</summary>
public enum DigitTransform
{
    None,

    /// <summary>Rotated by θ ~ U[0, 2π) about the centre, bilinear, zero fill; θ is the example's first draw.</summary>
    Rotate,
}

/// <summary>What a digit variation puts behind the (transformed) digit.</summary>
public enum DigitBackground
{
    /// <summary>Nothing: the digit as it is.</summary>
    None,

    /// <summary>Every pixel max(digit, u) with u ~ U[0, 1] drawn per pixel in row-major order (our choice of max).</summary>
    UniformNoise,

    /// <summary>max(digit, a natural-image patch) (<see cref="DigitVariations.Patch"/>).</summary>
    ImagePatch,
}

/// <summary>
/// A digit variation: example i is split's source digit i (its split and order as <see cref="VariationSources.Digits"/> gives
/// them) with its label, put through <see cref="Transform"/> then over <see cref="Background"/>, all drawn from one
/// <see cref="ExampleRng"/> in that order. The five sets of Larochelle et al. (2007) are the static members.
/// </summary>
public sealed class DigitVariationGenerator(string name, uint id, DigitTransform transform, DigitBackground background) : IVariationGenerator
{
    /// <summary><c>basic</c>: the digits unchanged.</summary>
    public static readonly DigitVariationGenerator Basic = new("basic", 1, DigitTransform.None, DigitBackground.None);

    /// <summary><c>rot</c>: the digit rotated.</summary>
    public static readonly DigitVariationGenerator Rotated = new("rot", 2, DigitTransform.Rotate, DigitBackground.None);

    /// <summary><c>bg-rand</c>: the digit over uniform noise.</summary>
    public static readonly DigitVariationGenerator RandomBackground = new("bg-rand", 3, DigitTransform.None, DigitBackground.UniformNoise);

    /// <summary><c>bg-img</c>: the digit over a natural-image patch.</summary>
    public static readonly DigitVariationGenerator ImageBackground = new("bg-img", 4, DigitTransform.None, DigitBackground.ImagePatch);

    /// <summary><c>bg-img-rot</c>: the digit rotated as in <c>rot</c>, then over a patch as in <c>bg-img</c>.</summary>
    public static readonly DigitVariationGenerator RotatedImageBackground =
        new("bg-img-rot", 5, DigitTransform.Rotate, DigitBackground.ImagePatch);

    public string Name => name;
    public uint Id => id;
    public DigitTransform Transform => transform;
    public DigitBackground Background => background;
    public (int Train, int Valid, int Test) Sizes => DigitVariations.Sizes;
    public int Classes => 10;
    public bool NeedsDigits => true;
    public bool NeedsBackgrounds => background == DigitBackground.ImagePatch;

    public byte Example(ulong seed, VariationSplit split, int index, VariationSources sources, Span<float> pixels)
    {
        if (pixels.Length != DigitVariations.Pixels)
            throw new ArgumentException($"pixels has {pixels.Length} elements, expected {DigitVariations.Pixels}", nameof(pixels));
        var rng = new ExampleRng(seed, Id, split, index);
        var (source, label) = DigitVariations.Digit(sources, split, index);
        scoped ReadOnlySpan<float> digit = source.Span;
        Span<float> rotated = stackalloc float[transform == DigitTransform.Rotate ? DigitVariations.Pixels : 0];
        if (transform == DigitTransform.Rotate)
        {
            DigitVariations.Rotate(digit, rng.Uniform(0, 2 * Math.PI), rotated);
            digit = rotated;
        }
        switch (background)
        {
            case DigitBackground.None:
                digit.CopyTo(pixels);
                break;
            case DigitBackground.UniformNoise:
                for (var i = 0; i < DigitVariations.Pixels; i++)
                    pixels[i] = Math.Max(digit[i], (float)rng.NextDouble());
                break;
            case DigitBackground.ImagePatch:
                DigitVariations.Patch(ref rng, sources.Backgrounds, pixels);
                DigitVariations.MaxInto(pixels, digit);
                break;
            default:
                throw new InvalidOperationException($"background {background} has no drawing");
        }
        return label;
    }
}
