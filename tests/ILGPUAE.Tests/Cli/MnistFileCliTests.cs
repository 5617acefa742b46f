namespace ILGPUAE.Tests.Cli;

using ILGPUAE.Data;
using ILGPUAE.Tests.IO;

/// <summary>
/// Issue 13: the command line's answer to a bad MNIST directory (before, tested only inside the library): an IDX file that fails
/// its SHA-256 and a missing IDX file that cannot be fetched are each one line naming the file or directory, exit code 2, with
/// nothing written to --out; the failing file is moved aside, never used. The images are links to the cached release (the
/// checksum pass reads them; nothing writes them), the labels are copies a test may change.
/// </summary>
public sealed class MnistFileCliTests : IDisposable
{
    private readonly TempDirectory root = new();

    public MnistFileCliTests()
    {
        var cache = Datasets.DefaultDataDir(DatasetKind.Mnist);
        Directory.CreateDirectory(DataDir);
        foreach (var file in Mnist.Files)
        {
            var source = Path.Combine(cache, file.FileName);
            Assert.True(File.Exists(source), $"{source} is missing; run `ilgpuae data fetch mnist` first (run-tests.sh does)");
            var target = Path.Combine(DataDir, file.FileName);
            if (file.FileName.Contains("labels", StringComparison.Ordinal))
                File.Copy(source, target);
            else
                File.CreateSymbolicLink(target, source);
        }
    }

    private string DataDir => root.File("mnist");

    private string Out => root.File("run");

    [Fact]
    public void AnIdxFileThatFailsItsChecksumIsOneLineAndMovedAside()
    {
        var labels = Path.Combine(DataDir, Mnist.TestLabels.FileName);
        var bytes = File.ReadAllBytes(labels);
        bytes[^1] ^= 1; // a label 0–9 stays a valid label: only the checksum can tell
        File.WriteAllBytes(labels, bytes);

        var result = Train();

        Assert.True(result.ExitCode == 2, result.ToString());
        var line = Assert.Single(result.Stderr.TrimEnd().Split('\n'));
        Assert.StartsWith($"error: {labels}", line);
        Assert.Contains("SHA-256", line);
        Assert.DoesNotContain("   at ", result.Stderr);
        Assert.False(File.Exists(labels), "the file that failed its checksum is still in place");
        Assert.Single(Directory.EnumerateFiles(DataDir, Mnist.TestLabels.FileName + ".corrupt-*"));
        Assert.False(Directory.Exists(Out));
    }

    [Fact]
    public void AMissingIdxFileThatCannotBeFetchedIsOneLine()
    {
        File.Delete(Path.Combine(DataDir, Mnist.TrainLabels.FileName));

        // No npm on the child's PATH: the fetch the missing file calls for cannot run.
        var result = CliProcess.Run(new Dictionary<string, string?> { ["PATH"] = "" }, Args());

        Assert.True(result.ExitCode == 2, result.ToString());
        var line = Assert.Single(result.Stderr.TrimEnd().Split('\n'));
        Assert.StartsWith("error: npm is not on PATH", line);
        Assert.Contains(DataDir, line);
        Assert.DoesNotContain("   at ", result.Stderr);
        Assert.False(Directory.Exists(Out));
    }

    private CliResult Train() => CliProcess.Run(Args());

    private string[] Args() =>
        ["train", "dae", "--hidden", "5", "--epochs", "1", "--train-limit", "50", "--test-limit", "20", "--accelerator", "host", "--data-dir", DataDir, "--out", Out];

    public void Dispose() => root.Dispose();
}
