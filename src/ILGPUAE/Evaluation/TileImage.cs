namespace ILGPUAE.Evaluation;

using ILGPUAE.IO;
using StbImageWriteSharp;

/// <summary>
/// A grey PNG of square tiles in a grid, one pixel of black between tiles. Each tile is a row of
/// side × side values; <see cref="TileScaling"/> says how its values become grey levels.
/// </summary>
public sealed class TileImage
{
    private const int Gap = 1;

    private readonly int side, columns, rows;
    private readonly byte[] pixels;

    public TileImage(int side, int columns, int rows)
    {
        this.side = side;
        this.columns = columns;
        this.rows = rows;
        Width = columns * (side + Gap) + Gap;
        Height = rows * (side + Gap) + Gap;
        pixels = new byte[Width * Height];
    }

    public int Width { get; }
    public int Height { get; }

    /// <summary>Draws <paramref name="values"/> (side × side, row-major) in grid cell (row, column).</summary>
    public void Draw(int row, int column, ReadOnlySpan<float> values, TileScaling scaling)
    {
        float low = 0, high = 1;
        if (scaling == TileScaling.OwnRange)
        {
            low = float.PositiveInfinity;
            high = float.NegativeInfinity;
            foreach (var v in values)
            {
                low = MathF.Min(low, v);
                high = MathF.Max(high, v);
            }
        }
        Draw(row, column, values, low, high);
    }

    /// <summary>
    /// Draws <paramref name="values"/> in cell (row, column) with <paramref name="low"/> black and <paramref name="high"/> white (values
    /// outside clamp; a tile with high ≤ low is drawn as value − low, i.e. black where the value is low): a scale shared by several tiles.
    /// </summary>
    public void Draw(int row, int column, ReadOnlySpan<float> values, float low, float high)
    {
        if (values.Length != side * side)
            throw new ArgumentException($"a tile has {side}×{side} values, got {values.Length}", nameof(values));
        if ((uint)row >= rows || (uint)column >= columns)
            throw new ArgumentOutOfRangeException(nameof(row), $"cell ({row}, {column}) is outside the {rows}×{columns} grid");
        var range = high > low ? high - low : 1f;
        var top = Gap + row * (side + Gap);
        var left = Gap + column * (side + Gap);
        for (var y = 0; y < side; y++)
            for (var x = 0; x < side; x++)
                pixels[(top + y) * Width + left + x] = (byte)Math.Clamp(MathF.Round(255f * (values[y * side + x] - low) / range), 0f, 255f);
    }

    /// <summary>Writes the PNG atomically.</summary>
    public void Write(string path) => AtomicFile.Write(path, stream => new ImageWriter().WritePng(pixels, Width, Height, ColorComponents.Grey, stream));
}

public enum TileScaling
{
    /// <summary>Values in [0, 1] map to black … white (images, reconstructions).</summary>
    UnitInterval,

    /// <summary>Each tile's minimum is black and its maximum white (weight rows, whose scale varies by unit).</summary>
    OwnRange,
}
