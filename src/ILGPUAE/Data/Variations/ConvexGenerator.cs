using System.Numerics;

namespace ILGPUAE.Data.Variations;

/// <summary>
/// <c>convex</c> (Larochelle et al. 2007): a white (1) shape on black (0); label 1 when it is convex. Splits 6000 / 2000 / 50000
/// (train / valid / test).
/// <list type="bullet">
/// <item>A convex shape is the intersection of k random half-planes, k ~ Geometric(0.195) on {1, 2, …}; fewer than 19 white
/// pixels: drawn again.</item>
/// <item>A non-convex candidate is the union of U{2, 3, 4} such sets, each with k ~ Geometric(0.07) and at least 10 white pixels
/// (drawn again until it has). It is kept only if it fails the pairwise convexity test (<see cref="HasGap"/>: two white pixels
/// with a black pixel on the segment between them), and then only with probability h_convex(n) / (c · h_nonconvex(n)), n its
/// white pixel count, so the two classes have about the same distribution of n (<see cref="PixelCountBalance"/>).</item>
/// </list>
/// <para>Choices ../shared/DATASETS.md leaves open, ours:</para>
/// <list type="bullet">
/// <item>The label is the example's first draw, a fair coin: classes balanced in expectation, not exactly per split, and no
/// pattern in the order (a slice of any stride is balanced too).</item>
/// <item>Pixel (r, c) is white when its centre (c + ½, r + ½) lies in the shape. A half-plane is {q : (q − p)·v ≥ 0}, p uniform
/// in [0, 28)², v uniform on the unit disc (drawn by rejection from the square, not normalised: only its direction counts), so
/// the angle is uniform and the drawing is IEEE arithmetic without sin or cos, so it gives the same bytes on every platform
/// (the one library call is the Math.Log inside <see cref="ExampleRng.Geometric"/>, whose result only matters through a ceiling).
/// Half-planes are drawn one at a time and a set is drawn again as soon as it falls below its minimum.</item>
/// <item>"The segment between a and b has a black pixel" means a black pixel centre exactly on the segment (a lattice point):
/// a white set is digitally convex (its convex hull holds no black pixel centre) only if it passes, and a digitised convex set
/// always passes, so no convex shape is ever labelled 0 and every example labelled 0 is visibly not convex.</item>
/// <item>The pilot histogram: <see cref="PilotSize"/> convex shapes and as many kept non-convex candidates (before the balancing
/// draw), drawn with <see cref="PilotSeed"/> from the training split's streams, white counts in bins of
/// <see cref="PixelCountBalance.BinWidth"/> pixels. c is the largest ratio h_convex / h_nonconvex over the bins where the pilot
/// saw at least <see cref="PixelCountBalance.MinPilotCount"/> non-convex shapes; in a bin with fewer the probability is 1 (0 where
/// it saw no convex shape), and it is never above 1.</item>
/// </list>
/// </summary>
public sealed class ConvexGenerator : IVariationGenerator
{
    private const int Side = Mnist.Side;
    private const uint FullRow = (1u << Side) - 1;
    private const uint SetId = 8;

    public const double ConvexHalfPlaneP = 0.195;
    public const double PieceHalfPlaneP = 0.07;
    public const int MinConvexPixels = 19;
    public const int MinPiecePixels = 10;

    /// <summary>The seed of the pilot draws that fix the acceptance probabilities; the same for every seed a user picks.</summary>
    public const ulong PilotSeed = 0xC0_4E_E8_00;

    /// <summary>Shapes of each class in the pilot histogram.</summary>
    public const int PilotSize = 4000;

    private static readonly Lazy<PixelCountBalance> Balance = new(PixelCountBalance.FromPilot);

    /// <summary>Primitive directions (dx, dy), one of each ± pair, shortest first, that fit three pixels into the image.</summary>
    private static readonly (int Dx, int Dy)[] Directions = PrimitiveDirections();

    public string Name => "convex";

    public uint Id => SetId;

    public (int Train, int Valid, int Test) Sizes => (6000, 2000, 50000);

    public int Classes => 2;

    public bool NeedsDigits => false;

    public bool NeedsBackgrounds => false;

    public byte Example(ulong seed, VariationSplit split, int index, VariationSources sources, Span<float> pixels)
    {
        if (pixels.Length != Side * Side)
            throw new ArgumentException($"pixels has {pixels.Length} elements, expected {Side * Side}", nameof(pixels));
        var balance = Balance.Value;
        var rng = new ExampleRng(seed, Id, split, index);
        Span<uint> rows = stackalloc uint[Side];
        var convex = rng.NextInt(2) == 1;
        if (convex)
            DrawConvex(ref rng, rows);
        else
        {
            Span<uint> piece = stackalloc uint[Side];
            while (!DrawNonConvexCandidate(ref rng, rows, piece, balance))
            {
            }
        }
        for (var r = 0; r < Side; r++)
            for (var c = 0; c < Side; c++)
                pixels[r * Side + c] = (rows[r] >> c) & 1;
        return convex ? (byte)1 : (byte)0;
    }

    /// <summary>A convex shape of at least <see cref="MinConvexPixels"/> white pixels into <paramref name="rows"/>; returns its count.</summary>
    private static int DrawConvex(ref ExampleRng rng, Span<uint> rows) =>
        DrawHalfPlaneIntersection(ref rng, ConvexHalfPlaneP, MinConvexPixels, rows);

    /// <summary>
    /// A union of 2 to 4 pieces into <paramref name="rows"/> (<paramref name="piece"/> is scratch); whether it is kept: the
    /// balancing draw by its white count (always passed when <paramref name="balance"/> is null, as in the pilot), then the
    /// pairwise convexity test. The draw comes first so that rejected shapes cost no test; both must pass, so the order does
    /// not change which shapes are kept.
    /// </summary>
    private static bool DrawNonConvexCandidate(ref ExampleRng rng, Span<uint> rows, Span<uint> piece, PixelCountBalance? balance)
    {
        var pieces = rng.NextInt(2, 4);
        rows.Clear();
        for (var i = 0; i < pieces; i++)
        {
            DrawHalfPlaneIntersection(ref rng, PieceHalfPlaneP, MinPiecePixels, piece);
            for (var r = 0; r < Side; r++)
                rows[r] |= piece[r];
        }
        if (balance is not null && rng.NextDouble() >= balance.Acceptance(Count(rows)))
            return false;
        return HasGap(rows);
    }

    /// <summary>
    /// The intersection of k ~ Geometric(<paramref name="p"/>) half-planes with at least <paramref name="minPixels"/> white pixels
    /// into <paramref name="rows"/> (bit c of rows[r] is pixel (r, c)); drawn again from the start whenever it falls below.
    /// </summary>
    private static int DrawHalfPlaneIntersection(ref ExampleRng rng, double p, int minPixels, Span<uint> rows)
    {
        while (true)
        {
            var k = rng.Geometric(p);
            rows.Fill(FullRow);
            var count = Side * Side;
            for (var i = 0; i < k && count >= minPixels; i++)
            {
                var px = rng.Uniform(0, Side);
                var py = rng.Uniform(0, Side);
                double vx, vy, length2;
                do
                {
                    vx = rng.Uniform(-1, 1);
                    vy = rng.Uniform(-1, 1);
                    length2 = vx * vx + vy * vy;
                }
                while (length2 > 1 || length2 == 0);
                count = 0;
                for (var r = 0; r < Side; r++)
                {
                    if (rows[r] == 0)
                        continue;
                    rows[r] &= HalfPlaneRow(px, vx, (r + 0.5 - py) * vy);
                    count += BitOperations.PopCount(rows[r]);
                }
            }
            if (count >= minPixels)
                return count;
        }
    }

    /// <summary>
    /// The columns c of one row whose centre keeps (c + ½ − px)·vx + dy ≥ 0, as a bit mask. Each rounded operation is monotone,
    /// so the computed test is monotone in c too, and a binary search for where it changes gives exactly the pixels that
    /// testing every column would.
    /// </summary>
    private static uint HalfPlaneRow(double px, double vx, double dy)
    {
        var increasing = vx >= 0; // then the test holds from some column on, else up to some column
        int low = 0, high = Side;
        while (low < high)
        {
            var mid = (low + high) >> 1;
            if (((mid + 0.5 - px) * vx + dy >= 0) == increasing)
                high = mid;
            else
                low = mid + 1;
        }
        // low: the first column where the test holds (increasing) or fails (decreasing); Side if none.
        var below = (1u << low) - 1;
        return increasing ? FullRow & ~below : below;
    }

    private static int Count(ReadOnlySpan<uint> rows)
    {
        var count = 0;
        foreach (var row in rows)
            count += BitOperations.PopCount(row);
        return count;
    }

    /// <summary>
    /// The pairwise convexity test: whether some black pixel lies exactly on the segment between two white pixels (bit c of
    /// rows[r] is pixel (r, c)). Every lattice line is walked in every primitive direction inside the white pixels' bounding
    /// box; the test fails (true) where a line's white pixels are not one contiguous run.
    /// </summary>
    public static bool HasGap(ReadOnlySpan<uint> rows)
    {
        int top = -1, bottom = -1;
        uint any = 0;
        for (var r = 0; r < Side; r++)
        {
            if (rows[r] == 0)
                continue;
            if (top < 0)
                top = r;
            bottom = r;
            any |= rows[r];
        }
        if (top < 0)
            return false;
        var left = BitOperations.TrailingZeroCount(any);
        var right = 31 - BitOperations.LeadingZeroCount(any);
        var height = bottom - top + 1;
        var width = right - left + 1;
        foreach (var (dx, dy) in Directions)
        {
            // A line needs three lattice points in the box for a black one between two white ones.
            if (2 * dy >= height || 2 * Math.Abs(dx) >= width)
                continue;
            for (var r = top; r <= bottom; r++)
            {
                for (var c = left; c <= right; c++)
                {
                    // Walk from the line's first point in the box only.
                    var pr = r - dy;
                    var pc = c - dx;
                    if (pr >= top && pc >= left && pc <= right)
                        continue;
                    var seenWhite = false;
                    var blackAfterWhite = false;
                    for (int qr = r, qc = c; qr <= bottom && qc >= left && qc <= right; qr += dy, qc += dx)
                    {
                        if (((rows[qr] >> qc) & 1) != 0)
                        {
                            if (blackAfterWhite)
                                return true;
                            seenWhite = true;
                        }
                        else if (seenWhite)
                            blackAfterWhite = true;
                    }
                }
            }
        }
        return false;
    }

    private static (int Dx, int Dy)[] PrimitiveDirections()
    {
        const int reach = (Side - 1) / 2;
        var directions = new List<(int Dx, int Dy)>();
        for (var dy = 0; dy <= reach; dy++)
            for (var dx = -reach; dx <= reach; dx++)
                if ((dy > 0 || dx > 0) && (int)BigInteger.GreatestCommonDivisor(Math.Abs(dx), dy) == 1)
                    directions.Add((dx, dy));
        return [.. directions.OrderBy(d => d.Dx * d.Dx + d.Dy * d.Dy).ThenBy(d => d.Dy).ThenBy(d => d.Dx)];
    }

    /// <summary>
    /// The acceptance probability of a non-convex candidate by its white count n: h_convex(n) / (c · h_nonconvex(n)), from the
    /// pilot histograms (<see cref="ConvexGenerator"/> documents the rules).
    /// </summary>
    public sealed class PixelCountBalance
    {
        public const int BinWidth = 16;
        public const int MinPilotCount = 20;
        private const int Bins = Side * Side / BinWidth + 1;

        private readonly double[] acceptance;

        private PixelCountBalance(long[] convexCounts, long[] nonConvexCounts)
        {
            ConvexCounts = convexCounts;
            NonConvexCounts = nonConvexCounts;
            double Ratio(int b) => (double)convexCounts[b] / nonConvexCounts[b];
            var c = 0.0;
            for (var b = 0; b < Bins; b++)
                if (nonConvexCounts[b] >= MinPilotCount)
                    c = Math.Max(c, Ratio(b));
            acceptance = new double[Bins];
            for (var b = 0; b < Bins; b++)
                acceptance[b] = convexCounts[b] == 0 ? 0 : nonConvexCounts[b] < MinPilotCount ? 1 : Math.Min(1, Ratio(b) / c);
        }

        /// <summary>The pilot's convex shapes per bin of white count (bin = n / <see cref="BinWidth"/>).</summary>
        public IReadOnlyList<long> ConvexCounts { get; }

        /// <summary>The pilot's kept non-convex candidates per bin.</summary>
        public IReadOnlyList<long> NonConvexCounts { get; }

        public double Acceptance(int whitePixels) => acceptance[whitePixels / BinWidth];

        /// <summary>The generator's own balance, made from the pilot once per process.</summary>
        public static PixelCountBalance Pilot => Balance.Value;

        internal static PixelCountBalance FromPilot()
        {
            var convex = new long[Bins];
            var nonConvex = new long[Bins];
            Parallel.For(0, PilotSize, () => (new long[Bins], new long[Bins]), (i, _, local) =>
            {
                var rng = new ExampleRng(PilotSeed, SetId, VariationSplit.Train, i);
                Span<uint> rows = stackalloc uint[Side];
                Span<uint> piece = stackalloc uint[Side];
                local.Item1[DrawConvex(ref rng, rows) / BinWidth]++;
                while (!DrawNonConvexCandidate(ref rng, rows, piece, balance: null))
                {
                }
                local.Item2[Count(rows) / BinWidth]++;
                return local;
            }, local =>
            {
                lock (convex)
                {
                    for (var b = 0; b < Bins; b++)
                    {
                        convex[b] += local.Item1[b];
                        nonConvex[b] += local.Item2[b];
                    }
                }
            });
            return new PixelCountBalance(convex, nonConvex);
        }
    }
}
