namespace ILGPUAE.Tests.Data;

using System.Buffers.Binary;
using System.Security.Cryptography;
using ILGPUAE.IO;
using ILGPUAE.Tests.Cli;
using ILGPUAE.Tests.IO;

/// <summary>
/// `ilgpuae data make shapes` end to end: the same bytes for a seed (and pinned), other bytes for another seed, samples.png, and the
/// verbs on it: train dae with 900 inputs; train cae and train classifier, which need 28×28, refuse it in one line.
/// </summary>
public class ShapesCliTests
{
    private static readonly string[] SetFiles = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "test-images-idx3-ubyte", "test-labels-idx1-ubyte"];

    /// <summary>
    /// SHA-256 of the four files of `data make shapes --limit 12 --seed 1`, in <see cref="SetFiles"/> order: pinned from our own
    /// generator's output when it was written (there is no published Shapes30 to compare with), so any drift in a draw, the order of
    /// draws, the drawing or the file format fails here; a deliberate change bumps GeneratedSets.Version and these.
    /// </summary>
    private static readonly string[] Pinned =
    [
        "fb983277529d291d594f701b3c75a690a73eac2f34fa50994606baa50aec80ea",
        "3bff8f3a428e4046c23ce3cab81e3e263787c8c491f43a3d7624b0261062c38c",
        "82b6526c7513911ceba5a2ceb20a9a97f6dac141266415297a49fa95bbe224c1",
        "f4cc959bfed4abc2cac3f19eddbd701e715ac264216e44f7214f95b67581172f",
    ];

    [Fact]
    public void DataMakeShapesIsTheSameBytesForASeedPinnedAndOthersForAnotherSeed()
    {
        using var dir = new TempDirectory();
        var first = dir.File("first");
        var made = CliProcess.Run("data", "make", "shapes", "--limit", "12", "--seed", "1", "--data-dir", first);
        Assert.True(made.ExitCode == 0, made.ToString());
        Assert.Contains($"shapes: shapes (generated), seed 1, 24 train (the last 12 of them validation) / 12 test images of 1×30×30, verified, in {first}", made.Stdout);
        Assert.Contains($"{Path.Combine(first, "samples.png")}: the first 40 train images, 10 a row; their classes, row by row:", made.Stdout);
        // 24 images, 10 a row: 3 rows of 30×30 tiles with a pixel between them.
        var png = File.ReadAllBytes(Path.Combine(first, "samples.png"));
        Assert.Equal((10 * 31 + 1, 3 * 31 + 1), (BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20))));
        Assert.Equal(Pinned, SetFiles.Select(f => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(first, f))))));

        var second = dir.File("second");
        var again = CliProcess.Run("data", "make", "shapes", "--limit", "12", "--seed", "1", "--data-dir", second);
        Assert.True(again.ExitCode == 0, again.ToString());
        foreach (var file in SetFiles.Append("manifest.json").Append("samples.png"))
            Assert.Equal(File.ReadAllBytes(Path.Combine(first, file)), File.ReadAllBytes(Path.Combine(second, file)));

        var other = dir.File("other");
        var otherSeed = CliProcess.Run("data", "make", "shapes", "--limit", "12", "--seed", "2", "--data-dir", other);
        Assert.True(otherSeed.ExitCode == 0, otherSeed.ToString());
        foreach (var file in new[] { SetFiles[0], SetFiles[2] })
            Assert.NotEqual(File.ReadAllBytes(Path.Combine(first, file)), File.ReadAllBytes(Path.Combine(other, file)));

        // Every verb reads it at its own size: a tied autoencoder of 900 inputs.
        var trained = CliProcess.Run("train", "dae", "--dataset", "shapes", "--data-dir", first, "--hidden", "8", "--epochs", "1",
            "--batch", "4", "--accelerator", "host", "--out", dir.File("run"));
        Assert.True(trained.ExitCode == 0, trained.ToString());
        Assert.Contains("data: shapes (generated), 24 train / 12 test", trained.Stdout);
        var model = SafeTensorsFile.Read(Path.Combine(dir.File("run"), "model.safetensors"));
        Assert.True(model.TryGet("W", out var weights));
        Assert.Equal([8, 900], weights.Shape);
    }

    [Theory]
    [InlineData("train cae --epochs 1", "--dataset shapes: expected a dataset of 28×28 single-channel images, e.g. mnist or fashion-mnist (shapes is 1×30×30)")]
    [InlineData("train classifier --model cnn --labels 10", "--dataset shapes: has 1×30×30 images; the classifiers take 1×28×28 images")]
    public void VerbsThatNeed28By28RefuseShapesInOneLine(string verb, string expected)
    {
        using var dir = new TempDirectory();
        var result = CliProcess.Run([.. verb.Split(' '), "--dataset", "shapes", "--data-dir", dir.File("set"), "--accelerator", "host", "--out", dir.File("run")]);
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Equal($"error: {expected}", result.Stderr.TrimEnd('\n'));
        Assert.False(Directory.Exists(dir.File("run")), "no run directory");
        Assert.False(Directory.Exists(dir.File("set")), "the set is not made for a run that cannot use it");
    }
}
