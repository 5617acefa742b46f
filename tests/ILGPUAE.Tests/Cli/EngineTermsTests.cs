namespace ILGPUAE.Tests.Cli;

using ILGPUAE.Backends;
using ILGPUAE.Cli;
using ILGPUAE.IO;
using ILGPUAE.Tests.IO;
using ILGPUAE.Training;

/// <summary>
/// The engine's errors name its settings as its options do ("out", "device", "learning_rate"), never a flag; the CLI shows each
/// as its flag, wherever in the message it stands.
/// </summary>
public sealed class EngineMessageTermsTests
{
    [Fact]
    public void ANonEmptyOutputDirectory()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("x"), "");
        var e = Assert.Throws<InputException>(() => OutputDirectory.Check(dir.Path, resume: false, force: false));
        Assert.Equal($"out {dir.Path}: directory is not empty; expected a new or empty directory (force to overwrite, resume {dir.Path} to continue)", e.Message);
        Assert.Equal($"--out {dir.Path}: directory is not empty; expected a new or empty directory (--force to overwrite, --resume {dir.Path} to continue)",
            OptionNames.Message(e));
    }

    [Fact]
    public void ADeviceThatDoesNotExist()
    {
        var e = Assert.Throws<AcceleratorUnavailableException>(() => AcceleratorCatalog.Open(AcceleratorKind.Host, 3));
        Assert.Equal("device 3: host has 1 device, expected index 0", e.Message);
        Assert.Equal("--device 3: host has 1 device, expected index 0", OptionNames.Message(e));
    }

    [Fact]
    public void ASettingNamedInsideTheMessage()
    {
        var options = new ILGPUAE.Training.Stacked.FinetuneOptions { LearningRate = 0.1f, MinLearningRate = 0.5 };
        var e = Assert.Throws<InputException>(options.Validate);
        Assert.Equal("min_learning_rate 0.5: expected a number in [0, learning_rate 0.1]", e.Message);
        Assert.Equal("--min-lr 0.5: expected a number in [0, --lr 0.1]", OptionNames.Message(e));
    }
}
