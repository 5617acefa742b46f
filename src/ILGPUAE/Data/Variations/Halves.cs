namespace ILGPUAE.Data.Variations;

/// <summary>
/// The ANAMO note's synthetic set (../shared/DATASETS.md, "ANAMO comparison data"): 100 training and 10 test 10×10 grayscale
/// images, x[r, c] ~ U[0.6, 1.0] for columns c &lt; 5 (a brighter left half) and U[0.0, 0.4] for c ≥ 5, independent per pixel,
/// seed 42. Example i of a split is drawn from <see cref="ExampleRng"/>(seed, <see cref="Id"/>, split, i) alone, pixel by pixel
/// in row-major order, and kept as the float nearest the double draw: the same seed gives the same bytes on every machine. So
/// small that it is made in memory whenever a run names it (no file, nothing to fetch); one class, label 0.
/// </summary>
public static class Halves
{
    public const string Name = "halves";
    public const int Side = 10, TrainCount = 100, TestCount = 10;
    public const ulong DefaultSeed = 42;

    /// <summary>Mixed into every example's generator, as <see cref="IVariationGenerator.Id"/> is for the other generated sets.</summary>
    public const uint Id = 0x4A11;

    public static readonly ImageShape Shape = new(1, Side, Side);

    /// <summary>Example <paramref name="index"/> of <paramref name="split"/> into <paramref name="pixels"/> [100].</summary>
    public static void Example(ulong seed, VariationSplit split, int index, Span<float> pixels)
    {
        var rng = new ExampleRng(seed, Id, split, index);
        for (var r = 0; r < Side; r++)
            for (var c = 0; c < Side; c++)
                pixels[r * Side + c] = (float)(c < Side / 2 ? rng.Uniform(0.6, 1.0) : rng.Uniform(0.0, 0.4));
    }

    /// <summary>The <paramref name="count"/> examples of <paramref name="split"/>, [count, 100] row-major.</summary>
    public static float[] Examples(ulong seed, VariationSplit split, int count)
    {
        var pixels = new float[count * Side * Side];
        for (var i = 0; i < count; i++)
            Example(seed, split, i, pixels.AsSpan(i * Side * Side, Side * Side));
        return pixels;
    }

    /// <summary>The set for <paramref name="seed"/>: 100 training images (no validation split) and 10 test images.</summary>
    public static DatasetSplits Load(DatasetInfo info, ulong seed = DefaultSeed)
    {
        var train = new Dataset($"{Name}-train", TrainCount, Shape, Examples(seed, VariationSplit.Train, TrainCount), new byte[TrainCount]);
        var test = new Dataset($"{Name}-test", TestCount, Shape, Examples(seed, VariationSplit.Test, TestCount), new byte[TestCount]);
        return new DatasetSplits(info, train, 0, test);
    }
}
