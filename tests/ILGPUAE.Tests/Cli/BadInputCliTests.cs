namespace ILGPUAE.Tests.Cli;

using System.IO.Compression;
using ILGPUAE.Backends;
using ILGPUAE.Data;
using ILGPUAE.Tests.IO;

/// <summary>
/// Bad input to `train dae`: exit code 2, one line on stderr that names the option or file and what was
/// expected, no stack trace, and nothing written where --out points.
/// </summary>
public sealed class BadInputCliTests
{
    // Small enough that a run the checks fail to stop ends quickly (and then fails the exit-code assertion).
    private static readonly string[] Small = ["train", "dae", "--epochs", "1", "--train-limit", "50", "--test-limit", "20"];

    public static TheoryData<string, string, string> OutOfRangeOptions => new()
    {
        { "--hidden", "0", "an integer ≥ 1" },
        { "--corruption", "1.5", "a probability in [0, 1]" },
        { "--batch", "0", "an integer ≥ 1" },
        { "--lr", "-1", "a finite number > 0" },
    };

    [Theory]
    [MemberData(nameof(OutOfRangeOptions))]
    public void AnOutOfRangeOptionIsRefusedBeforeAnythingIsWritten(string option, string value, string expected)
    {
        using var dir = new TempDirectory();
        var outDir = dir.File("run");

        string[] hidden = option == "--hidden" ? [] : ["--hidden", "5"];
        var result = CliProcess.Run([.. Small, .. hidden, "--accelerator", "cpu", option, value, "--out", outDir]);

        var message = AssertBadInput(result);
        Assert.Equal($"error: {option} {value}: expected {expected}", message);
        Assert.False(Directory.Exists(outDir), $"{outDir} was created");
    }

    [Fact]
    public void AnOutPathUnderARegularFileIsRefused()
    {
        using var dir = new TempDirectory();
        var file = dir.File("not-a-dir");
        File.WriteAllText(file, "keep me");

        var result = CliProcess.Run([.. Small, "--hidden", "5", "--accelerator", "cpu", "--out", Path.Combine(file, "run")]);

        var message = AssertBadInput(result);
        Assert.StartsWith("error: --out ", message);
        Assert.Contains($"{file} is a regular file", message);
        Assert.Contains("expected a directory", message);
        Assert.Equal(["not-a-dir"], dir.Entries());
        Assert.Equal("keep me", File.ReadAllText(file));
    }

    [Fact]
    public void ANonEmptyOutWithoutForceIsRefusedAndLeftAlone()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("notes.txt"), "mine");

        var result = CliProcess.Run([.. Small, "--hidden", "5", "--accelerator", "cpu", "--out", dir.Path]);

        var message = AssertBadInput(result);
        Assert.StartsWith($"error: --out {dir.Path}: directory is not empty; expected", message);
        Assert.Contains("--force", message);
        Assert.Equal(["notes.txt"], dir.Entries());
        Assert.Equal("mine", File.ReadAllText(dir.File("notes.txt")));
    }

    [Fact]
    public void ATruncatedIdxFileInDataDirIsRefused()
    {
        using var dir = new TempDirectory();
        var data = Directory.CreateDirectory(dir.File("mnist")).FullName;
        foreach (var file in Mnist.Files)
            File.WriteAllBytes(Path.Combine(data, file.FileName), RawCachedFile(file));
        // Cut the training images short: the header still promises 60000 images of 28×28.
        var truncated = Path.Combine(data, Mnist.TrainImages.FileName);
        File.WriteAllBytes(truncated, File.ReadAllBytes(truncated)[..(16 + 784 * 10)]);
        var outDir = dir.File("run");

        var result = CliProcess.Run([.. Small, "--hidden", "5", "--accelerator", "cpu", "--data-dir", data, "--out", outDir]);

        var message = AssertBadInput(result);
        Assert.StartsWith($"error: {truncated}: ", message);
        Assert.Contains("expected 47040000", message);
        Assert.False(Directory.Exists(outDir), $"{outDir} was created");
        Assert.Equal(4, Directory.GetFiles(data).Length);
    }

    [Fact]
    public void AnOpenClAcceleratorThatCannotRunIsRefused()
    {
        // Here the only OpenCL device lacks OpenCL 2.0 generic pointers, or there is none. Where a usable one
        // exists, ask for a device index past the last one instead: the same refusal, by index.
        var openCl = AcceleratorCatalog.List().Where(d => d.Kind == AcceleratorKind.OpenCL).ToList();
        var deviceArgs = openCl.Any(d => d.Usable) ? new[] { "--device", openCl.Count.ToString() } : [];
        using var dir = new TempDirectory();
        var outDir = dir.File("run");

        var result = CliProcess.Run([.. Small, "--hidden", "5", "--accelerator", "opencl", .. deviceArgs, "--out", outDir]);

        var message = AssertBadInput(result);
        Assert.Contains("opencl", message);
        Assert.Matches("^error: (--accelerator opencl|--device )", message);
        Assert.False(Directory.Exists(outDir), $"{outDir} was created");
    }

    /// <summary>Exit code 2, exactly one line on stderr starting "error: ", no stack trace; returns that line.</summary>
    internal static string AssertBadInput(CliResult result)
    {
        Assert.True(result.ExitCode == 2, result.ToString());
        var lines = result.Stderr.TrimEnd('\r', '\n').Split('\n');
        Assert.True(lines.Length == 1, result.ToString());
        Assert.StartsWith("error: ", lines[0]);
        Assert.DoesNotContain("   at ", result.Stderr + result.Stdout);
        Assert.DoesNotContain("Exception", result.Stderr + result.Stdout);
        return lines[0];
    }

    /// <summary>The raw bytes of one cached MNIST file (decompressed if the cache holds it gzipped).</summary>
    private static byte[] RawCachedFile(Mnist.MnistFile file)
    {
        var raw = Path.Combine(Mnist.DefaultDataDir(), file.FileName);
        if (File.Exists(raw))
            return File.ReadAllBytes(raw);
        _ = MnistSample.Train(1); // makes sure the cache is there (fetches it if not)
        if (File.Exists(raw))
            return File.ReadAllBytes(raw);
        using var gzip = new GZipStream(File.OpenRead(raw + ".gz"), CompressionMode.Decompress);
        using var copy = new MemoryStream();
        gzip.CopyTo(copy);
        return copy.ToArray();
    }
}
