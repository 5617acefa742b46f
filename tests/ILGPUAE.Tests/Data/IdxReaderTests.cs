namespace ILGPUAE.Tests.Data;

using ILGPUAE.Data;
using ILGPUAE.IO;
using ILGPUAE.Tests.IO;

public class IdxReaderTests
{
    [Fact]
    public void ReadsRawImagesAndLabels()
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("images"), IdxFiles.Images(count: 3, rows: 2, cols: 5));
        File.WriteAllBytes(dir.File("labels"), IdxFiles.Labels(3));

        var images = IdxReader.ReadImages(dir.File("images"), expectedCount: 3);
        var labels = IdxReader.ReadLabels(dir.File("labels"), expectedCount: 3);

        Assert.Equal((3, 2, 5), (images.Count, images.Rows, images.Cols));
        Assert.Equal(Enumerable.Range(0, 30).Select(i => (byte)(i * 7)), images.Pixels);
        Assert.Equal(new byte[] { 0, 1, 2 }, labels);
    }

    [Fact]
    public void DetectsGzipByMagicBytesNotByName()
    {
        using var dir = new TempDirectory();
        var raw = IdxFiles.Images(count: 4, rows: 3, cols: 3);
        // Gzipped content without .gz, and raw content with .gz: both must read the same.
        File.WriteAllBytes(dir.File("gzipped-images"), IdxFiles.Gzip(raw));
        File.WriteAllBytes(dir.File("raw-images.gz"), raw);
        File.WriteAllBytes(dir.File("labels.gz"), IdxFiles.Gzip(IdxFiles.Labels(4)));

        Assert.Equal(raw[16..], IdxReader.ReadImages(dir.File("gzipped-images")).Pixels);
        Assert.Equal(raw[16..], IdxReader.ReadImages(dir.File("raw-images.gz")).Pixels);
        Assert.Equal(new byte[] { 0, 1, 2, 3 }, IdxReader.ReadLabels(dir.File("labels.gz"), expectedCount: 4));
    }

    [Fact]
    public void TruncatedFileNamesExpectedAndActualByteCounts()
    {
        using var dir = new TempDirectory();
        var path = dir.File("images");
        File.WriteAllBytes(path, IdxFiles.Images(count: 3, rows: 2, cols: 2)[..^5]);

        var error = Assert.Throws<InputException>(() => IdxReader.ReadImages(path));

        Assert.Equal($"{path}: holds 7 bytes after the 16-byte header, expected 12 (count × rows × cols = 3 × 2 × 2)", error.Message);
    }

    [Fact]
    public void TrailingBytesAreRejectedToo()
    {
        using var dir = new TempDirectory();
        var path = dir.File("labels");
        File.WriteAllBytes(path, [.. IdxFiles.Labels(2), 9]);

        var error = Assert.Throws<InputException>(() => IdxReader.ReadLabels(path));

        Assert.Equal($"{path}: holds 3 bytes after the 8-byte header, expected 2 (count = 2)", error.Message);
    }

    [Fact]
    public void WrongMagicNamesTheFileAndTheExpectedMagic()
    {
        using var dir = new TempDirectory();
        var path = dir.File("train-images-idx3-ubyte");
        File.WriteAllBytes(path, IdxFiles.Labels(5)); // a label file where images are expected

        var error = Assert.Throws<InputException>(() => IdxReader.ReadImages(path));

        Assert.Equal($"{path}: magic number is 0x00000801, expected 0x00000803 (IDX3 unsigned bytes)", error.Message);
    }

    [Fact]
    public void WrongCountNamesTheExpectedCount()
    {
        using var dir = new TempDirectory();
        var path = dir.File("images.gz");
        File.WriteAllBytes(path, IdxFiles.Gzip(IdxFiles.Images(count: 2, rows: 28, cols: 28)));

        var error = Assert.Throws<InputException>(() => IdxReader.ReadImages(path, expectedCount: 60000));

        Assert.Equal($"{path}: count is 2, expected 60000", error.Message);
    }

    [Fact]
    public void ShortHeaderCorruptGzipAndMissingFileAreInputErrors()
    {
        using var dir = new TempDirectory();
        var shortFile = dir.File("short");
        File.WriteAllBytes(shortFile, [0, 0, 8, 3, 0, 0]);
        var error = Assert.Throws<InputException>(() => IdxReader.ReadImages(shortFile));
        Assert.Equal($"{shortFile}: data is 6 bytes, expected at least 16 (IDX3 unsigned bytes header: magic and count, rows, cols)", error.Message);

        var corrupt = dir.File("corrupt");
        File.WriteAllBytes(corrupt, [0x1f, 0x8b, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
        error = Assert.Throws<InputException>(() => IdxReader.ReadLabels(corrupt));
        Assert.StartsWith($"{corrupt}: starts with the gzip magic bytes 1f 8b but is not valid gzip data", error.Message);

        var missing = dir.File("missing");
        error = Assert.Throws<InputException>(() => IdxReader.ReadLabels(missing));
        Assert.Equal($"{missing}: file not found", error.Message);
    }
}
