namespace ILGPUAE.Tests.Cli;

using System.Text.Json.Nodes;
using ILGPUAE.IO;
using ILGPUAE.Tests.IO;
using Xunit.Abstractions;

/// <summary>
/// SIGINT and SIGTERM at random instants of training: the run finishes its step, commits a checkpoint of it, prints one line and
/// exits 130 or 143 (a second signal right after the first changes nothing); --resume then ends with the bytes of a run never
/// interrupted. And --checkpoint-every N with SIGKILL at a random step (the engine's step-K hook): the checkpoint left is the
/// last one at a multiple of N or an epoch's end, so the kill lost fewer than N steps, and the resumed run ends identical too.
/// </summary>
public sealed class SignalAndResumeTests(ITestOutputHelper output)
{
    private const int Seed = 13;
    private const int Every = 37;
    private const string EveryText = "37";

    /// <summary>Rounds per verb; CI runs one, ILGPUAE_TEST_SIGNAL_ROUNDS raises it locally to measure (the README's table).</summary>
    private static readonly int Rounds = int.TryParse(Environment.GetEnvironmentVariable("ILGPUAE_TEST_SIGNAL_ROUNDS"), out var r) ? r : 1;

    private static readonly string[] Host = ["--accelerator", "host"];

    // Batch 1: one step per call, so a signal is answered within one example's step and N counts examples.
    [Fact]
    public void TrainDae() => SignalAndResume(
        fresh: ["train", "dae", "--hidden", "16", "--train-limit", "2000", "--test-limit", "50", "--epochs", "3", "--batch", "1", .. Host],
        resume: dir => ["train", "dae", "--resume", dir, "--epochs", "3", .. Host],
        state: "train_state.safetensors", stepsPerEpoch: 2000, epochs: 3,
        compared: ["model.safetensors", "train_state.safetensors", "metrics.json"]);

    [Fact]
    public void Pretrain() => SignalAndResume(
        fresh: ["pretrain", "--hidden", "16,8", "--corruption", "0.2", "--epochs", "2", "--train-limit", "1000", "--test-limit", "50", "--batch", "1", .. Host],
        resume: dir => ["pretrain", "--resume", dir, .. Host],
        // SIGKILL at step K always falls in layer 0 (K < its 2 epochs of 1000 steps).
        state: Path.Combine("layer0", "train_state.safetensors"), stepsPerEpoch: 1000, epochs: 2,
        compared: ["model.safetensors", "metrics.json", .. Layer(0), .. Layer(1)]);

    [Fact]
    public void Finetune() => SignalAndResume(
        fresh: ["finetune", "--init", "random", "--hidden", "16,8", "--mlp", "5", "--max-epochs", "3", "--patience", "0", "--batch", "1",
            "--train-limit", "1000", "--test-limit", "50", .. Host],
        resume: dir => ["finetune", "--resume", dir, .. Host],
        state: "train_state.safetensors", stepsPerEpoch: 1000, epochs: 3,
        compared: ["model.safetensors", "train_state.safetensors", "metrics.json"]);

    /// <summary>Hogwild epochs are not reproducible: mid-epoch checkpoints are refused in one line before anything is written.</summary>
    [Fact]
    public void CheckpointsInsideHogwildEpochsAreRefused()
    {
        using var dir = new TempDirectory();
        var run = dir.File("run");
        var result = InProcessCli.Run(["train", "dae", "--hidden", "8", "--train-limit", "100", "--epochs", "1", "--hogwild", "2", "--checkpoint-every", "5",
            .. Host, "--out", run]);
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.StartsWith("error: --checkpoint-every 5 with --hogwild 2: ", result.Stderr.Trim(), StringComparison.Ordinal);
        Assert.DoesNotContain('\n', result.Stderr.Trim());
        Assert.False(Directory.Exists(run));
    }

    private void SignalAndResume(string[] fresh, Func<string, string[]> resume, string state, int stepsPerEpoch, int epochs, string[] compared)
    {
        using var dir = new TempDirectory();
        var reference = dir.File("reference");
        var uninterrupted = CliProcess.Run([.. fresh, "--out", reference]);
        Assert.True(uninterrupted.ExitCode == 0, uninterrupted.ToString());
        var random = new System.Random(Seed);
        var (signals, kills) = (0, 0);
        for (var round = 0; round < Rounds; round++)
        {
            // A fresh run stopped by SIGINT, its resumption by SIGTERM (and a SIGINT right after it, ignored), each at a random
            // instant of its training; then resumed to the end.
            var run = dir.File($"signalled{round}");
            Interrupt(run, [.. fresh, "--out", run], "INT", 130, then: null);
            Interrupt(run, resume(run), "TERM", 143, then: "INT");
            signals += 2;
            Finish(run);

            // --checkpoint-every N, SIGKILL once step K is done: the checkpoint left is the last multiple of N or epoch end before K.
            run = dir.File($"killed{round}");
            // Even rounds (CI's one) in the first epoch, where no epoch's checkpoint exists yet; odd ones anywhere.
            var k = round % 2 == 0 ? random.Next(Every + 1, stepsPerEpoch) : random.Next(1, stepsPerEpoch * epochs);
            var killed = CliProcess.Run(new Dictionary<string, string?> { [CheckpointCommit.KillVariable] = $"step-{k}" },
                [.. fresh, "--out", run, "--checkpoint-every", EveryText]);
            // 128 + SIGKILL: the hook fired (an engine without it would finish the run).
            Assert.True(killed.ExitCode == 137, $"step-{k}: {killed}");
            var saved = File.Exists(Path.Combine(run, state)) ? Steps(Path.Combine(run, state)) : 0;
            var expected = Math.Max(Every * ((k - 1) / Every), stepsPerEpoch * ((k - 1) / stepsPerEpoch));
            Assert.True(saved == expected && k - saved <= Every,
                $"killed after step {k}: the checkpoint holds step {saved}, expected {expected} (at most {Every} steps lost)");
            kills++;
            Finish(run);
        }
        output.WriteLine($"{(fresh[0] == "train" ? "train dae" : fresh[0])}: {signals} signals (SIGINT, SIGTERM) at random instants, each one line and " +
            $"exit 130/143, and {kills} SIGKILLs with --checkpoint-every {Every}, each losing < {Every} steps; all resumed byte-identical to the uninterrupted run");

        // With --checkpoint-every N (which changes no result): once the run's first checkpoint of its own is on disk, it is in its
        // training loop; the signal comes a random instant later.
        void Interrupt(string run, string[] args, string signal, int exit, string? then)
        {
            var path = Path.Combine(run, state);
            var before = File.Exists(path) ? Steps(path) : -1;
            using var cli = new RunningCli([.. args, "--checkpoint-every", EveryText]);
            while (!cli.HasExited && (File.Exists(path) ? Steps(path) : -1) == before)
                Thread.Sleep(2);
            Thread.Sleep(random.Next(0, 200));
            if (!cli.Signal(signal))
                Assert.Fail($"kill -s {signal}: the run had ended: {cli.Wait()}");
            if (then is not null)
                cli.Signal(then);
            var result = cli.Wait();
            Assert.True(result.ExitCode == exit, result.ToString());
            var line = result.Stderr.Trim();
            Assert.True(!line.Contains('\n') && line.StartsWith($"interrupted (SIG{signal}) at ", StringComparison.Ordinal)
                && line.EndsWith($"; continue with --resume {Path.GetFullPath(run)}", StringComparison.Ordinal), result.ToString());
        }

        void Finish(string run)
        {
            var finished = CliProcess.Run(resume(run));
            Assert.True(finished.ExitCode == 0, finished.ToString());
            foreach (var file in compared)
            {
                var expected = Path.Combine(reference, file);
                var actual = Path.Combine(run, file);
                if (file.EndsWith(".json", StringComparison.Ordinal))
                    Assert.Equal(KillAndResumeTests.WithoutTimings(expected), KillAndResumeTests.WithoutTimings(actual));
                else
                    Assert.True(File.ReadAllBytes(expected).AsSpan().SequenceEqual(File.ReadAllBytes(actual)), $"{run}: {file} differs from the uninterrupted run's");
            }
            var hidden = Directory.EnumerateFiles(run, ".*", SearchOption.AllDirectories).ToArray();
            Assert.True(hidden.Length == 0, string.Join(", ", hidden));
        }
    }

    private static long Steps(string path) => long.Parse(SafeTensorsFile.Read(path).Metadata["steps"], System.Globalization.CultureInfo.InvariantCulture);

    private static string[] Layer(int layer) =>
        [Path.Combine($"layer{layer}", "model.safetensors"), Path.Combine($"layer{layer}", "train_state.safetensors")];
}
