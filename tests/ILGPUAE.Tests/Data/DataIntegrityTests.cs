namespace ILGPUAE.Tests.Data;

using ILGPUAE.Data;
using ILGPUAE.IO;
using ILGPUAE.Tests.IO;

/// <summary>
/// Data files that cannot be trusted or read are reported in one line naming the path: decompression stops at the size the
/// IDX header promises, a directory or an empty name where a file or directory belongs is said to be one, and a data directory
/// that is a file is never fetched into. (PATH is emptied where a load could fetch, so a wrong turn shows as "npm is not on PATH".)
/// </summary>
public class DataIntegrityTests
{
    [Fact]
    public void AGzipBombStopsAtTheSizeItsHeaderPromises()
    {
        using var dir = new TempDirectory();
        var path = dir.File("train-labels-idx1-ubyte.gz");
        // A header promising 10 labels, then 64 MiB of zeros: 64 KiB gzipped.
        File.WriteAllBytes(path, IdxFiles.Gzip(IdxFiles.Build(IdxReader.LabelsMagic, [10], new byte[64 << 20])));

        var before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<InputException>(() => IdxReader.ReadLabels(path));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal($"{path}: decompresses to more than the 18 bytes its IDX header promises (8-byte header and 10 bytes of data); stopped reading there",
            error.Message);
        Assert.True(allocated < 4 << 20, $"reading it allocated {allocated} bytes");
    }

    [Fact]
    public void AGzippedFileWithTheWrongCountStopsAfterItsHeader()
    {
        using var dir = new TempDirectory();
        var path = dir.File("t10k-labels-idx1-ubyte.gz");
        File.WriteAllBytes(path, IdxFiles.Gzip(IdxFiles.Build(IdxReader.LabelsMagic, [60000], new byte[60000])));

        var error = Assert.Throws<InputException>(() => IdxReader.ReadLabels(path, expectedCount: 10000));

        Assert.Equal($"{path}: count is 60000, expected 10000", error.Message);
    }

    [Fact]
    public void ADirectoryOrAnEmptyNameWhereAFileBelongsIsOneLine()
    {
        using var dir = new TempDirectory();
        var folder = Directory.CreateDirectory(dir.File("model.safetensors")).FullName;

        Assert.Equal($"{folder}: is a directory, expected a file", Assert.Throws<InputException>(() => SafeTensorsFile.Read(folder)).Message);
        Assert.Equal($"{folder}: is a directory, expected a file", Assert.Throws<InputException>(() => IdxReader.ReadImages(folder)).Message);
        Assert.Equal("path '' is empty; expected a file name", Assert.Throws<InputException>(() => SafeTensorsFile.Read("")).Message);
        Assert.Equal("path '' is empty; expected a file name", Assert.Throws<InputException>(() => IdxReader.ReadLabels("")).Message);
    }

    [Fact]
    public void ADataFileThatIsADirectoryIsReportedNotFetchedAgain()
    {
        using var dir = new TempDirectory();
        foreach (var file in Mnist.Files.Skip(1))
            File.WriteAllBytes(dir.File(file.FileName), IdxFiles.Labels(1));
        var folder = Directory.CreateDirectory(dir.File(Mnist.TrainImages.FileName)).FullName;

        var error = Assert.Throws<InputException>(() => TestEnvironment.With("PATH", "", () => Mnist.Load(dir.Path, log: null)));

        Assert.Equal($"{folder}: is a directory, expected a data file", error.Message);
    }

    [Fact]
    public void ADataDirectoryThatIsAFileOrEmptyIsOneLineAboutDataDir()
    {
        using var dir = new TempDirectory();
        var file = dir.File("mnist");
        File.WriteAllText(file, "not a directory");

        foreach (var kind in new[] { DatasetKind.Mnist, DatasetKind.FashionMnist })
        {
            var error = Assert.Throws<InputException>(() => TestEnvironment.With("PATH", "", () => Datasets.Load(kind, file, log: null)));
            Assert.Equal($"data_dir {file} is a file; expected a directory", error.Message);
            Assert.Equal("data_dir", error.Setting);

            error = Assert.Throws<InputException>(() => TestEnvironment.With("PATH", "", () => Datasets.Load(kind, "", log: null)));
            Assert.StartsWith("data_dir '' is empty; expected a directory", error.Message);
        }
    }

    [Fact]
    public void AFashionClassFileLargerThanAnyReleaseFileIsRefusedBeforeItIsRead()
    {
        using var dir = new TempDirectory();
        FashionJsonFiles.Write(dir.Path, Enumerable.Repeat(2, 10).ToArray());
        var path = dir.File("3.json");
        using (var stream = File.OpenWrite(path))
            stream.SetLength(FashionMnist.MaxClassFileBytes + 1); // sparse: no disk or time spent

        var error = Assert.Throws<InputException>(() => FashionMnist.Read(dir.Path, 1, acceptUnverified: true, log: null));

        Assert.Equal($"{path}: is {FashionMnist.MaxClassFileBytes + 1} bytes, expected at most {FashionMnist.MaxClassFileBytes}", error.Message);
    }
}
