namespace ILGPUAE.Tests.Data;

using ILGPUAE.Data;
using ILGPUAE.Data.Variations;

/// <summary>
/// Shapes30 (<see cref="ShapesGenerator"/>): the registry's entry, the labels' balance and permutation, every example in [0, 1] with ink,
/// the same bytes whatever the order, and each drawing step checked directly with fixed parameters (outline geometry per class, the
/// gap rule, the blur kernel). The pinned bytes of a made set are in <see cref="ShapesCliTests"/>.
/// </summary>
public class ShapesGeneratorTests
{
    private static readonly ShapesGenerator Generator = new();
    private const int Fine = ShapesGenerator.FineSide;
    private const int Side = ShapesGenerator.ImageSide;

    [Fact]
    public void TheRegisteredSetIsShapes30()
    {
        var generator = VariationGenerators.Of(DatasetKind.Shapes);
        Assert.IsType<ShapesGenerator>(generator);
        Assert.False(((ShapesGenerator)generator).Filled);
        Assert.Equal("shapes", generator.Name);
        Assert.Equal((10000, 2000, 10000), generator.Sizes);
        Assert.Equal(4, generator.Classes);
        Assert.Equal(30, generator.Side);
        Assert.Equal(["circle", "triangle", "rectangle", "star"], Enumerable.Range(0, 4).Select(generator.ClassName));
        Assert.Equal(new ImageShape(1, 30, 30), Datasets.Info(DatasetKind.Shapes).Shape);
        Assert.True(Datasets.TryParse("shapes", out var kind) && kind == DatasetKind.Shapes);
    }

    [Theory]
    [InlineData(VariationSplit.Train, 10000)]
    [InlineData(VariationSplit.Valid, 2000)]
    [InlineData(VariationSplit.Test, 10000)]
    [InlineData(VariationSplit.Train, 1001)]
    public void LabelsAreRoundRobinThenPermutedBySeed(VariationSplit split, int count)
    {
        var labels = ShapesGenerator.Labels(seed: 1, split, count);
        var perClass = Enumerable.Range(0, 4).Select(c => labels.Count(l => l == c)).ToArray();
        Assert.True(perClass.Max() - perClass.Min() <= 1, $"classes {string.Join(", ", perClass)}");
        Assert.Equal(count, perClass.Sum());
        // Permuted: not the round-robin order itself, another order for another seed, the same order for the same seed.
        Assert.NotEqual(Enumerable.Range(0, count).Select(i => (byte)(i % 4)), labels);
        Assert.NotEqual(labels, ShapesGenerator.Labels(seed: 2, split, count));
        Assert.Equal(labels, ShapesGenerator.Labels(seed: 1, split, count));
    }

    [Fact]
    public void EveryExampleIsInTheUnitIntervalWithInkAndTakesItsSplitsLabel()
    {
        foreach (var split in Enum.GetValues<VariationSplit>())
        {
            var (pixels, labels) = GeneratedExamples.Make(Generator, seed: 7, split, count: 200, parallel: true);
            var expected = ShapesGenerator.Labels(7, split, split == VariationSplit.Valid ? 2000 : 10000);
            for (var i = 0; i < labels.Length; i++)
            {
                var image = pixels.AsSpan(i * Side * Side, Side * Side).ToArray();
                Assert.All(image, v => Assert.InRange(v, 0f, 1f));
                Assert.True(image.Max() > 0.1f, $"{split} {i}: brightest pixel {image.Max()}");
                Assert.Equal(expected[i], labels[i]);
            }
        }
    }

    [Fact]
    public void ParallelGenerationGivesTheSameBytesAsSequential()
    {
        var sequential = GeneratedExamples.Make(Generator, seed: 3, VariationSplit.Test, count: 64);
        var parallel = GeneratedExamples.Make(Generator, seed: 3, VariationSplit.Test, count: 64, parallel: true);
        Assert.Equal(sequential.Pixels, parallel.Pixels);
        Assert.Equal(sequential.Labels, parallel.Labels);
        Assert.NotEqual(sequential.Pixels, GeneratedExamples.Make(Generator, seed: 4, VariationSplit.Test, count: 64).Pixels);
    }

    [Fact]
    public void TheGapRuleKeepsAtLeastSixtyPercentOfTheInk()
    {
        Assert.True(ShapesGenerator.KeepsEnoughInk(100, 60));
        Assert.False(ShapesGenerator.KeepsEnoughInk(100, 59));
        Assert.True(ShapesGenerator.KeepsEnoughInk(5, 3));
        Assert.False(ShapesGenerator.KeepsEnoughInk(5, 2));
        Assert.True(ShapesGenerator.KeepsEnoughInk(1400, 1400));
        Assert.False(ShapesGenerator.KeepsEnoughInk(1400, 839));
        Assert.True(ShapesGenerator.KeepsEnoughInk(1400, 840));
    }

    [Fact]
    public void ASectorErasesTheInkInItsDirectionsOnly()
    {
        var circle = ShapeGeometry.Circle(15, 15, 8);
        var ink = new bool[Fine * Fine];
        var total = ShapesGenerator.Rasterize(circle, 2, filled: false, ink);
        var kept = new bool[Fine * Fine];
        // 60° of a ring centred on the sector's apex: a sixth of the ink, up to the samples' discreteness.
        var count = ShapesGenerator.EraseSectors(ink, 15, 15, [new Sector(0.3, Math.PI / 3)], kept);
        Assert.InRange((double)(total - count) / total, 1 / 6.0 - 0.01, 1 / 6.0 + 0.01);
        Assert.Equal(count, kept.Count(k => k));
        for (var i = 0; i < Fine; i++)
            for (var j = 0; j < Fine; j++)
            {
                var angle = Math.Atan2((i + 0.5) / 4 - 15, (j + 0.5) / 4 - 15);
                angle = angle < 0 ? angle + 2 * Math.PI : angle;
                var inSector = angle >= 0.3 + 1e-9 && angle < 0.3 + Math.PI / 3 - 1e-9;
                var onEdge = Math.Abs(angle - 0.3) < 1e-9 || Math.Abs(angle - 0.3 - Math.PI / 3) < 1e-9;
                if (!onEdge)
                    Assert.Equal(ink[i * Fine + j] && !inSector, kept[i * Fine + j]);
            }
        // Two sectors of 60° facing away from each other keep two thirds: enough ink.
        count = ShapesGenerator.EraseSectors(ink, 15, 15, [new Sector(0, Math.PI / 3), new Sector(Math.PI, Math.PI / 3)], kept);
        Assert.InRange((double)count / total, 2 / 3.0 - 0.01, 2 / 3.0 + 0.01);
        Assert.True(ShapesGenerator.KeepsEnoughInk(total, count));
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.73)]
    [InlineData(1.0)]
    [InlineData(1.5)]
    public void TheBlurKernelIsNormalisedWithRadiusCeilingOfThreeSigma(double sigma)
    {
        var kernel = ShapesGenerator.GaussianKernel(sigma);
        var radius = (int)Math.Ceiling(3 * sigma);
        Assert.Equal(2 * radius + 1, kernel.Length);
        Assert.Equal(1.0, kernel.Sum(), 12);
        for (var i = 1; i <= radius; i++)
        {
            Assert.Equal(kernel[radius - i], kernel[radius + i]);
            // Gaussian: neighbouring weights' ratio is exp(−(2i − 1)/(2σ²)).
            Assert.Equal(Math.Exp(-(2.0 * i - 1) / (2 * sigma * sigma)), kernel[radius + i] / kernel[radius + i - 1], 12);
        }

        // An impulse in the middle becomes the kernel's outer product, its mass kept.
        var image = new float[Side * Side];
        image[15 * Side + 15] = 1;
        ShapesGenerator.Blur(image, Side, sigma);
        Assert.Equal(1.0, image.Sum(v => (double)v), 6);
        for (var r = -radius; r <= radius; r++)
            for (var c = -radius; c <= radius; c++)
                Assert.Equal(kernel[r + radius] * kernel[c + radius], image[(15 + r) * Side + 15 + c], 6);
    }

    [Fact]
    public void ACircleHasInkAtItsRadiusAndNoneAtItsCentreUnlessFilled()
    {
        const double cx = 15.2, cy = 14.7, radius = 8, stroke = 2;
        var outline = Draw(ShapeGeometry.Circle(cx, cy, radius), stroke, filled: false);
        var filled = Draw(ShapeGeometry.Circle(cx, cy, radius), stroke, filled: true);
        for (var r = 0; r < Side; r++)
            for (var c = 0; c < Side; c++)
            {
                var off = Math.Sqrt((c + 0.5 - cx) * (c + 0.5 - cx) + (r + 0.5 - cy) * (r + 0.5 - cy)) - radius;
                // Every sample is within 3√2/8 < 0.54 of its pixel's centre.
                if (Math.Abs(off) < stroke / 2 - 0.54)
                    Assert.Equal(1f, outline[r * Side + c]);
                else if (Math.Abs(off) > stroke / 2 + 0.54)
                    Assert.Equal(0f, outline[r * Side + c]);
                if (off < stroke / 2 - 0.54)
                    Assert.Equal(1f, filled[r * Side + c]);
            }
        Assert.Equal(0f, outline[14 * Side + 15]);
        Assert.Equal(1f, filled[14 * Side + 15]);
    }

    [Theory]
    [InlineData(0.0, 0.5)]
    [InlineData(0.3, 0.8)]
    [InlineData(2.0, 1.0)]
    public void ARectanglesInkBoundingBoxIsItsCornersWidenedByHalfTheStroke(double theta, double aspect)
    {
        const double cx = 14.6, cy = 15.3, radius = 10, stroke = 2.2;
        var rectangle = ShapeGeometry.Rectangle(cx, cy, radius, theta, aspect);
        // The corners the doc promises: radius R at θ ± β and θ + π ± β, sides in the ratio a.
        var beta = Math.Atan(aspect);
        double[] angles = [theta - beta, theta + beta, theta + Math.PI - beta, theta + Math.PI + beta];
        for (var k = 0; k < 4; k++)
        {
            Assert.Equal(cx + radius * Math.Cos(angles[k]), rectangle.Vertices[2 * k], 12);
            Assert.Equal(cy + radius * Math.Sin(angles[k]), rectangle.Vertices[2 * k + 1], 12);
        }
        var across = Length(rectangle, 0, 1);
        var along = Length(rectangle, 1, 2);
        Assert.Equal(aspect, across / along, 12);
        AssertInkBoundingBoxIsVerticesWidened(rectangle, stroke);
    }

    [Fact]
    public void ATriangleHasInkAtItsVerticesAndNoneAtItsCentroid()
    {
        const double cx = 15, cy = 15, radius = 10, theta = 0.4, stroke = 1.6;
        double[] jitter = [0.2, -0.25, 0.1], scale = [1, 0.85, 0.9];
        var triangle = ShapeGeometry.Triangle(cx, cy, radius, theta, jitter, scale);
        Assert.Equal(6, triangle.Vertices.Count);
        var ink = new bool[Fine * Fine];
        ShapesGenerator.Rasterize(triangle, stroke, filled: false, ink);
        for (var k = 0; k < 3; k++)
        {
            var angle = theta + 2 * Math.PI * k / 3 + jitter[k];
            Assert.Equal(cx + radius * scale[k] * Math.Cos(angle), triangle.Vertices[2 * k], 12);
            Assert.Equal(cy + radius * scale[k] * Math.Sin(angle), triangle.Vertices[2 * k + 1], 12);
            Assert.True(InkNear(ink, triangle.Vertices[2 * k], triangle.Vertices[2 * k + 1]), $"no ink at vertex {k}");
        }
        var gx = (triangle.Vertices[0] + triangle.Vertices[2] + triangle.Vertices[4]) / 3;
        var gy = (triangle.Vertices[1] + triangle.Vertices[3] + triangle.Vertices[5]) / 3;
        Assert.Equal(0f, Draw(triangle, stroke, filled: false)[(int)gy * Side + (int)gx]);
        AssertInkBoundingBoxIsVerticesWidened(triangle, stroke);
    }

    [Fact]
    public void AStarHasInkAtItsFivePointsAndNoneBetweenThemWhereACircleWouldHave()
    {
        const double cx = 15, cy = 15, radius = 10, theta = 1.1, inner = 0.45, stroke = 2;
        var star = ShapeGeometry.Star(cx, cy, radius, theta, inner);
        Assert.Equal(20, star.Vertices.Count);
        var ink = new bool[Fine * Fine];
        ShapesGenerator.Rasterize(star, stroke, filled: false, ink);
        var circle = new bool[Fine * Fine];
        ShapesGenerator.Rasterize(ShapeGeometry.Circle(cx, cy, 0.9 * radius), stroke, filled: false, circle);
        for (var k = 0; k < 5; k++)
        {
            var point = theta + 2 * Math.PI * k / 5;
            Assert.True(InkNear(ink, cx + radius * Math.Cos(point), cy + radius * Math.Sin(point)), $"no ink at point {k}");
            var between = point + Math.PI / 5;
            Assert.Equal(cx + inner * radius * Math.Cos(between), star.Vertices[4 * k + 2], 12);
            double x = cx + 0.9 * radius * Math.Cos(between), y = cy + 0.9 * radius * Math.Sin(between);
            Assert.False(InkNear(ink, x, y), $"ink between points {k} and {k + 1}");
            Assert.True(InkNear(circle, x, y), "the circle of 0.9 R has ink there");
        }
        Assert.False(InkNear(ink, cx, cy), "ink at the centre");
        AssertInkBoundingBoxIsVerticesWidened(star, stroke);
    }

    [Fact]
    public void RasterizingSkipsOnlyPixelsWithoutInk()
    {
        // The band test skips pixels whose centre is far from the outline; testing every sample must give the same mask.
        ShapeGeometry[] shapes =
        [
            ShapeGeometry.Circle(12.3, 17.9, 6.1),
            ShapeGeometry.Star(15.5, 14.2, 10.7, 0.2, 0.38),
            ShapeGeometry.Triangle(13, 16, 9, 5.9, [0.1, 0.2, -0.2], [0.9, 1, 0.86]),
            ShapeGeometry.Rectangle(16, 15, 7.7, 1.3, 0.55),
        ];
        foreach (var shape in shapes)
            foreach (var filled in new[] { false, true })
            {
                var ink = new bool[Fine * Fine];
                var count = ShapesGenerator.Rasterize(shape, 1.7, filled, ink);
                var expected = new bool[Fine * Fine];
                for (var i = 0; i < Fine; i++)
                    for (var j = 0; j < Fine; j++)
                        expected[i * Fine + j] = shape.Field((j + 0.5) / 4, (i + 0.5) / 4, filled) <= 1.7 / 2;
                Assert.Equal(expected, ink);
                Assert.Equal(expected.Count(e => e), count);
            }
    }

    [Fact]
    public void DownsamplingIsEachPixelsFractionOfInkSamples()
    {
        var ink = new bool[Fine * Fine];
        // Pixel (2, 3) gets 5 of its 16 samples, pixel (29, 29) all 16.
        foreach (var (si, sj) in new[] { (0, 0), (1, 2), (3, 3), (2, 1), (0, 3) })
            ink[(2 * 4 + si) * Fine + 3 * 4 + sj] = true;
        for (var s = 0; s < 16; s++)
            ink[(29 * 4 + s / 4) * Fine + 29 * 4 + s % 4] = true;
        var pixels = new float[Side * Side];
        ShapesGenerator.Downsample(ink, pixels);
        Assert.Equal(5 / 16f, pixels[2 * Side + 3]);
        Assert.Equal(1f, pixels[29 * Side + 29]);
        Assert.Equal(21f / 16, pixels.Sum());
    }

    /// <summary>The shape's downsampled image, no gaps and no blur.</summary>
    private static float[] Draw(ShapeGeometry shape, double stroke, bool filled)
    {
        var ink = new bool[Fine * Fine];
        ShapesGenerator.Rasterize(shape, stroke, filled, ink);
        var pixels = new float[Side * Side];
        ShapesGenerator.Downsample(ink, pixels);
        return pixels;
    }

    /// <summary>Whether a sample within 0.3 px of (x, y) is ink.</summary>
    private static bool InkNear(bool[] ink, double x, double y)
    {
        for (var i = 0; i < Fine; i++)
            for (var j = 0; j < Fine; j++)
            {
                double dx = (j + 0.5) / 4 - x, dy = (i + 0.5) / 4 - y;
                if (ink[i * Fine + j] && dx * dx + dy * dy <= 0.09)
                    return true;
            }
        return false;
    }

    private static double Length(ShapeGeometry shape, int a, int b) =>
        Math.Sqrt(Math.Pow(shape.Vertices[2 * a] - shape.Vertices[2 * b], 2) + Math.Pow(shape.Vertices[2 * a + 1] - shape.Vertices[2 * b + 1], 2));

    /// <summary>
    /// A polygon's stroke reaches half its width h beyond the outline, so its ink spans the vertices' bounding box widened by h: the
    /// outermost ink samples lie inside that box's edges by at most one sample spacing (¼ px), plus, where the extreme is a vertex's
    /// round cap, how far the cap falls back within ⅛ px (half a spacing) of the vertex's row or column: h − √(h² − ⅛²).
    /// </summary>
    private static void AssertInkBoundingBoxIsVerticesWidened(ShapeGeometry shape, double stroke)
    {
        var xs = Enumerable.Range(0, shape.Vertices.Count / 2).Select(k => shape.Vertices[2 * k]).ToArray();
        var ys = Enumerable.Range(0, shape.Vertices.Count / 2).Select(k => shape.Vertices[2 * k + 1]).ToArray();
        var ink = new bool[Fine * Fine];
        ShapesGenerator.Rasterize(shape, stroke, filled: false, ink);
        var at = Enumerable.Range(0, Fine * Fine).Where(s => ink[s]).ToArray();
        var inkX = at.Select(s => (s % Fine + 0.5) / 4).ToArray();
        var inkY = at.Select(s => (s / Fine + 0.5) / 4).ToArray();
        var half = stroke / 2;
        var slack = 0.25 + half - Math.Sqrt(half * half - 0.125 * 0.125);
        Assert.InRange(inkX.Min(), xs.Min() - half, xs.Min() - half + slack);
        Assert.InRange(inkX.Max(), xs.Max() + half - slack, xs.Max() + half);
        Assert.InRange(inkY.Min(), ys.Min() - half, ys.Min() - half + slack);
        Assert.InRange(inkY.Max(), ys.Max() + half - slack, ys.Max() + half);
    }
}
