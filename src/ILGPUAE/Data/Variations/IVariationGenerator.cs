namespace ILGPUAE.Data.Variations;

/// <summary>The three splits of a generated benchmark set (Larochelle et al. 2007's train / valid / test).</summary>
public enum VariationSplit : uint
{
    Train = 0,
    Valid = 1,
    Test = 2,
}

/// <summary>A grayscale image in [0, 1], row-major [Height, Width]: a background source for bg-img and rect-img.</summary>
public sealed record GrayImage(string Name, int Width, int Height, float[] Pixels)
{
    public float this[int row, int col] => Pixels[row * Width + col];
}

/// <summary>
/// What a generated set's examples are drawn from besides the seed: MNIST digits for the digit variations (train+valid from
/// MNIST train[0:12000], test from train[12000:60000] + test[0:2000], per ../shared/DATASETS.md) and natural images for the
/// backgrounds. Null members are sources a generator does not need.
/// </summary>
/// <param name="Digits">Each split's source digits in order (28×28 in [0, 1]) and their labels, for generators that use them.</param>
/// <param name="Backgrounds">Grayscale images, for generators that need natural-image patches.</param>
public sealed record VariationSources(Func<VariationSplit, Dataset>? Digits = null, IReadOnlyList<GrayImage>? Backgrounds = null);

/// <summary>
/// One generated benchmark set of square images (28×28 for Larochelle et al. 2007's, 30×30 for Shapes30): its name, split sizes, and a pure function from
/// (seed, split, index) to one example, drawn from <see cref="ExampleRng"/>(seed, <see cref="Id"/>, split, index) alone,
/// so a set is byte-identical for a seed whatever order or thread makes it.
/// </summary>
public interface IVariationGenerator
{
    /// <summary>The name runs use: basic, rot, bg-rand, bg-img, bg-img-rot, rect, rect-img, convex, shapes.</summary>
    string Name { get; }

    /// <summary>A number fixed per set, mixed into every example's generator.</summary>
    uint Id { get; }

    /// <summary>Examples per split: (train, valid, test).</summary>
    (int Train, int Valid, int Test) Sizes { get; }

    /// <summary>Labels run from 0 to Classes − 1 (10 for digits, 2 for rect, rect-img and convex).</summary>
    int Classes { get; }

    /// <summary>Whether it needs <see cref="VariationSources.Digits"/>, <see cref="VariationSources.Backgrounds"/>.</summary>
    bool NeedsDigits { get; }

    bool NeedsBackgrounds { get; }

    /// <summary>Pixels per image side: every example is <see cref="Side"/>×<see cref="Side"/>, one channel.</summary>
    int Side => DigitVariations.Side;

    /// <summary>How outputs name class <paramref name="label"/> (the label itself unless a set has names: "star").</summary>
    string ClassName(int label) => label.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Writes example <paramref name="index"/> of <paramref name="split"/> into <paramref name="pixels"/> [Side·Side] and returns its label.</summary>
    byte Example(ulong seed, VariationSplit split, int index, VariationSources sources, Span<float> pixels);
}
