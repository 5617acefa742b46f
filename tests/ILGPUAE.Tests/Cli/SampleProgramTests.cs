namespace ILGPUAE.Tests.Cli;

using System.Diagnostics;
using ILGPUAE.Tests.IO;

/// <summary>
/// The README's sample (samples/TrainDae: a program of at most 15 lines that references the engine library, trains a DAE on
/// MNIST on the best accelerator present and saves it) is built with the tests and run here at a tiny size.
/// </summary>
public sealed class SampleProgramTests
{
    [Fact]
    public async Task TheSampleProgramTrainsAndSavesADae()
    {
        var source = Path.Combine(Packaging.Repository.Root, "samples", "TrainDae", "Program.cs");
        Assert.True(File.ReadAllLines(source).Length <= 15, $"{source} has grown past the 15 lines the README promises");
        var dll = Path.Combine(AppContext.BaseDirectory, "TrainDae.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing; the test project must reference samples/TrainDae");
        using var dir = new TempDirectory();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { dll, dir.File("dae"), "200" })
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(limit.Token);
        var (output, errors) = (await stdout, await stderr);
        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}\n{errors}\n{output}");
        Assert.Contains("test loss", output);
        var model = SpecSafeTensors.Read(dir.File("dae/model.safetensors"));
        Assert.Equal([100, 784], model.Tensors["W"].Shape);
    }
}
