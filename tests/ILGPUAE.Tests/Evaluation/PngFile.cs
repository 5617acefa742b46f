namespace ILGPUAE.Tests.Evaluation;

using System.Buffers.Binary;

/// <summary>Reads what a test needs of a PNG without an image library: the signature and the IHDR size.</summary>
internal static class PngFile
{
    /// <summary>Width and height from a PNG's IHDR chunk, after checking the signature and that IHDR comes first.</summary>
    public static (int Width, int Height) Size(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > 33, $"{path}: {bytes.Length} bytes is too short for a PNG");
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, bytes[..8]);
        Assert.Equal("IHDR"u8.ToArray(), bytes[12..16]);
        return (BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));
    }
}
