using System.Buffers.Binary;
using System.IO.Compression;
using ILGPUAE.IO;

namespace ILGPUAE.Data;

/// <summary>
/// Reads IDX files (the MNIST format, http://yann.lecun.com/exdb/mnist/): a big-endian magic number
/// <c>00 00 type dims</c>, <c>dims</c> big-endian int32 sizes, then the row-major data. Only unsigned
/// bytes (type 0x08) are supported: images [count, rows, cols] and labels [count]. Files may be gzipped;
/// that is detected from the 1f 8b magic bytes, not the file name.
/// </summary>
public static class IdxReader
{
    public const uint ImagesMagic = 0x00000803;
    public const uint LabelsMagic = 0x00000801;

    /// <summary>
    /// Returns the file's content, decompressed if it starts with the gzip magic bytes 1f 8b. Decompression is bounded
    /// by what the content's own IDX header promises (magic, sizes, then product(sizes) bytes): a stream that yields
    /// more throws <see cref="InputException"/> as soon as it does, so a small file cannot fill the memory (a gzip bomb).
    /// If <paramref name="expectedCount"/> is given and the header's first size differs, only the header is returned,
    /// for the parser to report. A stream that yields less is returned as it is, for the parser to report too.
    /// </summary>
    public static byte[] ReadBytes(string path, int? expectedCount = null)
    {
        var fullPath = InputFile.FullPath(path);
        var file = InputFile.ReadAllBytes(fullPath);
        if (file.Length < 2 || file[0] != 0x1f || file[1] != 0x8b)
            return file;
        try
        {
            using var gzip = new GZipStream(new MemoryStream(file), CompressionMode.Decompress);
            return Decompress(fullPath, gzip, expectedCount);
        }
        catch (InvalidDataException e)
        {
            throw new InputException($"{fullPath}: starts with the gzip magic bytes 1f 8b but is not valid gzip data ({e.Message})", e);
        }
    }

    /// <summary>Reads the IDX header from <paramref name="gzip"/>, then at most the data it promises plus one byte to tell "more".</summary>
    private static byte[] Decompress(string fullPath, Stream gzip, int? expectedCount)
    {
        using var content = new MemoryStream();
        // Magic: 00 00 type dims.
        if (CopyAtMost(gzip, content, 4) < 4)
            return content.ToArray();
        var magic = BinaryPrimitives.ReadUInt32BigEndian(content.GetBuffer());
        if (magic is not (ImagesMagic or LabelsMagic))
            return content.ToArray(); // the parser names the magic it wanted
        var dimensionCount = (int)(magic & 0xff);
        var headerLength = HeaderLength(dimensionCount);
        if (CopyAtMost(gzip, content, headerLength - 4) < headerLength - 4)
            return content.ToArray();
        UInt128 promised = 1;
        for (var i = 0; i < dimensionCount; i++)
        {
            var size = BinaryPrimitives.ReadUInt32BigEndian(content.GetBuffer().AsSpan(4 + 4 * i));
            if (size > int.MaxValue || (i == 0 && expectedCount is { } count && size != count))
                return content.ToArray(); // the parser reports the size
            promised *= size;
        }
        if (promised > (UInt128)(Array.MaxLength - headerLength))
            throw new InputException(
                $"{fullPath}: its IDX header promises {promised} bytes of data, expected at most {Array.MaxLength - headerLength}");
        var data = (long)promised;
        if (CopyAtMost(gzip, content, data + 1) > data)
            throw new InputException(
                $"{fullPath}: decompresses to more than the {headerLength + data} bytes its IDX header promises ({headerLength}-byte header and {data} bytes of data); stopped reading there");
        return content.ToArray();
    }

    /// <summary>Copies up to <paramref name="limit"/> bytes from <paramref name="source"/>; returns how many it copied (fewer at the stream's end).</summary>
    private static long CopyAtMost(Stream source, MemoryStream destination, long limit)
    {
        var buffer = new byte[(int)Math.Min(limit, 81920)];
        long copied = 0;
        while (copied < limit)
        {
            var read = source.Read(buffer, 0, (int)Math.Min(buffer.Length, limit - copied));
            if (read == 0)
                break;
            destination.Write(buffer, 0, read);
            copied += read;
        }
        return copied;
    }

    /// <summary>Reads an IDX3 image file; if <paramref name="expectedCount"/> is given, the count must equal it.</summary>
    public static IdxImages ReadImages(string path, int? expectedCount = null) =>
        ParseImages(path, ReadBytes(path, expectedCount), expectedCount);

    /// <summary>Reads an IDX1 label file [count]; if <paramref name="expectedCount"/> is given, the count must equal it.</summary>
    public static byte[] ReadLabels(string path, int? expectedCount = null) =>
        ParseLabels(path, ReadBytes(path, expectedCount), expectedCount);

    /// <summary>Parses the (decompressed) content of an IDX3 image file; <paramref name="path"/> names it in errors.</summary>
    public static IdxImages ParseImages(string path, byte[] content, int? expectedCount = null)
    {
        var dims = ParseHeader(InputFile.FullPath(path), content, ImagesMagic, "IDX3 unsigned bytes", ["count", "rows", "cols"], expectedCount);
        return new IdxImages(dims[0], dims[1], dims[2], content[HeaderLength(3)..]);
    }

    /// <summary>Parses the (decompressed) content of an IDX1 label file; <paramref name="path"/> names it in errors.</summary>
    public static byte[] ParseLabels(string path, byte[] content, int? expectedCount = null)
    {
        ParseHeader(InputFile.FullPath(path), content, LabelsMagic, "IDX1 unsigned bytes", ["count"], expectedCount);
        return content[HeaderLength(1)..];
    }

    private static int HeaderLength(int dimensionCount) => 4 + 4 * dimensionCount;

    /// <summary>Checks magic, sizes, the optional count and that exactly product(sizes) bytes follow; returns the sizes.</summary>
    private static int[] ParseHeader(string fullPath, byte[] content, uint magic, string format, string[] names, int? expectedCount)
    {
        var headerLength = HeaderLength(names.Length);
        // Magic first: a label file given for images should say so, not that its header is short.
        if (content.Length >= 4)
        {
            var actualMagic = BinaryPrimitives.ReadUInt32BigEndian(content);
            if (actualMagic != magic)
                throw new InputException($"{fullPath}: magic number is 0x{actualMagic:X8}, expected 0x{magic:X8} ({format})");
        }
        if (content.Length < headerLength)
            throw new InputException(
                $"{fullPath}: data is {content.Length} bytes, expected at least {headerLength} ({format} header: magic and {string.Join(", ", names)})");

        var dims = new int[names.Length];
        UInt128 expectedBytes = 1; // up to three factors below 2^31, which can exceed a long
        for (var i = 0; i < dims.Length; i++)
        {
            var size = BinaryPrimitives.ReadUInt32BigEndian(content.AsSpan(4 + 4 * i));
            if (size > int.MaxValue)
                throw new InputException($"{fullPath}: {names[i]} is {size}, expected at most {int.MaxValue}");
            dims[i] = (int)size;
            expectedBytes *= size;
        }
        if (expectedCount is { } count && dims[0] != count)
            throw new InputException($"{fullPath}: {names[0]} is {dims[0]}, expected {count}");

        var actualBytes = (UInt128)(content.Length - headerLength);
        if (actualBytes != expectedBytes)
            throw new InputException(
                $"{fullPath}: holds {actualBytes} bytes after the {headerLength}-byte header, expected {expectedBytes} ({string.Join(" × ", names)} = {string.Join(" × ", dims)})");
        return dims;
    }
}
