namespace ILGPUAE.Tests.Cli;

using System.Diagnostics;
using System.Reflection;
using global::CommandLine;
using ILGPUAE.Cli;
using ILGPUAE.Cli.Verbs;
using ILGPUAE.IO;
using ILGPUAE.Tests.IO;
using ILGPUAE.Tests.Training.Sweeps;
using ILGPUAE.Training.Deep;
using ILGPUAE.Training.Labels;
using ILGPUAE.Training.Sweeps;

/// <summary>
/// `sweep deep --slurm`: the sbatch script it writes (read back by bash, its task command parsed back by the CLI), its submission
/// through a fake `sbatch` on PATH that records its arguments, and its refusals; `sweep merge` of the shards. The real cluster
/// (slurmctld, slurmd, munge) is tools/slurm/cluster-test.sh, run by run-tests.sh.
/// </summary>
[Collection(InProcessCliCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SweepSlurmCliTests
{
    private static readonly string[] Sweep =
        ["sweep", "deep", "--scheme", "UJ", "--regularizer", "denoise", "--lr", "0.005,0.02", "--noise", "0.1,0.3", "--layers", "20,10", "--epochs", "2",
         "--joint-epochs", "1", "--noise-kind", "salt-and-pepper", "--binarize", "--seed", "7", "--accelerator", "host", "--train-limit", "300",
         "--dataset", "rect"];

    /// <summary>A directory holding an executable `sbatch` that runs <paramref name="body"/> (bash) with the arguments it was given.</summary>
    private static string FakeSbatch(TempDirectory temp, string body)
    {
        var bin = temp.File("bin");
        Directory.CreateDirectory(bin);
        var sbatch = Path.Combine(bin, "sbatch");
        File.WriteAllText(sbatch, "#!/bin/bash\n" + body + "\n");
        File.SetUnixFileMode(sbatch, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return bin;
    }

    private static Dictionary<string, string?> WithPath(string bin) =>
        new() { ["PATH"] = $"{bin}{Path.PathSeparator}{Environment.GetEnvironmentVariable("PATH")}" };

    /// <summary>
    /// The words of the script's task command as bash reads them for array task <paramref name="task"/>: the script run with its
    /// `exec` replaced by printing each word, so that its quoting and variables are bash's, not ours.
    /// </summary>
    private static string[] TaskWords(string script, int task, TempDirectory temp)
    {
        var lines = File.ReadAllLines(script);
        var exec = Assert.Single(lines, l => l.StartsWith("exec ", StringComparison.Ordinal));
        var printing = temp.File($"print-{task}.sh");
        File.WriteAllLines(printing, lines.Select(l => l == exec ? "printf '%s\\0' " + exec["exec ".Length..] : l));
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(printing);
        start.Environment["SLURM_ARRAY_TASK_ID"] = task.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var bash = Process.Start(start)!;
        var words = bash.StandardOutput.ReadToEnd();
        bash.WaitForExit();
        Assert.True(bash.ExitCode == 0, bash.StandardError.ReadToEnd());
        return words.Split('\0')[..^1];
    }

    private static T Parsed<T>(string[] args)
    {
        var parsed = CliApp.Parse(args);
        return Assert.IsType<T>(parsed.Value);
    }

    [Fact]
    public void SubmittingWritesTheArrayScriptWhoseTasksRunTheSameSweepShardByShard()
    {
        using var temp = new TempDirectory();
        var record = temp.File("sbatch-args");
        var bin = FakeSbatch(temp, $"printf '%s\\n' \"$@\" > '{record}'\necho '4242;cluster'");
        var outDir = temp.File("it's a sweep");
        string[] args = [.. Sweep, "--data-dir", "relative/rect", "--out", outDir, "--slurm", "--shards", "3", "--slurm-args", "partition=short  time=1:00 --gres=gpu:1"];

        var result = CliProcess.Run(WithPath(bin), args);

        Assert.True(result.ExitCode == 0, result.ToString());
        var script = Path.Combine(outDir, "slurm", "sweep.sbatch");
        Assert.Equal(["--parsable", script], File.ReadAllLines(record));
        Assert.Contains("submitted job 4242:", result.Stdout);
        Assert.Contains($"sweep merge --rows '{outDir.Replace("'", "'\\''")}' --out '{Path.Combine(outDir, "merged").Replace("'", "'\\''")}'", result.Stdout);
        var lines = File.ReadAllLines(script);
        Assert.Equal("#!/bin/bash", lines[0]);
        string[] sbatchLines = ["#SBATCH --job-name=ilgpuae-sweep-deep", "#SBATCH --array=1-3", $"#SBATCH --output=\"{outDir}/slurm/%A_%a.out\"",
            $"#SBATCH --chdir={Environment.CurrentDirectory}", "#SBATCH --partition=short", "#SBATCH --time=1:00", "#SBATCH --gres=gpu:1"];
        Assert.Equal(sbatchLines, lines.Where(l => l.StartsWith("#SBATCH", StringComparison.Ordinal)));

        var given = Parsed<SweepDeepOptions>(args);
        var whole = given.ToPlan(generated: true);
        foreach (var task in new[] { 1, 3 })
        {
            var words = TaskWords(script, task, temp);
            // The running ilgpuae: the dotnet host and the CLI's dll, absolute.
            Assert.Equal("dotnet", Path.GetFileName(words[0]));
            Assert.True(Path.IsPathRooted(words[0]) && File.Exists(words[0]), words[0]);
            Assert.Equal(CliProcess.DllPath, words[1]);
            var parsed = Parsed<SweepDeepOptions>(words[2..]);
            Assert.Equal($"{task}/3", parsed.Shard);
            Assert.Equal(Path.Combine(outDir, $"shard-{task}"), parsed.Out);
            Assert.Equal((false, null, null), (parsed.Slurm, parsed.Shards, parsed.SlurmArgs));
            Assert.Equal(Path.GetFullPath("relative/rect"), parsed.DataDir);
            // Every other option as given.
            foreach (var property in typeof(SweepDeepOptions).GetProperties().Where(p => p.GetCustomAttribute<OptionAttribute>() is { } o
                         && o.LongName is not ("shard" or "out" or "slurm" or "shards" or "slurm-args" or "data-dir")))
                Assert.True(Equals(property.GetValue(given), property.GetValue(parsed)), $"{property.Name}: {property.GetValue(given)} vs {property.GetValue(parsed)}");
            var plan = parsed.ToPlan(generated: true);
            Assert.Equal((whole.Cell, whole.Settings, whole.Grid.ToString()), (plan.Cell, plan.Settings, plan.Grid.ToString()));
            Assert.Equal(whole.Grid.Configs.Where(c => c.Ordinal % 3 == task - 1), plan.Mine);
        }
    }

    /// <summary>
    /// `sweep labels --slurm`: the same script, its tasks the same label sweep shard by shard, and the merge it prints the same sweep
    /// into OUT/merged importing every shard.
    /// </summary>
    [Fact]
    public void TheLabelSweepSubmitsTheSameWayAndItsMergeImportsEveryShard()
    {
        using var temp = new TempDirectory();
        var bin = FakeSbatch(temp, "echo 77");
        var outDir = temp.File("labels");
        string[] args = ["sweep", "labels", "--quick", "--models", "cnn,random", "--repeats", "3", "--seed", "5", "--accelerator", "host", "--out", outDir, "--slurm", "--shards", "4"];

        var result = CliProcess.Run(WithPath(bin), args);

        Assert.True(result.ExitCode == 0, result.ToString());
        var given = Parsed<SweepLabelsOptions>(args).ToOptions();
        var words = TaskWords(Path.Combine(outDir, "slurm", "sweep.sbatch"), 4, temp);
        var task = Parsed<SweepLabelsOptions>(words[2..]);
        Assert.Equal(given.Settings(), task.ToOptions().Settings());
        Assert.Equal(LabelSweep.Plan(given).Select(p => p.Key.ToString()), LabelSweep.Plan(task.ToOptions()).Select(p => p.Key.ToString()));
        Assert.Equal(("4/4", Path.Combine(outDir, "shard-4")), (task.Shard, task.Out));
        var mergeLine = result.Stdout.Split('\n').Single(l => l.StartsWith("when all 4 have finished: ", StringComparison.Ordinal));
        var mergeWords = TaskWords(WriteScript(temp, "exec " + mergeLine["when all 4 have finished: ".Length..]), 1, temp);
        var merge = Parsed<SweepLabelsOptions>(mergeWords[2..]);
        Assert.Equal(given.Settings(), merge.ToOptions().Settings());
        Assert.Equal((null, Path.Combine(outDir, "merged")), (merge.Shard, merge.Out));
        Assert.Equal(Enumerable.Range(1, 4).Select(i => Path.Combine(outDir, $"shard-{i}")), merge.Import!.Split(','));
    }

    private static string WriteScript(TempDirectory temp, string line)
    {
        var path = temp.File("line.sh");
        File.WriteAllLines(path, ["#!/bin/bash", line]);
        return path;
    }

    [Fact]
    public void WithoutSbatchOnPathTheScriptIsStillWrittenAndTheRefusalIsOneLine()
    {
        using var temp = new TempDirectory();
        Directory.CreateDirectory(temp.File("empty"));
        var outDir = temp.File("sweep");

        var result = CliProcess.Run(new Dictionary<string, string?> { ["PATH"] = temp.File("empty") }, [.. Sweep, "--out", outDir, "--slurm", "--shards", "2"]);

        var line = InProcessCli.AssertRefused(result, "sbatch: not found on PATH, nothing submitted");
        var script = Path.Combine(outDir, "slurm", "sweep.sbatch");
        Assert.Contains($"sbatch {script}", line);
        Assert.Contains("#SBATCH --array=1-2", File.ReadAllLines(script));
        Assert.False(Directory.Exists(Path.Combine(outDir, "shard-1")));
    }

    [Fact]
    public void SbatchRefusingTheScriptIsOneLineWithItsMessage()
    {
        using var temp = new TempDirectory();
        var bin = FakeSbatch(temp, "echo 'sbatch: error: invalid partition specified: gpu' >&2\necho 'sbatch: error: Batch job submission failed' >&2\nexit 1");

        var result = CliProcess.Run(WithPath(bin), [.. Sweep, "--out", temp.File("sweep"), "--slurm", "--shards", "2", "--slurm-args", "partition=gpu"]);

        InProcessCli.AssertRefused(result, "sbatch: exited with 1 (sbatch: error: invalid partition specified: gpu sbatch: error: Batch job submission failed)");
    }

    [Theory]
    [InlineData(new[] { "--shards", "2" }, "--shards 2: only with --slurm")]
    [InlineData(new[] { "--slurm-args", "time=1:00" }, "--slurm-args time=1:00: only with --slurm")]
    [InlineData(new[] { "--slurm" }, "--shards: missing; expected the number of array tasks with --slurm, from 1 to 4 (the sweep's configurations)")]
    [InlineData(new[] { "--slurm", "--shards", "5" }, "--shards 5: expected an integer from 1 to 4 (the sweep's configurations)")]
    [InlineData(new[] { "--slurm", "--shards", "0" }, "--shards 0: expected an integer from 1 to 4")]
    [InlineData(new[] { "--slurm", "--shards", "2", "--shard", "1/2" }, "--shard 1/2: not with --slurm")]
    [InlineData(new[] { "--slurm", "--shards", "2", "--slurm-args", "-p gpu" }, "--slurm-args -p gpu: '-p' is not an sbatch option")]
    [InlineData(new[] { "--slurm", "--shards", "2", "--slurm-args", "array=1-9" }, "--slurm-args array=1-9: --array=1-9 is set by --shards")]
    public void BadSlurmOptionsAreOneLineAndNothingIsWritten(string[] slurm, string named)
    {
        using var temp = new TempDirectory();

        var result = InProcessCli.Run([.. Sweep, "--out", temp.File("sweep"), .. slurm]);

        InProcessCli.AssertRefused(result, named);
        Assert.False(Directory.Exists(temp.File("sweep")));
    }

    [Fact]
    public void TheLauncherIsTheExecutableAndTheDllWhenTheHostIsDotnet()
    {
        Assert.Equal(["/usr/share/dotnet/dotnet", "/opt/ilgpuae/ilgpuae.dll"], SlurmArray.LauncherOf("/usr/share/dotnet/dotnet", "/opt/ilgpuae/ilgpuae.dll"));
        Assert.Equal(["/opt/ilgpuae/ilgpuae"], SlurmArray.LauncherOf("/opt/ilgpuae/ilgpuae", "/opt/ilgpuae/ilgpuae.dll"));
    }

    private static SweepDeepOptions Deep(string outDir, string? shard = null, string layers = "3,2") => new()
    {
        Scheme = DeepScheme.J,
        Regularizer = DeepRegularizer.Denoise,
        Layers = layers,
        LearningRates = "0.01,0.02",
        Noise = "0.1,0.3,0.5",
        Epochs = 5,
        Shard = shard,
        Out = outDir,
    };

    /// <summary>A rows file's lines without the last field (the seconds each run took, the only one a rerun changes).</summary>
    private static string[] WithoutSeconds(string rowsFile) =>
        [.. File.ReadAllLines(rowsFile).Select(l => l[..l.LastIndexOf(',')])];

    [Fact]
    public void MergeWritesTheShardsRowsAsTheOneProcessSweepsAndAgainOverItsOwnOutput()
    {
        using var temp = new TempDirectory();
        for (var i = 1; i <= 3; i++)
            Assert.Equal(0, SweepDeepVerb.Run(Deep(temp.File($"array/shard-{i}"), $"{i}/3"), new FakeTrial(), generated: false));
        Assert.Equal(0, SweepDeepVerb.Run(Deep(temp.File("one")), new FakeTrial(), generated: false));

        var merged = InProcessCli.Run("sweep", "merge", "--rows", temp.File("array"), "--out", temp.File("array/merged"));
        var again = InProcessCli.Run("sweep", "merge", "--rows", temp.File("array"), "--out", temp.File("array/merged"));

        Assert.True(merged.ExitCode == 0, merged.ToString());
        Assert.Contains("merged 3 rows files: 6 of 6 configurations", merged.Stdout);
        var rows = Path.Combine(temp.File("array/merged"), SweepRowsFile.FileName);
        Assert.Equal(WithoutSeconds(Path.Combine(temp.File("one"), SweepRowsFile.FileName)), WithoutSeconds(rows));
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Equal(merged.Stdout, again.Stdout);
        // The merged directory is a sweep's: the same sweep resumed into it has nothing left to run.
        var resumed = new FakeTrial();
        Assert.Equal(0, SweepDeepVerb.Run(Deep(temp.File("array/merged")), resumed, generated: false));
        Assert.Empty(resumed.Calls);
    }

    [Fact]
    public void MergeOfIncompleteShardsWritesWhatIsThereListsWhatIsMissingAndExits3()
    {
        using var temp = new TempDirectory();
        Assert.Equal(0, SweepDeepVerb.Run(Deep(temp.File("shard-1"), "1/3"), new FakeTrial(), generated: false));
        Assert.Equal(0, SweepDeepVerb.Run(Deep(temp.File("shard-3"), "3/3"), new FakeTrial(), generated: false));

        var result = InProcessCli.Run("sweep", "merge", "--rows", $"{temp.File("shard-1")},{temp.File("shard-3")}", "--out", temp.File("merged"));

        Assert.True(result.ExitCode == CliApp.Incomplete, result.ToString());
        // Shard 2/3 holds the ordinals k with k % 3 = 1 of the six.
        var missing = Enumerable.Range(0, 6).Where(k => k % 3 == 1).Select(k => $"#{k}");
        Assert.StartsWith($"incomplete: 2 of 6 configurations missing: {string.Join(", ", missing)} ", result.Stderr);
        var rows = SweepRowsFile.Merge([temp.File("merged")], _ => { });
        Assert.Equal([0, 2, 3, 5], rows.Select(r => r.Config.Ordinal));
        // Resumed into the merged directory, the sweep runs only what is missing.
        var resumed = new FakeTrial();
        Assert.Equal(0, SweepDeepVerb.Run(Deep(temp.File("merged")), resumed, generated: false));
        Assert.Equal(["lr0.01-noise0.3", "lr0.02-noise0.3"], resumed.Calls);
    }

    [Fact]
    public void MergeRefusesAConfigurationTwoShardsRanAndRowsOfAnotherCellWritingNothing()
    {
        using var temp = new TempDirectory();
        Assert.Equal(0, SweepDeepVerb.Run(Deep(temp.File("shard-1"), "1/2"), new FakeTrial(), generated: false));
        Assert.Equal(0, SweepDeepVerb.Run(Deep(temp.File("whole")), new FakeTrial(), generated: false));
        Assert.Equal(0, SweepDeepVerb.Run(Deep(temp.File("wider"), "2/2", layers: "4,2"), new FakeTrial(), generated: false));

        var twice = InProcessCli.Run("sweep", "merge", "--rows", $"{temp.File("shard-1")},{temp.File("whole")}", "--out", temp.File("merged"));
        var cells = InProcessCli.Run("sweep", "merge", "--rows", $"{temp.File("shard-1")},{temp.File("wider")}", "--out", temp.File("merged"));

        var line = InProcessCli.AssertRefused(twice, "configuration #0 lr0.01-noise0.1 is in ");
        Assert.Contains($"{temp.File("shard-1/rows.csv")} line 2 and in {temp.File("whole/rows.csv")} line 2", line);
        InProcessCli.AssertRefused(cells, "mnist DAE-2J (layers 4-2) is another cell than mnist DAE-2J (layers 3-2)");
        Assert.False(Directory.Exists(temp.File("merged")));
    }
}
