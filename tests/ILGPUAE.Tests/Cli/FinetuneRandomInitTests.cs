namespace ILGPUAE.Tests.Cli;

using System.Text.Json;
using ILGPUAE.Models;
using ILGPUAE.Tests.IO;

/// <summary>`finetune --init random`: the classifier of a pretrained run, its stack drawn at random (no pretrain workaround).</summary>
public sealed class FinetuneRandomInitTests
{
    private static readonly string[] Tiny = ["--mlp", "5", "--max-epochs", "1", "--patience", "0", "--train-limit", "200", "--test-limit", "50", "--seed", "3",
        "--accelerator", "host"];

    [Fact]
    public void AFrozenRandomStackKeepsTheInitialWeightsOfTheClassifiersLayers()
    {
        using var dir = new TempDirectory();
        var run = CliProcess.Run(["finetune", "--init", "random", "--hidden", "12,6", "--freeze", .. Tiny, "--out", dir.File("ft")]);
        Assert.True(run.ExitCode == 0, run.ToString());
        var model = SpecSafeTensors.Read(dir.File("ft/model.safetensors"));
        Assert.Equal([12, 784], model.Tensors["layer0.W"].Shape);
        Assert.Equal(TiedAutoencoder.InitialWeights(784, 12, 3, 0), model.Tensors["layer0.W"].Data);
        Assert.Equal(TiedAutoencoder.InitialWeights(12, 6, 3, 1), model.Tensors["layer1.W"].Data);
        Assert.Equal("random", model.Metadata["pretrained"]);
        // The layers above the frozen stack trained: the MLP layer moved from its initial weights.
        Assert.NotEqual(TiedAutoencoder.InitialWeights(6, 5, 3, 2), model.Tensors["mlp0.W"].Data);
        using var metrics = JsonDocument.Parse(File.ReadAllText(dir.File("ft/metrics.json")));
        Assert.InRange(metrics.RootElement.GetProperty("test_accuracy").GetDouble(), 0, 1);
    }

    [Theory]
    [InlineData(new[] { "--init", "random", "--pretrained", "runs/sda" }, "--pretrained")]
    [InlineData(new[] { "--hidden", "12" }, "--pretrained")]
    public void InconsistentInitOptionsAreRefused(string[] options, string named)
    {
        using var dir = new TempDirectory();
        var run = CliProcess.Run(["finetune", .. options, .. Tiny, "--out", dir.File("ft")]);
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains(named, run.Stderr);
    }
}
