namespace ILGPUAE.Tests.Data;

using System.Buffers.Binary;
using System.IO.Compression;

/// <summary>Builds IDX file contents for tests: big-endian magic and sizes, then the bytes.</summary>
public static class IdxFiles
{
    /// <summary>An IDX3 image file [count, rows, cols]; pixel i (flat index) is <c>(byte)(i * 7)</c>.</summary>
    public static byte[] Images(int count, int rows, int cols) =>
        Build(0x00000803, [count, rows, cols], Enumerable.Range(0, count * rows * cols).Select(i => (byte)(i * 7)).ToArray());

    /// <summary>An IDX1 label file [count]; label i is i % 10.</summary>
    public static byte[] Labels(int count) =>
        Build(0x00000801, [count], Enumerable.Range(0, count).Select(i => (byte)(i % 10)).ToArray());

    public static byte[] Build(uint magic, int[] sizes, byte[] data)
    {
        var header = new byte[4 + 4 * sizes.Length];
        BinaryPrimitives.WriteUInt32BigEndian(header, magic);
        for (var i = 0; i < sizes.Length; i++)
            BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 + 4 * i), sizes[i]);
        return [.. header, .. data];
    }

    public static byte[] Gzip(byte[] content)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
            gzip.Write(content);
        return output.ToArray();
    }
}
