namespace ILGPUAE.Tests.Data;

using ILGPUAE.Data.Variations;

public class ConvexGeneratorTests() : ShapeGeneratorTests(TheGenerator, "convex", (6000, 2000, 50000),
    ["28592b73c4e02b58fad12a279c310ba466c384abfda2e243ea80fb1eb0f9380f",
     "b579120fbf3f5db145b92c98d626ec0acbde10f0baa5174096075a324bff4477",
     "96b2ba7aa79949713e41511f3ae9a92551f3d488b68218936a2e77db594430dc"],
    (VariationSplit.Train, 200))
{
    private static readonly ConvexGenerator TheGenerator = new();

    [Fact]
    public void LabelIsWhetherTheImageIsDigitallyConvex()
    {
        foreach (var split in Enum.GetValues<VariationSplit>())
        {
            var (pixels, labels) = GeneratedExamples.Make(TheGenerator, seed: 5, split, count: 300);
            for (var i = 0; i < labels.Length; i++)
            {
                var image = pixels.AsSpan(i * 784, 784);
                Assert.All(image.ToArray(), v => Assert.True(v is 0f or 1f));
                var white = image.ToArray().Count(v => v == 1f);
                Assert.True(white >= (labels[i] == 1 ? 19 : 20), $"{split} {i}: {white} white pixels");
                Assert.True(IsDigitallyConvex(image) == (labels[i] == 1), $"{split} {i}: label {labels[i]}");
            }
        }
    }

    [Fact]
    public void ClassesAreBalancedInCountAndInMeanWhitePixels()
    {
        var (pixels, labels) = GeneratedExamples.Make(TheGenerator, seed: 9, VariationSplit.Test, count: 3000, parallel: true);
        var ones = labels.Count(l => l == 1);
        // 3000 fair coins: ±0.03 is more than 3 standard deviations (0.009).
        Assert.InRange(ones / 3000.0, 0.47, 0.53);
        var mean = new double[2];
        for (var i = 0; i < labels.Length; i++)
            mean[labels[i]] += pixels.AsSpan(i * 784, 784).ToArray().Sum();
        mean[0] /= labels.Length - ones;
        mean[1] /= ones;
        Assert.True(Math.Abs(mean[0] - mean[1]) < 0.1 * mean[1], $"mean white pixels: non-convex {mean[0]:F1}, convex {mean[1]:F1}");

        // Without the balancing draw the non-convex shapes would be far larger: the pilot's own histograms say so.
        var balance = ConvexGenerator.PixelCountBalance.Pilot;
        double PilotMean(IReadOnlyList<long> bins) =>
            bins.Select((n, b) => n * (b + 0.5) * ConvexGenerator.PixelCountBalance.BinWidth).Sum() / bins.Sum();
        Assert.True(PilotMean(balance.NonConvexCounts) > 1.3 * PilotMean(balance.ConvexCounts),
            $"pilot means: non-convex {PilotMean(balance.NonConvexCounts):F1}, convex {PilotMean(balance.ConvexCounts):F1}");
        Assert.Equal(ConvexGenerator.PilotSize, balance.ConvexCounts.Sum());
        Assert.Equal(ConvexGenerator.PilotSize, balance.NonConvexCounts.Sum());
    }

    [Theory]
    // An L: (0,0)–(2,2) passes the black (1,1).
    [InlineData(true, false, "X..", "X..", "XXX")]
    // Two white pixels two apart in a row, in a column, on a diagonal, on a (1, 2) line.
    [InlineData(true, false, "X.X")]
    [InlineData(true, false, "X", ".", "X")]
    [InlineData(true, false, "X..", "...", "..X")]
    [InlineData(true, false, "X....", ".....", "....X")]
    // Filled and diagonal shapes without a black pixel between two white ones.
    [InlineData(false, true, "XXX", "XXX", "XXX")]
    [InlineData(false, true, ".X.", "XXX", ".X.")]
    [InlineData(false, true, "X..", ".X.", "..X")]
    [InlineData(false, true, "X.", "..", ".X")]
    [InlineData(false, true, "X")]
    // What a pairwise test cannot see: the hull of (0,0), (2,1), (1,2) holds the black (1,1), but no segment between two of
    // them passes through a pixel centre. The generator never labels such a shape: it is no union of pieces it keeps
    // (it passes the test) and no digitised convex set (those are digitally convex).
    [InlineData(false, false, "X..", "..X", ".X.")]
    public void HasGapFindsABlackPixelOnASegmentBetweenTwoWhiteOnes(bool gap, bool digitallyConvex, params string[] picture)
    {
        Span<uint> rows = stackalloc uint[28];
        // Placed away from the corner, so bounding boxes that do not start at 0 are exercised.
        for (var r = 0; r < picture.Length; r++)
            for (var c = 0; c < picture[r].Length; c++)
                if (picture[r][c] == 'X')
                    rows[r + 5] |= 1u << (c + 9);
        Assert.Equal(gap, ConvexGenerator.HasGap(rows));
        Assert.Equal(digitallyConvex, IsDigitallyConvex(Image(rows)));
    }

    private static float[] Image(ReadOnlySpan<uint> rows)
    {
        var image = new float[784];
        for (var r = 0; r < 28; r++)
            for (var c = 0; c < 28; c++)
                image[r * 28 + c] = (rows[r] >> c) & 1;
        return image;
    }

    /// <summary>
    /// Whether the white pixel centres are exactly the lattice points in their convex hull (digital convexity), by a monotone
    /// chain hull in integers: independent of the generator's pairwise line walk.
    /// </summary>
    private static bool IsDigitallyConvex(ReadOnlySpan<float> image)
    {
        var points = new List<(long X, long Y)>();
        for (var r = 0; r < 28; r++)
            for (var c = 0; c < 28; c++)
                if (image[r * 28 + c] != 0)
                    points.Add((c, r));
        if (points.Count <= 1)
            return true;
        points.Sort();
        static long Cross((long X, long Y) o, (long X, long Y) a, (long X, long Y) b) => (a.X - o.X) * (b.Y - o.Y) - (a.Y - o.Y) * (b.X - o.X);
        var hull = new List<(long X, long Y)>();
        foreach (var pass in new[] { points, Enumerable.Reverse(points).ToList() })
        {
            var start = hull.Count;
            foreach (var p in pass)
            {
                while (hull.Count >= start + 2 && Cross(hull[^2], hull[^1], p) <= 0)
                    hull.RemoveAt(hull.Count - 1);
                hull.Add(p);
            }
            hull.RemoveAt(hull.Count - 1);
        }
        bool InHull((long X, long Y) q)
        {
            if (hull.Count == 1)
                return q == hull[0];
            if (hull.Count == 2)
                return Cross(hull[0], hull[1], q) == 0
                    && q.X >= Math.Min(hull[0].X, hull[1].X) && q.X <= Math.Max(hull[0].X, hull[1].X)
                    && q.Y >= Math.Min(hull[0].Y, hull[1].Y) && q.Y <= Math.Max(hull[0].Y, hull[1].Y);
            for (var i = 0; i < hull.Count; i++)
                if (Cross(hull[i], hull[(i + 1) % hull.Count], q) < 0)
                    return false;
            return true;
        }
        for (var r = 0; r < 28; r++)
            for (var c = 0; c < 28; c++)
                if (image[r * 28 + c] == 0 && InHull((c, r)))
                    return false;
        return true;
    }
}
