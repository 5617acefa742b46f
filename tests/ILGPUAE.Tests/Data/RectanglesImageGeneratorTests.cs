namespace ILGPUAE.Tests.Data;

using ILGPUAE.Data.Variations;

public class RectanglesImageGeneratorTests() : ShapeGeneratorTests(TheGenerator, "rect-img", (10000, 2000, 50000),
    ["1e414c081ae8ebf8821a441667422304b5a8c17aa70e5cf79aad2c456a93fe73",
     "5dd8e614d89f9dce3c638eb1a190c8921d26aecc10413d9d1cc946bc867cb291",
     "3a5e110f044f9b761bd3fffd8b4eb153c2b7206c918ed037799528c24d99fff0"],
    (VariationSplit.Valid, 400), Sources)
{
    private static readonly RectanglesImageGenerator TheGenerator = new();

    // Three images of different shapes whose every pixel holds a distinct multiple of 2⁻¹³ (exact in float), so each output
    // pixel tells which image and which pixel of it it came from.
    private static readonly (int Width, int Height)[] Shapes = [(50, 40), (28, 28), (33, 60)];
    private const float Step = 1f / 8192;

    private static readonly VariationSources Sources = new(Backgrounds: [.. Shapes.Select((shape, k) =>
        new GrayImage($"coded{k}", shape.Width, shape.Height,
            [.. Enumerable.Range(0, shape.Width * shape.Height).Select(p => (Offset(k) + p) * Step)]))]);

    private static int Offset(int image) => Shapes.Take(image).Sum(s => s.Width * s.Height);

    /// <summary>The (image, row, column) pixel value <paramref name="value"/> was copied from.</summary>
    private static (int Image, int Row, int Col) Decode(float value)
    {
        var code = (int)Math.Round(value / Step);
        var image = Shapes.Length - 1;
        while (Offset(image) > code)
            image--;
        var within = code - Offset(image);
        return (image, within / Shapes[image].Width, within % Shapes[image].Width);
    }

    [Fact]
    public void EveryExampleIsTwoPatchesSplitByARectangleOfTheStandardSizesAndItsLabelIsWhetherItIsTall()
    {
        var tall = 0;
        foreach (var split in Enum.GetValues<VariationSplit>())
        {
            var (pixels, labels) = GeneratedExamples.Make(TheGenerator, seed: 11, split, count: 200, Sources);
            for (var i = 0; i < labels.Length; i++)
            {
                // Each output pixel's patch: its source image and the patch's top-left corner there.
                var patchOf = new (int Image, int Top, int Left)[28 * 28];
                for (var r = 0; r < 28; r++)
                    for (var c = 0; c < 28; c++)
                    {
                        var (image, row, col) = Decode(pixels[i * 784 + r * 28 + c]);
                        patchOf[r * 28 + c] = (image, row - r, col - c);
                        Assert.InRange(row - r, 0, Shapes[image].Height - 28);
                        Assert.InRange(col - c, 0, Shapes[image].Width - 28);
                    }
                var patches = patchOf.Distinct().ToArray();
                Assert.True(patches.Length == 2, $"{split} {i}: {patches.Length} patches, expected an inside and an outside");
                // The inside is the patch whose pixels fill their bounding box exactly; where both do (a rectangle as wide or
                // as tall as the image), either one is a valid inside and both give the same label.
                var rectangles = patches.Select(patch =>
                {
                    var cells = Enumerable.Range(0, 784).Where(p => patchOf[p] == patch).ToArray();
                    var (top, bottom) = (cells.Min(p => p / 28), cells.Max(p => p / 28));
                    var (left, right) = (cells.Min(p => p % 28), cells.Max(p => p % 28));
                    var (h, w) = (bottom - top + 1, right - left + 1);
                    return (Filled: cells.Length == h * w, H: h, W: w);
                }).Where(x => x.Filled).ToArray();
                // A rectangle as wide as the image leaves a strip of the other patch above or below it: a rectangle too,
                // of the same orientation, but it need not meet the size rules.
                Assert.True(rectangles.Any(x => x.H >= 10 && x.W >= 10 && Math.Abs(x.H - x.W) >= 5 && x.H * x.W is >= 196 and <= 588),
                    $"{split} {i}: no patch is a rectangle of the rules: {string.Join(", ", rectangles.Select(x => $"{x.H}×{x.W}"))}");
                Assert.All(rectangles, x => Assert.Equal(x.H > x.W ? 1 : 0, labels[i]));
                tall += labels[i];
            }
        }
        Assert.InRange(tall / 600.0, 0.43, 0.57);
    }

    [Fact]
    public void ClassesAreBalanced()
    {
        var (_, labels) = GeneratedExamples.Make(TheGenerator, seed: 1, VariationSplit.Train, count: 2000, Sources);
        // 2000 fair coins: ±0.04 is more than 3.5 standard deviations (0.011).
        Assert.InRange(labels.Count(l => l == 1) / 2000.0, 0.46, 0.54);
    }

    [Fact]
    public void MissingOrTooSmallBackgroundsAreRefused()
    {
        var pixels = new float[784];
        var none = Assert.Throws<ArgumentException>(() => TheGenerator.Example(1, VariationSplit.Train, 0, new VariationSources(), pixels));
        Assert.Contains("at least one background image", none.Message);
        var small = new VariationSources(Backgrounds: [new GrayImage("tiny", 27, 40, new float[27 * 40])]);
        var tooSmall = Assert.Throws<ArgumentException>(() => TheGenerator.Example(1, VariationSplit.Train, 0, small, pixels));
        Assert.Contains("tiny is 27×40, expected at least 28×28", tooSmall.Message);
    }
}
