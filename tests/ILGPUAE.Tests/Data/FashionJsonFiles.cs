namespace ILGPUAE.Tests.Data;

using System.Text;

/// <summary>
/// Writes Fashion-MNIST-format class files for tests (<c>{"data": [[784 integers], …]}</c>, file c = class c), whose
/// every image says where it came from: pixel 0 is its class, pixel 1 and 2 its position in the file (low byte, high
/// byte), pixel 28 (row 1, column 0) is 255, and pixels 3–27 vary; the rest are 0.
/// </summary>
public static class FashionJsonFiles
{
    public const int Classes = 10, Pixels = 784;

    public static byte Pixel(int cls, int position, int j) => j switch
    {
        0 => (byte)cls,
        1 => (byte)position,
        2 => (byte)(position >> 8),
        28 => 255,
        < 28 => (byte)((cls * 37 + position * 11 + j * 5) % 256),
        _ => 0,
    };

    public static byte[] Image(int cls, int position) => Enumerable.Range(0, Pixels).Select(j => Pixel(cls, position, j)).ToArray();

    /// <summary>The image's pixels as the reader should scale them, b / 255.</summary>
    public static float[] Scaled(int cls, int position) => Array.ConvertAll(Image(cls, position), b => b / 255f);

    /// <summary>(class, position) as <see cref="Image"/> wrote them into an image's first three pixels, read back from its scaled floats.</summary>
    public static (int Class, int Position) Tag(ReadOnlySpan<float> scaled) =>
        ((int)MathF.Round(scaled[0] * 255), (int)MathF.Round(scaled[1] * 255) + 256 * (int)MathF.Round(scaled[2] * 255));

    /// <summary>
    /// Writes <c>0.json</c> … <c>9.json</c> into <paramref name="directory"/>: class c gets <paramref name="entries"/>[c]
    /// entries, those at the positions in <paramref name="empty"/>[c] (if any) written as <c>[]</c>.
    /// </summary>
    public static void Write(string directory, int[] entries, IReadOnlyDictionary<int, int[]>? empty = null)
    {
        for (var c = 0; c < Classes; c++)
        {
            var blanks = empty?.GetValueOrDefault(c) ?? [];
            File.WriteAllText(Path.Combine(directory, $"{c}.json"),
                Json(Enumerable.Range(0, entries[c]).Select(p => blanks.Contains(p) ? [] : Image(c, p))));
        }
    }

    /// <summary>The file text for these entries, written as the package writes them: no spaces.</summary>
    public static string Json(IEnumerable<byte[]> entries)
    {
        var text = new StringBuilder("{\"data\":[");
        var first = true;
        foreach (var entry in entries)
        {
            text.Append(first ? "[" : ",[").AppendJoin(',', entry).Append(']');
            first = false;
        }
        return text.Append("]}").ToString();
    }
}
