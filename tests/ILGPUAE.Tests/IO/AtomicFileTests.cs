namespace ILGPUAE.Tests.IO;

using ILGPUAE.IO;

public class AtomicFileTests
{
    [Fact]
    public void WritesTextAndBytesAndReplacesTheOldContent()
    {
        using var dir = new TempDirectory();
        var path = dir.File("notes.txt");
        AtomicFile.WriteAllText(path, "first");
        AtomicFile.WriteAllText(path, "second, ünïcode");
        Assert.Equal("second, ünïcode"u8.ToArray(), File.ReadAllBytes(path)); // UTF-8, no byte-order mark

        var binary = dir.File("blob.bin");
        AtomicFile.WriteAllBytes(binary, [0, 1, 2, 255]);
        Assert.Equal(new byte[] { 0, 1, 2, 255 }, File.ReadAllBytes(binary));
        Assert.Equal(["blob.bin", "notes.txt"], dir.Entries());
    }

    [Fact]
    public void WritesThroughAHiddenTempFileInTheSameDirectory()
    {
        using var dir = new TempDirectory();
        var path = dir.File("model.bin");
        AtomicFile.Write(path, stream =>
        {
            stream.WriteByte(42);
            // While the writer runs, only the temp file exists; the target appears on rename.
            var entry = Assert.Single(dir.Entries());
            Assert.StartsWith(".model.bin.tmp-", entry);
        });
        Assert.Equal(["model.bin"], dir.Entries());
        Assert.Equal(new byte[] { 42 }, File.ReadAllBytes(path));
    }

    [Fact]
    public void AFailingWriterLeavesThePreviousFileAndNoTempFile()
    {
        using var dir = new TempDirectory();
        var path = dir.File("checkpoint.bin");
        AtomicFile.WriteAllText(path, "previous");

        var thrown = Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write(new byte[1000]);
            throw new InvalidOperationException("writer failed");
        }));

        Assert.Equal("writer failed", thrown.Message);
        Assert.Equal("previous", File.ReadAllText(path));
        Assert.Equal(["checkpoint.bin"], dir.Entries());
    }
}
