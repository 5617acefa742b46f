namespace ILGPUAE.Tests.Data;

using System.Security.Cryptography;
using ILGPUAE.Data;
using ILGPUAE.Data.Variations;
using ILGPUAE.IO;
using ILGPUAE.Tests.IO;
using StbImageWriteSharp;
using Xunit.Abstractions;

/// <summary>
/// Natural-image backgrounds: a user's directory of images (synthetic PNGs written here) read in name order and turned gray by luma,
/// a bad source refused in one line saying what to do, and the Debian package fetched once where apt-get is present.
/// </summary>
public sealed class BackgroundsTests(ITestOutputHelper output)
{
    /// <summary>Writes a PNG of <paramref name="pixels"/> (gray: 1 byte a pixel; RGB: 3) and returns its bytes.</summary>
    public static byte[] WritePng(string path, int width, int height, byte[] pixels, ColorComponents components)
    {
        using (var stream = File.Create(path))
            new ImageWriter().WritePng(pixels, width, height, components, stream);
        return File.ReadAllBytes(path);
    }

    /// <summary>A 40×32 RGB image of stripes: red, green, blue and white columns in turn.</summary>
    public static byte[] WriteStripes(string path)
    {
        var rgb = new byte[40 * 32 * 3];
        for (var i = 0; i < 40 * 32; i++)
        {
            var column = i % 40 % 4;
            rgb[3 * i] = (byte)(column is 0 or 3 ? 255 : 0);
            rgb[3 * i + 1] = (byte)(column is 1 or 3 ? 255 : 0);
            rgb[3 * i + 2] = (byte)(column is 2 or 3 ? 255 : 0);
        }
        return WritePng(path, 40, 32, rgb, ColorComponents.RedGreenBlue);
    }

    [Fact]
    public void AUsersDirectoryIsReadInNameOrderAsGrayByLuma()
    {
        using var dir = new TempDirectory();
        var stripes = WriteStripes(dir.File("b-stripes.png"));
        var ramp = WritePng(dir.File("a-ramp.PNG"), 28, 30, Enumerable.Range(0, 28 * 30).Select(i => (byte)(i % 256)).ToArray(), ColorComponents.Grey);
        File.WriteAllText(dir.File("notes.txt"), "not an image");
        Directory.CreateDirectory(dir.File("sub.png"));

        var (images, set) = Backgrounds.LoadDirectory(dir.Path, log: null);

        Assert.Equal(dir.Path, set.Source);
        Assert.Equal(["a-ramp.PNG", "b-stripes.png"], images.Select(i => i.Name));
        Assert.Equal(
            [new BackgroundImage("a-ramp.PNG", Convert.ToHexStringLower(SHA256.HashData(ramp)), 28, 30),
             new BackgroundImage("b-stripes.png", Convert.ToHexStringLower(SHA256.HashData(stripes)), 40, 32)],
            set.Images);
        Assert.Equal(100 / 255f, images[0][3, 16]);
        // Luma 0.299 R + 0.587 G + 0.114 B of pure red, green, blue and white.
        Assert.Equal([0.299f, 0.587f, 0.114f, 1f], Enumerable.Range(0, 4).Select(c => images[1][5, c]));
    }

    [Fact]
    public void ABadSourceIsOneLineAboutTheBackgroundsSettingOrTheFile()
    {
        using var dir = new TempDirectory();
        var missing = dir.File("none");
        var error = Assert.Throws<InputException>(() => Backgrounds.LoadDirectory(missing, log: null));
        Assert.Equal(("backgrounds", $"backgrounds {missing}: directory not found; expected a directory of natural images (.png, .jpg, .jpeg, .bmp, .gif, .tga)"),
            (error.Setting, error.Message));

        error = Assert.Throws<InputException>(() => Backgrounds.LoadDirectory(dir.Path, log: null));
        Assert.Equal($"backgrounds {dir.Path}: holds no images; expected natural images of at least 28×28 (.png, .jpg, .jpeg, .bmp, .gif, .tga)", error.Message);

        WritePng(dir.File("small.png"), 20, 40, new byte[20 * 40], ColorComponents.Grey);
        error = Assert.Throws<InputException>(() => Backgrounds.LoadDirectory(dir.Path, log: null));
        Assert.Equal($"{dir.File("small.png")}: is 20×40, expected at least 28×28 to cut patches from", error.Message);

        // A PNG cut short: StbImageSharp's reason is NUL characters, which must not reach the line.
        var png = WriteStripes(dir.File("cut.png"));
        File.WriteAllBytes(dir.File("cut.png"), png[..(png.Length / 2)]);
        error = Assert.Throws<InputException>(() => Backgrounds.LoadDirectory(dir.Path, log: null));
        Assert.Equal($"{dir.File("cut.png")}: not an image StbImageSharp can decode (corrupt or truncated); expected PNG, JPEG, BMP, GIF or TGA", error.Message);
        File.Delete(dir.File("cut.png"));

        File.WriteAllText(dir.File("broken.jpg"), "no JPEG here");
        error = Assert.Throws<InputException>(() => Backgrounds.LoadDirectory(dir.Path, log: null));
        Assert.StartsWith($"{dir.File("broken.jpg")}: not an image StbImageSharp can decode (", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    /// <summary>Downloads python3-skimage 0.19.3-8 (about 21 MB) where apt-get and dpkg-deb are present; elsewhere it says why it did not.</summary>
    [Fact]
    public void TheDebianPackagesImagesAreFetchedCheckedAndDecoded()
    {
        if (ExternalTool.FindOnPath("apt-get") is null || ExternalTool.FindOnPath("dpkg-deb") is null)
        {
            output.WriteLine("skipped: apt-get or dpkg-deb is not on PATH (not a Debian machine)");
            return;
        }
        using var cache = new TempDirectory();
        var log = new List<string>();
        var (images, set) = Backgrounds.LoadDebian(cache.Path, log.Add);

        Assert.Contains(log, l => l.Contains("fetching python3-skimage 0.19.3-8 with apt-get download"));
        Assert.Equal(Backgrounds.DebianImages.Select(f => f.FileName).Order(StringComparer.Ordinal), cache.Entries());
        Assert.Equal(Backgrounds.DebianImages.Select(f => (f.FileName, f.Sha256)), set.Images.Select(i => (i.Name, i.Sha256)));
        Assert.Equal((512, 512), (images[0].Width, images[0].Height));
        Assert.Equal("camera.png", images[0].Name);
        Assert.All(images, i => Assert.True(i.Pixels.All(p => p is >= 0 and <= 1) && DigitVariations.StandardDeviation(i.Pixels) > 0.05, i.Name));
    }
}
