namespace ILGPUAE.Tests.Golden;

using ILGPUAE.Tests.Cli;
using ILGPUAE.Tests.IO;

/// <summary>
/// Tiny fixed-seed runs of the CLI compared with the checkpoints the code wrote before the model core (issue 12) was
/// built, at commit 627d4a0: a refactor must end at the same weights. Each case runs on `host` and on ILGPU's CPU
/// accelerator, each against its own golden file (their sums differ in order, so they differ by rounding).
/// The bar is the issue's: every tensor within 1e-5 relative, as ‖ours − golden‖∞ ≤ 1e-5·‖golden‖∞, and the same names.
/// Set ILGPUAE_RECORD_GOLDEN to the source folder Golden/data to write the files instead (only ever from the code the
/// goldens are meant to pin; say which commit in the commit that changes them).
/// </summary>
public sealed class GoldenRunTests
{
    private const double RelativeTolerance = 1e-5;

    private static readonly string[] Tiny = ["--train-limit", "300", "--test-limit", "50", "--seed", "3"];

    public static TheoryData<string> Backends => new("host", "cpu");

    [Theory]
    [MemberData(nameof(Backends))]
    public void PerSampleDaeEndsAtTheGoldenWeights(string backend)
    {
        using var dir = new TempDirectory();
        // Squared error at lr 0.1 (the defaults): here host and cpu end 2e-6 apart. Cross-entropy at lr 0.1 on 8 units is
        // chaotic (a 1e-6 difference after 20 steps grows to 0.4 after 300), too sensitive to pin a refactor by.
        Run(["train", "dae", "--hidden", "8", "--epochs", "2", .. Tiny, "--accelerator", backend, "--out", dir.File("run")]);
        Compare(backend, "dae-b1", dir.File("run/model.safetensors"));
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void MomentumMinibatchDaeEndsAtTheGoldenWeights(string backend)
    {
        using var dir = new TempDirectory();
        Run(["train", "dae", "--hidden", "8", "--epochs", "2", "--batch", "20", "--momentum", "0.9", "--lr", "0.05", .. Tiny,
            "--accelerator", backend, "--out", dir.File("run")]);
        Compare(backend, "dae-b20-momentum", dir.File("run/model.safetensors"));
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void PretrainThenFinetuneEndAtTheGoldenWeights(string backend)
    {
        using var dir = new TempDirectory();
        Run(["pretrain", "--hidden", "12,6", "--corruption", "0.1,0.2", "--epochs", "2", "--lr", "0.01", .. Tiny,
            "--accelerator", backend, "--out", dir.File("pre")]);
        Compare(backend, "pretrain", dir.File("pre/model.safetensors"));
        Run(["finetune", "--pretrained", dir.File("pre"), "--mlp", "5", "--max-epochs", "2", "--patience", "0", .. Tiny,
            "--accelerator", backend, "--out", dir.File("ft")]);
        Compare(backend, "finetune", dir.File("ft/model.safetensors"));
    }

    private static void Run(string[] args)
    {
        var result = CliProcess.Run(args);
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    private static void Compare(string backend, string name, string actualPath)
    {
        var fileName = $"{backend}-{name}.safetensors";
        var record = Environment.GetEnvironmentVariable("ILGPUAE_RECORD_GOLDEN");
        if (!string.IsNullOrEmpty(record))
        {
            File.Copy(actualPath, Path.Combine(record, fileName), overwrite: true);
            return;
        }
        var golden = SpecSafeTensors.Read(Path.Combine(AppContext.BaseDirectory, "Golden", "data", fileName));
        var actual = SpecSafeTensors.Read(actualPath);
        Assert.Equal(golden.Tensors.Keys.Order(), actual.Tensors.Keys.Order());
        foreach (var (tensor, (shape, expected)) in golden.Tensors)
        {
            var (actualShape, values) = actual.Tensors[tensor];
            Assert.Equal(shape, actualShape);
            double worst = 0, scale = 0;
            for (var i = 0; i < expected.Length; i++)
            {
                worst = Math.Max(worst, Math.Abs((double)values[i] - expected[i]));
                scale = Math.Max(scale, Math.Abs((double)expected[i]));
            }
            Assert.True(worst <= RelativeTolerance * scale,
                $"{fileName} {tensor}: max |ours − golden| = {worst:G4}, allowed {RelativeTolerance * scale:G4} (1e-5 of max |golden| = {scale:G4})");
        }
    }
}
