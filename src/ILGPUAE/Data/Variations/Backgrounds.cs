using System.Security.Cryptography;
using ILGPUAE.IO;
using StbImageSharp;

namespace ILGPUAE.Data.Variations;

/// <summary>One background image as a generated set's manifest records it: its file name, the SHA-256 of its bytes, its size.</summary>
public sealed record BackgroundImage(string Name, string Sha256, int Width, int Height);

/// <summary>The natural images a set's backgrounds were drawn from: where they came from and each image, in the order drawn from.</summary>
/// <param name="Source">The Debian package (<see cref="Backgrounds.DebianSource"/>) or the user's directory (an absolute path).</param>
public sealed record BackgroundSet(string Source, IReadOnlyList<BackgroundImage> Images);

/// <summary>
/// Natural grayscale images for bg-img, bg-img-rot and rect-img (../shared/DATASETS.md): by default 15 photographs that Debian's
/// <c>python3-skimage</c> 0.19.3-8 ships under <c>skimage/data/</c> (CC0 or public domain), fetched with <c>apt-get download</c>,
/// unpacked with <c>dpkg-deb -x</c>, cached in <c>~/.cache/ilgpuae/backgrounds/python3-skimage-0.19.3-8</c> and checked against
/// pinned SHA-256 sums; or every image in a directory of the user's. Images are decoded by StbImageSharp (PNG, JPEG, BMP, GIF, TGA)
/// and turned gray with luma 0.299 R + 0.587 G + 0.114 B, in [0, 1].
/// </summary>
public static class Backgrounds
{
    public const string DebianPackage = "python3-skimage";
    public const string DebianVersion = "0.19.3-8";
    public const string DebianSource = $"Debian {DebianPackage} {DebianVersion} (skimage/data)";

    /// <summary>Where the package's files lie inside it.</summary>
    public const string PackageFolder = "usr/lib/python3/dist-packages/skimage/data";

    /// <summary>The file name endings a user's directory is read for (what StbImageSharp decodes).</summary>
    public static readonly IReadOnlyList<string> Extensions = [".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tga"];

    /// <summary>
    /// The package's natural photographs and their SHA-256 sums (computed once from the 0.19.3-8 .deb). The documents (page,
    /// text) and synthetic test images it also ships are left out. The order is the order images are drawn from.
    /// </summary>
    public static readonly IReadOnlyList<PackageFile> DebianImages =
    [
        Image("camera.png", "b0793d2adda0fa6ae899c03989482bff9a42d3d5690fc7e3648f2795d730c23a"),
        Image("brick.png", "7966caf324f6ba843118d98f7a07746d22f6a343430add0233eca5f6eaaa8fcf"),
        Image("grass.png", "b6b6022426b38936c43a4ac09635cd78af074e90f42ffa8227ac8b7452d39f89"),
        Image("gravel.png", "c48615b451bf1e606fbd72c0aa9f8cc0f068ab7111ef7d93bb9b0f2586440c12"),
        Image("chelsea.png", "596aa1e7cb875eb79f437e310381d26b338a81c2da23439704a73c4651e8c4bb"),
        Image("coffee.png", "cc02f8ca188b167c775a7101b5d767d1e71792cf762c33d6fa15a4599b5a8de7"),
        Image("cell.png", "8d23a7fb81f7cc877cd09f330357fc7f595651306e84e17252f6e0a1b3f61515"),
        Image("retina.jpg", "38a07f36f27f095e818aea7b96d34202c05176d30253c66733f2e00379e9e0e6"),
        Image("astronaut.png", "88431cd9653ccd539741b555fb0a46b61558b301d4110412b5bc28b5e3ea6cb5"),
        Image("hubble_deep_field.jpg", "3a19c5dd8a927a9334bb1229a6d63711b1c0c767fb27e2286e7c84a3e2c2f5f4"),
        Image("rocket.jpg", "c2dd0de7c538df8d111e479619b129464d0269d0ae5fd18ca91d33a7fdfea95c"),
        Image("coins.png", "f8d773fc9cfa6f4d8e5942dc34d0a0788fcaed2a4fefbbed0aef5398d7ef4cba"),
        Image("ihc.png", "f8dd1aa387ddd1f49d8ad13b50921b237df8e9b262606d258770687b0ef93cef"),
        Image("moon.png", "78739619d11f7eb9c165bb5d2efd4772cee557812ec847532dbb1d92ef71f577"),
        Image("clock_motion.png", "f029226b28b642e80113d86622e9b215ee067a0966feaf5e60604a1e05733955"),
    ];

    private static PackageFile Image(string name, string sha256) => new($"{PackageFolder}/{name}", name, sha256);

    /// <summary><c>~/.cache/ilgpuae/backgrounds/python3-skimage-0.19.3-8</c> (XDG_CACHE_HOME respected).</summary>
    public static string DebianCacheDir() => Path.Combine(NpmDataPackage.CacheDir("backgrounds"), $"{DebianPackage}-{DebianVersion}");

    /// <summary>
    /// The images of <paramref name="directory"/> (null: the Debian package's, fetched into <see cref="DebianCacheDir"/> when any is
    /// missing) and what the manifest records of them. A source that is missing, empty or unreadable is one
    /// <see cref="InputException"/> about the setting "backgrounds" saying what to do.
    /// </summary>
    public static (IReadOnlyList<GrayImage> Images, BackgroundSet Set) Load(string? directory, Action<string>? log) =>
        directory is null ? LoadDebian(DebianCacheDir(), log) : LoadDirectory(directory, log);

    /// <summary>The pinned package images in <paramref name="cacheDir"/>, fetched first when any is missing; each file's sum is checked.</summary>
    public static (IReadOnlyList<GrayImage> Images, BackgroundSet Set) LoadDebian(string cacheDir, Action<string>? log)
    {
        cacheDir = InputFile.FullPath(cacheDir);
        InputFile.RequireListableDirectory(cacheDir);
        if (DebianImages.Any(f => !NpmDataPackage.IsPresent(Path.Combine(cacheDir, f.FileName))))
            FetchDebian(cacheDir, log);
        var images = new List<GrayImage>();
        var records = new List<BackgroundImage>();
        foreach (var file in DebianImages)
        {
            var path = Path.Combine(cacheDir, file.FileName);
            var bytes = InputFile.ReadAllBytes(path);
            NpmDataPackage.CheckLoaded(path, file.Sha256, bytes, NpmDataPackage.AcceptUnverified, log);
            var image = Decode(path, bytes);
            images.Add(image);
            records.Add(new BackgroundImage(file.FileName, Sha256(bytes), image.Width, image.Height));
        }
        log?.Invoke($"backgrounds: {images.Count} images of {DebianSource} from {cacheDir}");
        return (images, new BackgroundSet(DebianSource, records));
    }

    /// <summary>
    /// Every file of <paramref name="directory"/> whose name ends in one of <see cref="Extensions"/> (any case), in ordinal name order,
    /// so the same folder gives the same set. Subfolders are not read.
    /// </summary>
    public static (IReadOnlyList<GrayImage> Images, BackgroundSet Set) LoadDirectory(string directory, Action<string>? log)
    {
        if (string.IsNullOrWhiteSpace(directory))
            throw InputException.AboutSetting("backgrounds", $"backgrounds '{directory}' is empty; expected a directory of natural images");
        var full = InputFile.FullPath(directory);
        if (!Directory.Exists(full))
            throw InputException.AboutSetting("backgrounds",
                $"backgrounds {full}: {(File.Exists(full) ? "is a file" : "directory not found")}; expected a directory of natural images ({string.Join(", ", Extensions)})");
        InputFile.RequireListableDirectory(full);
        var files = Directory.EnumerateFiles(full)
            .Where(f => Extensions.Any(e => f.EndsWith(e, StringComparison.OrdinalIgnoreCase)))
            .Order(StringComparer.Ordinal)
            .ToArray();
        if (files.Length == 0)
            throw InputException.AboutSetting("backgrounds",
                $"backgrounds {full}: holds no images; expected natural images of at least {DigitVariations.Side}×{DigitVariations.Side} ({string.Join(", ", Extensions)})");
        var images = new List<GrayImage>();
        var records = new List<BackgroundImage>();
        foreach (var path in files)
        {
            var bytes = InputFile.ReadAllBytes(path);
            var image = Decode(path, bytes);
            images.Add(image);
            records.Add(new BackgroundImage(Path.GetFileName(path), Sha256(bytes), image.Width, image.Height));
        }
        log?.Invoke($"backgrounds: {images.Count} images from {full}");
        return (images, new BackgroundSet(full, records));
    }

    /// <summary>
    /// Decodes an image file into gray in [0, 1] with luma 0.299 R + 0.587 G + 0.114 B (in double, stored as float). A file StbImageSharp
    /// cannot decode, or one smaller than 28×28, is an <see cref="InputException"/> naming it.
    /// </summary>
    public static GrayImage Decode(string path, byte[] bytes)
    {
        ImageResult decoded;
        try
        {
            decoded = ImageResult.FromMemory(bytes, ColorComponents.RedGreenBlue);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or IndexOutOfRangeException or NotSupportedException)
        {
            // StbImageSharp reports a file it cannot read as InvalidOperationException(stbi's reason); broken files can surface as the others.
            // stbi's reason can be a buffer of NUL characters (a truncated PNG): keep the printable part, or say what it means.
            var printable = new string(e.Message.Where(c => !char.IsControl(c)).ToArray()).Trim();
            var reason = printable.Length == 0 ? "corrupt or truncated" : printable;
            throw new InputException($"{path}: not an image StbImageSharp can decode ({reason}); expected PNG, JPEG, BMP, GIF or TGA", e);
        }
        if (decoded.Width < DigitVariations.Side || decoded.Height < DigitVariations.Side)
            throw new InputException(
                $"{path}: is {decoded.Width}×{decoded.Height}, expected at least {DigitVariations.Side}×{DigitVariations.Side} to cut patches from");
        var rgb = decoded.Data;
        var gray = new float[decoded.Width * decoded.Height];
        for (var i = 0; i < gray.Length; i++)
            gray[i] = (float)((0.299 * rgb[3 * i] + 0.587 * rgb[3 * i + 1] + 0.114 * rgb[3 * i + 2]) / 255.0);
        return new GrayImage(Path.GetFileName(path), decoded.Width, decoded.Height, gray);
    }

    /// <summary>
    /// <c>apt-get download python3-skimage=0.19.3-8</c> and <c>dpkg-deb -x</c> in a temporary directory, then installs the pinned images
    /// into <paramref name="cacheDir"/>, each written atomically and only after its sum matches.
    /// </summary>
    public static void FetchDebian(string cacheDir, Action<string>? log)
    {
        var own = "or pass backgrounds DIR, a directory of natural images of your own";
        var aptGet = ExternalTool.FindOnPath("apt-get")
            ?? throw InputException.AboutSetting("backgrounds",
                $"backgrounds: apt-get is not on PATH; it fetches {DebianPackage} {DebianVersion}, whose images are the default backgrounds. Run on Debian, {own}", "backgrounds");
        var dpkgDeb = ExternalTool.FindOnPath("dpkg-deb")
            ?? throw InputException.AboutSetting("backgrounds", $"backgrounds: dpkg-deb is not on PATH; it unpacks {DebianPackage}. Run on Debian, {own}", "backgrounds");
        log?.Invoke($"backgrounds: images missing in {cacheDir}, fetching {DebianPackage} {DebianVersion} with apt-get download");
        var temp = Directory.CreateTempSubdirectory("ilgpuae-deb-");
        try
        {
            var spec = $"{DebianPackage}={DebianVersion}";
            var (exit, stderr) = ExternalTool.Run(aptGet, ["download", spec], temp.FullName, $"fetch {spec}");
            var debs = temp.GetFiles("*.deb");
            if (exit != 0 || debs.Length != 1)
                throw InputException.AboutSetting("backgrounds",
                    $"backgrounds: apt-get download {spec} exited with code {exit} and left {debs.Length} .deb files, expected 0 and 1 ({stderr}); run apt-get update first, {own}", "backgrounds");
            var unpacked = Path.Combine(temp.FullName, "unpacked");
            var (unpackExit, unpackErr) = ExternalTool.Run(dpkgDeb, ["-x", debs[0].FullName, unpacked], temp.FullName, $"unpack {debs[0].Name}");
            if (unpackExit != 0)
                throw new InputException($"{debs[0].FullName}: dpkg-deb -x exited with code {unpackExit}, expected 0 ({unpackErr})");
            Directory.CreateDirectory(cacheDir);
            foreach (var file in DebianImages)
            {
                var source = Path.Combine(unpacked, file.PackageEntry);
                var bytes = InputFile.ReadAllBytes(source);
                NpmDataPackage.RequireSha256($"{debs[0].Name}:{file.PackageEntry}", file.Sha256, Sha256(bytes));
                AtomicFile.WriteAllBytes(Path.Combine(cacheDir, file.FileName), bytes);
            }
            log?.Invoke($"backgrounds: installed {DebianImages.Count} images of {debs[0].Name} into {cacheDir}");
        }
        finally
        {
            temp.Delete(recursive: true);
        }
    }

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
