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
    /// top-left corner uniformly among those that fit, drawn again while the patch's standard deviation is below
    /// <see cref="MinPatchStd"/>. A source with no such patch in <see cref="MaxPatchTries"/> draws is an <see cref="IO.InputException"/>.
    /// </summary>
    public static void Patch(ref ExampleRng rng, IReadOnlyList<GrayImage>? backgrounds, Span<float> patch)
    {
        if (backgrounds is not { Count: > 0 })
            throw new ArgumentException("this generator needs natural images; VariationSources.Backgrounds is null or empty", nameof(backgrounds));
        if (patch.Length != Pixels)
            throw new ArgumentException($"patch has {patch.Length} values, expected {Pixels}", nameof(patch));
        for (var attempt = 0; attempt < MaxPatchTries; attempt++)
        {
            var image = backgrounds[rng.NextInt(backgrounds.Count)];
            var top = rng.NextInt(image.Height - Side + 1);
            var left = rng.NextInt(image.Width - Side + 1);
            for (var row = 0; row < Side; row++)
                image.Pixels.AsSpan((top + row) * image.Width + left, Side).CopyTo(patch.Slice(row * Side, Side));
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

/// <summary><c>basic</c>: the digits unchanged (their split and order as <see cref="VariationSources.Digits"/> gives them).</summary>
public sealed class BasicGenerator : IVariationGenerator
{
    public string Name => "basic";
    public uint Id => 1;
    public (int Train, int Valid, int Test) Sizes => DigitVariations.Sizes;
    public int Classes => 10;
    public bool NeedsDigits => true;
    public bool NeedsBackgrounds => false;

    public byte Example(ulong seed, VariationSplit split, int index, VariationSources sources, Span<float> pixels)
    {
        var (digit, label) = DigitVariations.Digit(sources, split, index);
        digit.Span.CopyTo(pixels);
        return label;
    }
}

/// <summary><c>rot</c>: the digit rotated by θ ~ U[0, 2π) about the centre, bilinear, zero fill (<see cref="DigitVariations.Rotate"/>).</summary>
public sealed class RotatedGenerator : IVariationGenerator
{
    public string Name => "rot";
    public uint Id => 2;
    public (int Train, int Valid, int Test) Sizes => DigitVariations.Sizes;
    public int Classes => 10;
    public bool NeedsDigits => true;
    public bool NeedsBackgrounds => false;

    public byte Example(ulong seed, VariationSplit split, int index, VariationSources sources, Span<float> pixels)
    {
        var rng = new ExampleRng(seed, Id, split, index);
        var (digit, label) = DigitVariations.Digit(sources, split, index);
        DigitVariations.Rotate(digit.Span, rng.Uniform(0, 2 * Math.PI), pixels);
        return label;
    }
}

/// <summary><c>bg-rand</c>: every pixel max(digit, u) with u ~ U[0, 1] drawn per pixel in row-major order (our choice of max).</summary>
public sealed class RandomBackgroundGenerator : IVariationGenerator
{
    public string Name => "bg-rand";
    public uint Id => 3;
    public (int Train, int Valid, int Test) Sizes => DigitVariations.Sizes;
    public int Classes => 10;
    public bool NeedsDigits => true;
    public bool NeedsBackgrounds => false;

    public byte Example(ulong seed, VariationSplit split, int index, VariationSources sources, Span<float> pixels)
    {
        var rng = new ExampleRng(seed, Id, split, index);
        var (digit, label) = DigitVariations.Digit(sources, split, index);
        var source = digit.Span;
        for (var i = 0; i < DigitVariations.Pixels; i++)
            pixels[i] = Math.Max(source[i], (float)rng.NextDouble());
        return label;
    }
}

/// <summary><c>bg-img</c>: max(digit, a natural-image patch) (<see cref="DigitVariations.Patch"/>).</summary>
public sealed class ImageBackgroundGenerator : IVariationGenerator
{
    public string Name => "bg-img";
    public uint Id => 4;
    public (int Train, int Valid, int Test) Sizes => DigitVariations.Sizes;
    public int Classes => 10;
    public bool NeedsDigits => true;
    public bool NeedsBackgrounds => true;

    public byte Example(ulong seed, VariationSplit split, int index, VariationSources sources, Span<float> pixels)
    {
        var rng = new ExampleRng(seed, Id, split, index);
        var (digit, label) = DigitVariations.Digit(sources, split, index);
        DigitVariations.Patch(ref rng, sources.Backgrounds, pixels);
        DigitVariations.MaxInto(pixels, digit.Span);
        return label;
    }
}

/// <summary><c>bg-img-rot</c>: the digit rotated as in <c>rot</c> (θ is the example's first draw), then over a patch as in <c>bg-img</c>.</summary>
public sealed class RotatedImageBackgroundGenerator : IVariationGenerator
{
    public string Name => "bg-img-rot";
    public uint Id => 5;
    public (int Train, int Valid, int Test) Sizes => DigitVariations.Sizes;
    public int Classes => 10;
    public bool NeedsDigits => true;
    public bool NeedsBackgrounds => true;

    public byte Example(ulong seed, VariationSplit split, int index, VariationSources sources, Span<float> pixels)
    {
        var rng = new ExampleRng(seed, Id, split, index);
        var (digit, label) = DigitVariations.Digit(sources, split, index);
        Span<float> rotated = stackalloc float[DigitVariations.Pixels];
        DigitVariations.Rotate(digit.Span, rng.Uniform(0, 2 * Math.PI), rotated);
        DigitVariations.Patch(ref rng, sources.Backgrounds, pixels);
        DigitVariations.MaxInto(pixels, rotated);
        return label;
    }
}
