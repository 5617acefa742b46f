using System.Collections.Concurrent;

namespace ILGPUAE.Data.Variations;

/// <summary>The four classes of Shapes30, by label.</summary>
public enum ShapeClass : byte
{
    Circle = 0,
    Triangle = 1,
    Rectangle = 2,
    Star = 3,
}

/// <summary>
/// <c>shapes</c>, Shapes30 (issue 16; ../shared/DATASETS.md, section "Shapes30"): 30×30 grayscale images in [0, 1] of one outlined
/// circle, triangle, rectangle or star (labels 0–3) on black, at a random position, size and orientation, with 0–2 sectors erased
/// and a Gaussian blur. Splits 10000 / 2000 / 10000 (train / valid / test). The spec, as it fixes it:
/// <list type="bullet">
/// <item>Classes round-robin, then permuted by the seed (<see cref="Labels"/>). Outer radius R ~ U[5, 11], centre ~ U[R + 1, 29 − R]²,
/// rotation θ ~ U[0, 2π) (drawn for circles too).</item>
/// <item>Triangle: vertices at θ + {0, 2π/3, 4π/3}, each angle jittered by U[−0.25, 0.25] rad, each radius R·U[0.85, 1]. Rectangle:
/// aspect a ~ U[0.5, 1]. Star: 5 points, inner radius R·U[0.38, 0.5].</item>
/// <item>Outline stroke width w ~ U[1.5, 2.5] px, drawn at 4× supersampling (a 120×120 coverage mask) then box-downsampled (each
/// pixel the fraction of its 16 samples that are ink).</item>
/// <item>Gaps g ∈ {0, 1, 2} with probabilities 0.2 / 0.5 / 0.3, each erasing a sector of width U[20°, 60°]; drawn again when less
/// than 60 % of the ink remains (<see cref="KeepsEnoughInk"/>).</item>
/// <item>Gaussian blur, σ ~ U[0.5, 1.5], kernel radius ⌈3σ⌉ (<see cref="GaussianKernel"/>).</item>
/// </list>
/// <para>Choices the spec leaves open, ours:</para>
/// <list type="bullet">
/// <item>Coordinates are in output pixels, x along columns and y along rows (down): the image covers [0, 30)², pixel (r, c) is the
/// square [c, c + 1) × [r, r + 1), and supersample (i, j) of the 120×120 mask is the point ((j + ½)/4, (i + ½)/4). The centre's
/// x then y are drawn from U[R + 1, 29 − R]. A point at angle φ and radius ρ from the centre is (cx + ρ·cos φ, cy + ρ·sin φ).</item>
/// <item>"Outer radius" R: the circle's radius; the triangle's and star's vertex radius (before the triangle's × U[0.85, 1]); the
/// rectangle's half-diagonal: corners at θ ± β and θ + π ± β with β = atan a, so its sides are 2R·cos β (along θ) and 2R·sin β,
/// their ratio a. The star's 10 vertices alternate R and the inner radius, at θ + k·π/5.</item>
/// <item>A sample is ink when its distance to the ideal outline is at most w/2 (the stroke is centred on it); in the filled variant
/// (<see cref="ShapesGenerator(bool)"/>, off in the registered set) also when it lies inside the shape.</item>
/// <item>A gap is the sector of directions [φ, φ + width) about the shape's centre, φ ~ U[0, 2π); it erases the ink samples in it (gaps
/// may overlap). "Ink" for the 60 % rule is the count of ink samples of the 120×120 mask before the blur. A redraw draws all g sectors
/// again (the shape stays). Redraws are rare (14 in 20 000 random two-gap draws kept less than 60 %, the least 56 %: both sectors
/// over a star's or triangle's ink), so after <see cref="MaxGapDraws"/> failed draws, which never happens, the example keeps no gap.</item>
/// <item>The blur is separable, in double, with zeros outside the image; the kernel's weights exp(−i²/2σ²), i = −⌈3σ⌉ … ⌈3σ⌉, are
/// divided by their sum. Values stay in [0, 1].</item>
/// <item>Draw order from the example's <see cref="ExampleRng"/>: R, cx, cy, θ; the class's own draws (triangle: per vertex the angle
/// jitter then the radius factor; rectangle: a; star: the inner ratio; circle: none); w; σ; the gap count (one uniform u: 0 when
/// u &lt; 0.2, 1 when u &lt; 0.7, else 2); then per gap draw, per sector, φ then its width.</item>
/// <item>The labels of a split are i mod 4 for i in [0, split size), shuffled by Fisher–Yates from the stream of index −1 of
/// (seed, split) (no example has that index); example i takes label i. So each class has exactly a quarter of every full split, and a
/// set made with a limit takes the first examples of the full set (its classes balanced only about).</item>
/// </list>
/// Each example is a pure function of (seed, split, index) computed in IEEE double, one example per thread with no shared sums, so a
/// seed gives the same bytes whatever order or thread makes the examples (Math.SinCos, Math.Atan and Math.Exp are the only library
/// calls besides the exactly rounded Math.Sqrt: the same bytes on one machine, possibly not across runtimes' math libraries).
/// </summary>
public sealed class ShapesGenerator(bool filled = false) : IVariationGenerator
{
    /// <summary>Pixels per image side.</summary>
    public const int ImageSide = 30;

    /// <summary>Samples per pixel side.</summary>
    public const int Supersampling = 4;

    /// <summary>The coverage mask's side: <see cref="ImageSide"/>·<see cref="Supersampling"/>.</summary>
    public const int FineSide = ImageSide * Supersampling;

    public const int ClassCount = 4;

    private const uint SetId = 30;

    /// <summary>The least fraction of the ink the gaps must leave, as a ratio 3/5 (integers, so the rule is exact).</summary>
    public const int KeptInkNumerator = 3, KeptInkDenominator = 5;

    /// <summary>Gap draws before an example gives up its gaps.</summary>
    public const int MaxGapDraws = 100;

    /// <summary>
    /// Half a pixel's diagonal bounds how far a sample lies from its pixel's centre (3√2/8 ≈ 0.53); a pixel whose centre is further than
    /// w/2 + this from the outline has no ink sample, as the distance changes by at most the distance moved. Above 0.53 so rounding
    /// cannot skip a pixel with ink.
    /// </summary>
    private const double BandMargin = 0.6;

    /// <summary>The split sizes: 10000 / 2000 / 10000.</summary>
    public static readonly (int Train, int Valid, int Test) SplitSizes = (10000, 2000, 10000);

    private static readonly string[] Names = ["circle", "triangle", "rectangle", "star"];

    // Each (seed, split)'s shuffled labels, made once per process: every example of a split needs the whole permutation.
    private readonly ConcurrentDictionary<(ulong Seed, VariationSplit Split), byte[]> labels = new();

    public string Name => "shapes";

    public uint Id => SetId;

    public (int Train, int Valid, int Test) Sizes => SplitSizes;

    public int Classes => ClassCount;

    public int Side => ImageSide;

    public bool NeedsDigits => false;

    public bool NeedsBackgrounds => false;

    /// <summary>Whether shapes are filled as well as outlined (off in the registered set).</summary>
    public bool Filled => filled;

    public string ClassName(int label) => Names[label];

    public byte Example(ulong seed, VariationSplit split, int index, VariationSources sources, Span<float> pixels)
    {
        if (pixels.Length != ImageSide * ImageSide)
            throw new ArgumentException($"pixels has {pixels.Length} elements, expected {ImageSide * ImageSide}", nameof(pixels));
        var splitLabels = labels.GetOrAdd((seed, split), key => Labels(key.Seed, key.Split, SplitSize(key.Split)));
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, splitLabels.Length);
        var label = (ShapeClass)splitLabels[index];

        var rng = new ExampleRng(seed, Id, split, index);
        var shape = DrawShape(ref rng, label);
        var stroke = rng.Uniform(1.5, 2.5);
        var sigma = rng.Uniform(0.5, 1.5);
        var u = rng.NextDouble();
        var gaps = u < 0.2 ? 0 : u < 0.7 ? 1 : 2;

        Span<bool> ink = stackalloc bool[FineSide * FineSide];
        Span<bool> kept = stackalloc bool[FineSide * FineSide];
        var inkCount = Rasterize(shape, stroke, filled, ink);
        Span<Sector> sectors = stackalloc Sector[gaps];
        var keptCount = inkCount;
        ink.CopyTo(kept);
        for (var draw = 0; gaps > 0 && draw < MaxGapDraws; draw++)
        {
            for (var g = 0; g < gaps; g++)
                sectors[g] = new Sector(rng.Uniform(0, 2 * Math.PI), rng.Uniform(20, 60) * Math.PI / 180);
            keptCount = EraseSectors(ink, shape.CentreX, shape.CentreY, sectors, kept);
            if (KeepsEnoughInk(inkCount, keptCount))
                break;
            ink.CopyTo(kept);
            keptCount = inkCount;
        }
        Downsample(kept, pixels);
        Blur(pixels, ImageSide, sigma);
        return (byte)label;
    }

    private int SplitSize(VariationSplit split) => split switch
    {
        VariationSplit.Train => SplitSizes.Train,
        VariationSplit.Valid => SplitSizes.Valid,
        VariationSplit.Test => SplitSizes.Test,
        _ => throw new ArgumentOutOfRangeException(nameof(split), split, "not a split"),
    };

    /// <summary>R, centre, θ and the class's own draws, in the documented order.</summary>
    private static ShapeGeometry DrawShape(ref ExampleRng rng, ShapeClass shape)
    {
        var radius = rng.Uniform(5, 11);
        var cx = rng.Uniform(radius + 1, ImageSide - 1 - radius);
        var cy = rng.Uniform(radius + 1, ImageSide - 1 - radius);
        var theta = rng.Uniform(0, 2 * Math.PI);
        switch (shape)
        {
            case ShapeClass.Circle:
                return ShapeGeometry.Circle(cx, cy, radius);
            case ShapeClass.Triangle:
                Span<double> jitter = stackalloc double[3];
                Span<double> scale = stackalloc double[3];
                for (var k = 0; k < 3; k++)
                {
                    jitter[k] = rng.Uniform(-0.25, 0.25);
                    scale[k] = rng.Uniform(0.85, 1);
                }
                return ShapeGeometry.Triangle(cx, cy, radius, theta, jitter, scale);
            case ShapeClass.Rectangle:
                return ShapeGeometry.Rectangle(cx, cy, radius, theta, rng.Uniform(0.5, 1));
            case ShapeClass.Star:
                return ShapeGeometry.Star(cx, cy, radius, theta, rng.Uniform(0.38, 0.5));
            default:
                throw new ArgumentOutOfRangeException(nameof(shape), shape, "not a shape class");
        }
    }

    /// <summary>
    /// The labels of a split of <paramref name="count"/> examples: i mod 4, shuffled by Fisher–Yates from (seed, split)'s stream of
    /// index −1. Every class has ⌊count/4⌋ or ⌈count/4⌉ of them.
    /// </summary>
    public static byte[] Labels(ulong seed, VariationSplit split, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var result = new byte[count];
        for (var i = 0; i < count; i++)
            result[i] = (byte)(i % ClassCount);
        var rng = new ExampleRng(seed, SetId, split, -1);
        for (var i = count - 1; i > 0; i--)
        {
            var j = rng.NextInt(i + 1);
            (result[i], result[j]) = (result[j], result[i]);
        }
        return result;
    }

    /// <summary>
    /// The ink mask of <paramref name="shape"/> with stroke <paramref name="strokeWidth"/> into <paramref name="ink"/>
    /// [<see cref="FineSide"/>, <see cref="FineSide"/>] (sample (i, j) at ((j + ½)/4, (i + ½)/4)): a sample is ink when its distance
    /// to the outline is at most strokeWidth/2, or when <paramref name="filled"/> and it lies inside. Returns the ink samples' count.
    /// </summary>
    public static int Rasterize(ShapeGeometry shape, double strokeWidth, bool filled, Span<bool> ink)
    {
        if (ink.Length != FineSide * FineSide)
            throw new ArgumentException($"ink has {ink.Length} elements, expected {FineSide * FineSide} ({FineSide}×{FineSide})", nameof(ink));
        ink.Clear();
        var half = strokeWidth / 2;
        var band = half + BandMargin;
        // Every outline point lies within Reach of the centre, so a point at distance ρ from it is at least ρ − Reach from the outline.
        var reach = shape.Reach + band;
        var count = 0;
        for (var r = 0; r < ImageSide; r++)
        {
            var dy = r + 0.5 - shape.CentreY;
            for (var c = 0; c < ImageSide; c++)
            {
                var dx = c + 0.5 - shape.CentreX;
                // The field (distance, or signed distance when filled) moves by at most the distance moved: a pixel whose centre is
                // beyond the band has no ink sample.
                if (dx * dx + dy * dy > reach * reach || shape.Field(c + 0.5, r + 0.5, filled) > band)
                    continue;
                for (var si = 0; si < Supersampling; si++)
                {
                    var i = r * Supersampling + si;
                    var y = (i + 0.5) / Supersampling;
                    for (var sj = 0; sj < Supersampling; sj++)
                    {
                        var j = c * Supersampling + sj;
                        if (shape.Field((j + 0.5) / Supersampling, y, filled) <= half)
                        {
                            ink[i * FineSide + j] = true;
                            count++;
                        }
                    }
                }
            }
        }
        return count;
    }

    /// <summary>
    /// <paramref name="ink"/> less the samples whose direction from (<paramref name="cx"/>, <paramref name="cy"/>) lies in one of
    /// <paramref name="sectors"/>, into <paramref name="kept"/> (both [FineSide, FineSide]); returns the kept ink count. A sector of
    /// width below π holds direction v when Start ≤ angle(v) &lt; Start + Width, tested by the signs of two cross products.
    /// </summary>
    public static int EraseSectors(ReadOnlySpan<bool> ink, double cx, double cy, ReadOnlySpan<Sector> sectors, Span<bool> kept)
    {
        if (ink.Length != FineSide * FineSide || kept.Length != ink.Length)
            throw new ArgumentException($"ink has {ink.Length} and kept {kept.Length} elements, expected {FineSide * FineSide} each");
        Span<(double Sx, double Sy, double Ex, double Ey)> edges = stackalloc (double, double, double, double)[sectors.Length];
        for (var s = 0; s < sectors.Length; s++)
        {
            if (!(sectors[s].Width is > 0 and < Math.PI))
                throw new ArgumentOutOfRangeException(nameof(sectors), sectors[s].Width, "a sector's width must be in (0, π)");
            var (startSin, startCos) = Math.SinCos(sectors[s].Start);
            var (endSin, endCos) = Math.SinCos(sectors[s].Start + sectors[s].Width);
            edges[s] = (startCos, startSin, endCos, endSin);
        }
        var count = 0;
        for (var i = 0; i < FineSide; i++)
        {
            var dy = (i + 0.5) / Supersampling - cy;
            for (var j = 0; j < FineSide; j++)
            {
                var at = i * FineSide + j;
                var keep = ink[at];
                if (keep)
                {
                    var dx = (j + 0.5) / Supersampling - cx;
                    foreach (var (sx, sy, ex, ey) in edges)
                    {
                        // sin(angle − start) ≥ 0 and sin(angle − end) < 0: within [start, start + width) for width < π.
                        if (sx * dy - sy * dx >= 0 && ex * dy - ey * dx < 0)
                        {
                            keep = false;
                            break;
                        }
                    }
                }
                kept[at] = keep;
                count += keep ? 1 : 0;
            }
        }
        return count;
    }

    /// <summary>The gap rule: whether <paramref name="kept"/> ink samples are at least 60 % of <paramref name="before"/>.</summary>
    public static bool KeepsEnoughInk(int before, int kept) =>
        (long)kept * KeptInkDenominator >= (long)before * KeptInkNumerator;

    /// <summary>Each pixel of <paramref name="pixels"/> [30, 30] is the fraction of its 4×4 samples of <paramref name="ink"/> that are ink.</summary>
    public static void Downsample(ReadOnlySpan<bool> ink, Span<float> pixels)
    {
        if (ink.Length != FineSide * FineSide || pixels.Length != ImageSide * ImageSide)
            throw new ArgumentException($"ink has {ink.Length} and pixels {pixels.Length} elements, expected {FineSide * FineSide} and {ImageSide * ImageSide}");
        const float perSample = 1f / (Supersampling * Supersampling);
        for (var r = 0; r < ImageSide; r++)
            for (var c = 0; c < ImageSide; c++)
            {
                var count = 0;
                for (var si = 0; si < Supersampling; si++)
                    for (var sj = 0; sj < Supersampling; sj++)
                        count += ink[(r * Supersampling + si) * FineSide + c * Supersampling + sj] ? 1 : 0;
                pixels[r * ImageSide + c] = count * perSample;
            }
    }

    /// <summary>The blur's weights for offsets −⌈3σ⌉ … ⌈3σ⌉: exp(−i²/2σ²) divided by their sum.</summary>
    public static double[] GaussianKernel(double sigma)
    {
        if (!(sigma > 0) || double.IsInfinity(sigma))
            throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "σ must be positive and finite");
        var radius = (int)Math.Ceiling(3 * sigma);
        var kernel = new double[2 * radius + 1];
        var sum = 0.0;
        for (var i = -radius; i <= radius; i++)
            sum += kernel[i + radius] = Math.Exp(-(double)i * i / (2 * sigma * sigma));
        for (var i = 0; i < kernel.Length; i++)
            kernel[i] /= sum;
        return kernel;
    }

    /// <summary>
    /// Blurs <paramref name="pixels"/> [side, side] in place with <see cref="GaussianKernel"/>(σ): rows then columns, in double, zeros
    /// outside the image.
    /// </summary>
    public static void Blur(Span<float> pixels, int side, double sigma)
    {
        if (pixels.Length != side * side)
            throw new ArgumentException($"pixels has {pixels.Length} elements, expected {side * side} ({side}×{side})", nameof(pixels));
        var kernel = GaussianKernel(sigma);
        var radius = kernel.Length / 2;
        var rows = new double[side * side];
        for (var r = 0; r < side; r++)
            for (var c = 0; c < side; c++)
            {
                var sum = 0.0;
                for (var k = Math.Max(-radius, -c); k <= Math.Min(radius, side - 1 - c); k++)
                    sum += kernel[k + radius] * pixels[r * side + c + k];
                rows[r * side + c] = sum;
            }
        for (var r = 0; r < side; r++)
            for (var c = 0; c < side; c++)
            {
                var sum = 0.0;
                for (var k = Math.Max(-radius, -r); k <= Math.Min(radius, side - 1 - r); k++)
                    sum += kernel[k + radius] * rows[(r + k) * side + c];
                pixels[r * side + c] = (float)sum;
            }
    }
}

/// <summary>A sector of directions about a shape's centre, [Start, Start + Width) in radians, Width in (0, π).</summary>
public readonly record struct Sector(double Start, double Width);

/// <summary>
/// One shape's ideal outline in output-pixel coordinates (x along columns, y along rows): a circle of <see cref="Radius"/> about the
/// centre, or a closed polygon (<see cref="Vertices"/> as x₀, y₀, x₁, y₁, …; the last joins the first).
/// </summary>
public sealed class ShapeGeometry
{
    private readonly double[] vertices;

    private ShapeGeometry(double cx, double cy, double radius, double[] vertices)
    {
        CentreX = cx;
        CentreY = cy;
        Radius = radius;
        this.vertices = vertices;
        Reach = radius;
        for (var k = 0; k < vertices.Length; k += 2)
            Reach = Math.Max(Reach, Math.Sqrt((vertices[k] - cx) * (vertices[k] - cx) + (vertices[k + 1] - cy) * (vertices[k + 1] - cy)));
    }

    public double CentreX { get; }
    public double CentreY { get; }

    /// <summary>The circle's radius; 0 for a polygon.</summary>
    public double Radius { get; }

    /// <summary>The largest distance from the centre to a point of the outline.</summary>
    public double Reach { get; }

    /// <summary>The polygon's vertices as x, y pairs; empty for a circle.</summary>
    public IReadOnlyList<double> Vertices => vertices;

    public static ShapeGeometry Circle(double cx, double cy, double radius)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(radius);
        return new(cx, cy, radius, []);
    }

    /// <summary>Vertex k at angle θ + 2πk/3 + jitter[k] and radius R·scale[k].</summary>
    public static ShapeGeometry Triangle(double cx, double cy, double radius, double theta, ReadOnlySpan<double> jitter, ReadOnlySpan<double> scale)
    {
        if (jitter.Length != 3 || scale.Length != 3)
            throw new ArgumentException($"a triangle takes 3 jitters and 3 scales, got {jitter.Length} and {scale.Length}");
        Span<(double Radius, double Angle)> polar = stackalloc (double, double)[3];
        for (var k = 0; k < 3; k++)
            polar[k] = (radius * scale[k], theta + 2 * Math.PI * k / 3 + jitter[k]);
        return Polygon(cx, cy, polar);
    }

    /// <summary>Corners at radius R (the half-diagonal) and angles θ − β, θ + β, θ + π − β, θ + π + β, β = atan(aspect): sides 2R·cos β along θ and 2R·sin β across.</summary>
    public static ShapeGeometry Rectangle(double cx, double cy, double radius, double theta, double aspect)
    {
        var beta = Math.Atan(aspect);
        return Polygon(cx, cy, [(radius, theta - beta), (radius, theta + beta), (radius, theta + Math.PI - beta), (radius, theta + Math.PI + beta)]);
    }

    /// <summary>10 vertices at θ + kπ/5, alternately at R (the points, k even) and at R·innerRatio.</summary>
    public static ShapeGeometry Star(double cx, double cy, double radius, double theta, double innerRatio)
    {
        Span<(double Radius, double Angle)> polar = stackalloc (double, double)[10];
        for (var k = 0; k < 10; k++)
            polar[k] = (k % 2 == 0 ? radius : radius * innerRatio, theta + k * Math.PI / 5);
        return Polygon(cx, cy, polar);
    }

    /// <summary>A polygon of vertices given as (radius, angle) about the centre, in order around it.</summary>
    public static ShapeGeometry Polygon(double cx, double cy, ReadOnlySpan<(double Radius, double Angle)> polar)
    {
        if (polar.Length < 3)
            throw new ArgumentException($"a polygon needs at least 3 vertices, got {polar.Length}", nameof(polar));
        var vertices = new double[2 * polar.Length];
        for (var k = 0; k < polar.Length; k++)
        {
            var (sin, cos) = Math.SinCos(polar[k].Angle);
            vertices[2 * k] = cx + polar[k].Radius * cos;
            vertices[2 * k + 1] = cy + polar[k].Radius * sin;
        }
        return new(cx, cy, 0, vertices);
    }

    /// <summary>The distance from (x, y) to the outline, or, when <paramref name="filled"/>, the signed distance (negative inside).</summary>
    public double Field(double x, double y, bool filled)
    {
        var distance = Distance(x, y);
        return filled && Contains(x, y) ? -distance : distance;
    }

    /// <summary>The distance from (x, y) to the outline.</summary>
    public double Distance(double x, double y)
    {
        if (vertices.Length == 0)
            return Math.Abs(Math.Sqrt((x - CentreX) * (x - CentreX) + (y - CentreY) * (y - CentreY)) - Radius);
        var best = double.PositiveInfinity;
        var n = vertices.Length / 2;
        for (var k = 0; k < n; k++)
        {
            double ax = vertices[2 * k], ay = vertices[2 * k + 1];
            var next = (k + 1) % n;
            double bx = vertices[2 * next], by = vertices[2 * next + 1];
            double ex = bx - ax, ey = by - ay, px = x - ax, py = y - ay;
            var t = Math.Clamp((px * ex + py * ey) / (ex * ex + ey * ey), 0, 1);
            double qx = px - t * ex, qy = py - t * ey;
            best = Math.Min(best, qx * qx + qy * qy);
        }
        return Math.Sqrt(best);
    }

    /// <summary>Whether (x, y) lies inside (even-odd rule for a polygon).</summary>
    public bool Contains(double x, double y)
    {
        if (vertices.Length == 0)
            return (x - CentreX) * (x - CentreX) + (y - CentreY) * (y - CentreY) < Radius * Radius;
        var inside = false;
        var n = vertices.Length / 2;
        for (int k = 0, prev = n - 1; k < n; prev = k++)
        {
            double ax = vertices[2 * prev], ay = vertices[2 * prev + 1], bx = vertices[2 * k], by = vertices[2 * k + 1];
            if ((by > y) != (ay > y) && x < (ax - bx) * (y - by) / (ay - by) + bx)
                inside = !inside;
        }
        return inside;
    }
}
