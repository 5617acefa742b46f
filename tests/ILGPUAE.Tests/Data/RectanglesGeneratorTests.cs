namespace ILGPUAE.Tests.Data;

using ILGPUAE.Data.Variations;

public class RectanglesGeneratorTests() : ShapeGeneratorTests(TheGenerator, "rect", (1000, 200, 50000),
    ["b33c274f75444a85e1fa1f70b6d1b3b156dc9598b761a1890f2285c48924697b",
     "de422591808cef8622c0b3984e57b75f4ff139360a542151caf347ac0f206ee7",
     "092d2f802cfc608fac2805e51bd995f299f79173e4f32e9c4444062cf9d69a48"],
    (VariationSplit.Test, 500))
{
    private static readonly RectanglesGenerator TheGenerator = new();

    [Fact]
    public void EveryExampleIsAOnePixelOutlineAndItsLabelIsWhetherItIsTall()
    {
        var tall = 0;
        foreach (var split in Enum.GetValues<VariationSplit>())
        {
            var (pixels, labels) = GeneratedExamples.Make(TheGenerator, seed: 7, split, count: 400);
            for (var i = 0; i < labels.Length; i++)
            {
                var image = pixels.AsSpan(i * GeneratedExamples.Pixels, GeneratedExamples.Pixels);
                // The rectangle as the image shows it: the bounding box of its white pixels.
                int top = 28, bottom = -1, left = 28, right = -1;
                for (var r = 0; r < 28; r++)
                    for (var c = 0; c < 28; c++)
                        if (image[r * 28 + c] != 0)
                            (top, bottom, left, right) = (Math.Min(top, r), Math.Max(bottom, r), Math.Min(left, c), Math.Max(right, c));
                Assert.True(bottom >= 0, $"{split} {i}: no white pixel");
                var (h, w) = (bottom - top + 1, right - left + 1);
                for (var r = 0; r < 28; r++)
                    for (var c = 0; c < 28; c++)
                    {
                        var border = r >= top && r <= bottom && c >= left && c <= right && (r == top || r == bottom || c == left || c == right);
                        Assert.True(image[r * 28 + c] == (border ? 1f : 0f), $"{split} {i}: pixel ({r}, {c}) is {image[r * 28 + c]}, {h}×{w} at ({top}, {left})");
                    }
                Assert.True(Math.Abs(h - w) >= 3, $"{split} {i}: {h}×{w}");
                Assert.Equal(h > w ? 1 : 0, labels[i]);
                tall += labels[i];
            }
        }
        // Both kinds, and every size: tall ones are as likely as wide ones.
        Assert.InRange(tall / 1200.0, 0.45, 0.55);
    }

    [Fact]
    public void ClassesAreBalancedOverTheTrainingSplit()
    {
        var (_, labels) = GeneratedExamples.Make(TheGenerator, seed: 1, VariationSplit.Train, TheGenerator.Sizes.Train);
        // 1000 fair coins: ±0.05 is more than 3 standard deviations (0.016).
        Assert.InRange(labels.Count(l => l == 1) / 1000.0, 0.45, 0.55);
    }

    [Fact]
    public void SeedsAndSplitsDrawDifferentExamples()
    {
        var a = GeneratedExamples.Make(TheGenerator, seed: 1, VariationSplit.Train, count: 50).Pixels;
        Assert.NotEqual(a, GeneratedExamples.Make(TheGenerator, seed: 2, VariationSplit.Train, count: 50).Pixels);
        Assert.NotEqual(a, GeneratedExamples.Make(TheGenerator, seed: 1, VariationSplit.Valid, count: 50).Pixels);
    }
}
