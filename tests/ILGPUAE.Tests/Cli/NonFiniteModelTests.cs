namespace ILGPUAE.Tests.Cli;

using ILGPUAE.IO;
using ILGPUAE.Tests.IO;

/// <summary>
/// A model file holding a NaN is refused in one line naming the tensor and the element, exit code 2 (issue 13: `eval` used to
/// print a NaN test loss and exit 0).
/// </summary>
public sealed class NonFiniteModelTests
{
    [Fact]
    public void EvalRefusesAModelWithANaNWeight()
    {
        using var dir = new TempDirectory();
        var run = CliProcess.Run("train", "dae", "--hidden", "12", "--batch", "10", "--epochs", "1", "--train-limit", "100", "--test-limit", "50",
            "--accelerator", "host", "--out", dir.File("run"));
        Assert.True(run.ExitCode == 0, run.ToString());
        var path = dir.File("run/model.safetensors");
        var file = SafeTensorsFile.Read(path);
        var tensors = file.Tensors.Select(t => t.Name == "W" ? t with { Data = [.. t.Data.Select((v, i) => i == 7 ? float.NaN : v)] } : t).ToList();
        new SafeTensorsFile(tensors, file.Metadata).Write(path);

        var eval = CliProcess.Run("eval", "--model", dir.File("run"), "--accelerator", "host");
        Assert.True(eval.ExitCode == 2, eval.ToString());
        Assert.Contains($"{path}: tensor 'W' holds NaN at element 7; expected finite values", eval.Stderr);
        Assert.DoesNotContain("   at ", eval.Stderr);
    }
}
