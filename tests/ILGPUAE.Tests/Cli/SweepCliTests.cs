namespace ILGPUAE.Tests.Cli;

using ILGPUAE.Cli.Verbs;
using ILGPUAE.Cli;
using ILGPUAE.IO;
using ILGPUAE.Tests.IO;
using ILGPUAE.Tests.Training.Sweeps;
using ILGPUAE.Training.Deep;
using ILGPUAE.Training.Sweeps;

/// <summary>`sweep table` through the CLI, `sweep deep`'s options and run over a fake trial, and one real sweep of train deep + probe svm.</summary>
[Collection(InProcessCliCollection.Name)]
public sealed class SweepCliTests
{
    private static SweepDeepOptions Deep(string outDir, string? shard = null) => new()
    {
        Scheme = DeepScheme.J,
        Regularizer = DeepRegularizer.Denoise,
        Layers = "3,2",
        LearningRates = "0.01,0.02",
        Noise = "0.1,0.3,0.5",
        Epochs = 5,
        Shard = shard,
        Out = outDir,
    };

    [Fact]
    public void TableMergesTheShardsOfASweepIntoTheStudysLayout()
    {
        using var temp = new TempDirectory();
        var trial = new FakeTrial();
        Assert.Equal(0, SweepDeepVerb.Run(Deep(temp.File("sweeps/1"), "1/2"), trial, generated: false));
        Assert.Equal(0, SweepDeepVerb.Run(Deep(temp.File("sweeps/2"), "2/2"), trial, generated: false));
        Assert.Equal(6, trial.Calls.Count);

        var result = InProcessCli.Run("sweep", "table", "--rows", $"{temp.File("sweeps/1")},{temp.File("sweeps/2/rows.csv")}", "--out", temp.File("table"));

        Assert.True(result.ExitCode == 0, result.ToString());
        var rows = SweepRowsFile.Merge([temp.File("sweeps")], _ => { });
        var markdown = File.ReadAllText(Path.Combine(temp.File("table"), SweepTableFiles.MarkdownName));
        Assert.Equal(ResultsTable.Of(rows).Markdown(), markdown);
        Assert.Contains(markdown, result.Stdout);
        // FakeTrial: #5 (lr 0.02, noise 0.5) has the lowest validation error of these six; its test errors are 100 + 3·5 of 10000,
        // 1.15 % ± 1.96·√(0.0115·0.9885/10000) = 0.21 %.
        Assert.Contains("| mnist | — | 1.48 ± 0.24 | 1.15 ± 0.21 (5 ep, 6 runs) | 1.39 ± 0.23 |", markdown);
        Assert.Equal(ResultsTable.Of(rows).Csv(), File.ReadAllText(Path.Combine(temp.File("table"), SweepTableFiles.CsvName)));
        Assert.Equal(7, File.ReadAllLines(Path.Combine(temp.File("table"), SweepTableFiles.MergedRowsName)).Length);
    }

    [Fact]
    public void ARerunOfTheSameSweepCommandRunsOnlyWhatIsMissing()
    {
        using var temp = new TempDirectory();
        var first = new FakeTrial { KillAtCall = 3 };
        Assert.Throws<SimulatedKill>(() => SweepDeepVerb.Run(Deep(temp.File("sweep")), first, generated: false));

        var second = new FakeTrial();
        Assert.Equal(0, SweepDeepVerb.Run(Deep(temp.File("sweep")), second, generated: false));

        Assert.Equal(["lr0.01-noise0.5", "lr0.02-noise0.1", "lr0.02-noise0.3", "lr0.02-noise0.5"], second.Calls);
    }

    [Theory]
    [InlineData("3/2")]
    [InlineData("0/4")]
    [InlineData("1/0")]
    [InlineData("x")]
    public void ABadShardIsOneLineNamingTheFlag(string shard)
    {
        var e = Assert.Throws<InputException>(() => Deep("unused", shard).ToPlan(generated: false));

        Assert.Equal($"--shard {shard}: expected i/n with integers 1 ≤ i ≤ n, e.g. 2/4 (the second of four shards)", OptionNames.Message(e));
        Assert.False(Directory.Exists("unused"));
    }

    [Fact]
    public void AStrengthListOfAnotherRegularizerAndABadGridAreRefusedNamingTheirFlags()
    {
        var contraction = Deep("unused");
        contraction.Contraction = "0.1";
        var lr = Deep("unused");
        lr.LearningRates = "0.01,0.01";

        var wrong = Assert.Throws<InputException>(() => contraction.ToPlan(false));
        var twice = Assert.Throws<InputException>(() => lr.ToPlan(false));

        Assert.Equal("--contraction 0.1: not swept with --regularizer denoise; expected --noise instead", OptionNames.Message(wrong));
        Assert.Equal("--lr 0.01,0.01: 0.01 is given twice; expected distinct values", OptionNames.Message(twice));
    }

    /// <summary>
    /// Table I's GSN setup in a sweep: every configuration trains with salt-and-pepper noise on binarised data, each row's settings say
    /// so, and the same sweep directory refuses a rerun without --binarize or with the study's Gaussian noise; a bad kind is one line.
    /// </summary>
    [Fact]
    public void TheGsnSetupIsInEveryConfigurationAndInTheRowsSettings()
    {
        using var temp = new TempDirectory();
        SweepDeepOptions Gsn(bool binarize, string? kind) { var o = Deep(temp.File("sweep")); o.NoiseKind = kind; o.Binarize = binarize; return o; }
        var gsn = Gsn(true, "salt-and-pepper");
        var trial = new DeepSweepTrial(gsn.CellOptions(), ILGPUAE.Backends.AcceleratorKind.Host, 0, null, new ILGPUAE.Tests.Training.QuietObserver());
        var first = trial.OptionsOf(gsn.ToPlan(false).Grid.Configs[0]);
        Assert.Equal((ILGPUAE.Backend.CorruptionKind.SaltAndPepper, true, 0.1f), (first.NoiseKind, first.Binarize, first.Noise));

        Assert.Equal(0, SweepDeepVerb.Run(gsn, new FakeTrial(), generated: false));

        var rows = SweepRowsFile.Merge([temp.File("sweep")], _ => { });
        Assert.All(rows, r => Assert.Equal(
            "epochs=5 joint_epochs=epochs noise_kind=salt-and-pepper batch=100 seed=1 train_limit=all valid_limit=all test_limit=all binarize=true", r.Settings));
        foreach (var other in new[] { Gsn(false, "salt-and-pepper"), Gsn(true, null) })
        {
            var e = Assert.Throws<InputException>(() => SweepDeepVerb.Run(other, new FakeTrial(), generated: false));
            Assert.Contains("has the settings 'epochs=5 joint_epochs=epochs noise_kind=salt-and-pepper", e.Message);
        }
        var bad = Assert.Throws<InputException>(() => Gsn(true, "pepper").ToPlan(false));
        Assert.Equal("--noise-kind pepper: expected gaussian, masking or salt-and-pepper", OptionNames.Message(bad));
    }

    [Fact]
    public void TableRefusesMissingRowsAndConflictingShardsInOneLineLeavingTheLastTable()
    {
        using var temp = new TempDirectory();
        var missing = InProcessCli.Run("sweep", "table", "--rows", temp.File("nothing"), "--out", temp.File("table"));
        InProcessCli.AssertRefused(missing, $"--rows {temp.File("nothing")}: not found");
        Assert.False(Directory.Exists(temp.File("table")));

        Assert.Equal(0, SweepDeepVerb.Run(Deep(temp.File("a")), new FakeTrial(), generated: false));
        Assert.Equal(0, InProcessCli.Run("sweep", "table", "--rows", temp.File("a"), "--out", temp.File("table")).ExitCode);
        var table = File.ReadAllText(Path.Combine(temp.File("table"), SweepTableFiles.MarkdownName));
        // The same sweep with other results for one configuration (another seed, say).
        var other = File.ReadAllLines(Path.Combine(temp.File("a"), SweepRowsFile.FileName));
        var fields = CsvLine.Parse(other[2])!;
        fields[Array.IndexOf(SweepRow.Header, "test_errors")] = "99";
        other[2] = CsvLine.Format(fields);
        Directory.CreateDirectory(temp.File("b"));
        File.WriteAllLines(Path.Combine(temp.File("b"), SweepRowsFile.FileName), other);

        var conflict = InProcessCli.Run("sweep", "table", "--rows", $"{temp.File("a")},{temp.File("b")}", "--out", temp.File("table"));

        InProcessCli.AssertRefused(conflict, "with different results");
        Assert.Equal(table, File.ReadAllText(Path.Combine(temp.File("table"), SweepTableFiles.MarkdownName)));
    }

    /// <summary>
    /// `sweep deep` for real on a tiny generated set: every configuration trains a deep autoencoder and probes its codes with the
    /// SVM, each row's figures are the trial directory's svm.json, and the same command again runs nothing.
    /// </summary>
    [Fact]
    public void ARealSweepTrainsAndProbesEachConfigurationAndTheSameCommandResumesWithNothingToDo()
    {
        using var temp = new TempDirectory();
        string[] args = ["sweep", "deep", "--dataset", "rect", "--scheme", "J", "--regularizer", "contract", "--contraction", "0.1", "--lr", "0.005,0.02",
            "--layers", "20,10", "--epochs", "1", "--accelerator", "host", "--train-limit", "300", "--valid-limit", "100", "--test-limit", "500",
            "--data-dir", temp.File("rect"), "--out", temp.File("sweep")];
        var first = CliProcess.Run(args);
        Assert.True(first.ExitCode == 0, first.ToString());
        var rows = SweepRowsFile.Merge([temp.File("sweep")], _ => { });
        Assert.Equal(2, rows.Count);
        foreach (var row in rows)
        {
            using var svm = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(temp.File("sweep"), "trials", row.Config.Key, "svm.json")));
            Assert.Equal(500, row.Outcome!.TestExamples);
            Assert.Equal(svm.RootElement.GetProperty("test_errors").GetInt32(), row.Outcome.TestErrors);
            var chosen = svm.RootElement.GetProperty("chosen_c").GetDouble();
            var chosenFit = svm.RootElement.GetProperty("grid").EnumerateArray().Single(f => f.GetProperty("c").GetDouble() == chosen);
            Assert.Equal(chosenFit.GetProperty("valid_error").GetDouble(), row.Outcome.ValidError, 12);
        }
        var rowsText = File.ReadAllText(Path.Combine(temp.File("sweep"), SweepRowsFile.FileName));

        var again = CliProcess.Run(args);

        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("ran 0, 2 already done", again.Stdout);
        Assert.Equal(rowsText, File.ReadAllText(Path.Combine(temp.File("sweep"), SweepRowsFile.FileName)));
    }
}
