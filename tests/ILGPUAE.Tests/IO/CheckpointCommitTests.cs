namespace ILGPUAE.Tests.IO;

using System.Text;
using ILGPUAE.IO;

/// <summary>
/// A checkpoint of three files (two in the run directory, one in a layer subdirectory, as `pretrain` writes them) is
/// interrupted at every point of its commit; after <see cref="CheckpointCommit.Recover"/> the directory holds exactly the
/// old or exactly the new checkpoint, byte for byte, and nothing else.
/// </summary>
public sealed class CheckpointCommitTests
{
    private static readonly string[] Files = ["model.safetensors", Path.Combine("layer0", "train_state.safetensors"), "metrics.json"];

    public static TheoryData<string, bool> Points() => new()
    {
        // Before the record: the old checkpoint stands. From the record on: the new one.
        { "staged-1", false }, { "staged-2", false }, { "staged-3", false },
        { "recorded", true }, { "renamed-1", true }, { "renamed-2", true }, { "renamed-3", true },
    };

    [Theory]
    [MemberData(nameof(Points))]
    public void AKillAtAnyPointLeavesTheOldOrTheNewCheckpoint(string point, bool expectNew)
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.File("layer0"));
        Commit(dir.Path, "old", reached: null);

        Assert.Throws<SimulatedKill>(() => Commit(dir.Path, "new", reached: p =>
        {
            if (p == point)
                throw new SimulatedKill();
        }));
        var notes = new List<string>();
        CheckpointCommit.Recover(dir.Path, notes.Add);

        var expected = expectNew ? "new" : "old";
        foreach (var file in Files)
            Assert.Equal(Content(file, expected), File.ReadAllText(Path.Combine(dir.Path, file)));
        Assert.Equal(["layer0", "metrics.json", "model.safetensors"], dir.Entries());
        Assert.Equal(["train_state.safetensors"], Directory.GetFileSystemEntries(dir.File("layer0")).Select(Path.GetFileName));
        Assert.NotEmpty(notes);
    }

    [Fact]
    public void ACompletedCommitLeavesOnlyTheNewFiles()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.File("layer0"));
        Commit(dir.Path, "old", reached: null);
        Commit(dir.Path, "new", reached: null);
        var notes = new List<string>();
        CheckpointCommit.Recover(dir.Path, notes.Add);

        foreach (var file in Files)
            Assert.Equal(Content(file, "new"), File.ReadAllText(Path.Combine(dir.Path, file)));
        Assert.Equal(["layer0", "metrics.json", "model.safetensors"], dir.Entries());
        Assert.Empty(notes);
    }

    [Fact]
    public void RecoverRemovesTemporaryFilesOfKilledWritesAndKeepsEverythingElse()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.File("layer1"));
        string[] leftovers = [".model.safetensors.tmp-0123abcd", ".metrics.json.pending", Path.Combine("layer1", ".model.safetensors.tmp-ff"),
            Path.Combine("layer1", ".train_state.safetensors.pending"), ".write-probe.tmp-99"];
        string[] kept = ["model.safetensors", ".lock", "notes.txt", Path.Combine("layer1", "model.safetensors")];
        foreach (var file in leftovers.Concat(kept))
            File.WriteAllText(dir.File(file), file);
        var notes = new List<string>();

        CheckpointCommit.Recover(dir.Path, notes.Add);

        Assert.All(leftovers, f => Assert.False(File.Exists(dir.File(f)), f));
        Assert.All(kept, f => Assert.Equal(f, File.ReadAllText(dir.File(f))));
        Assert.Contains(notes, n => n.Contains("removed 5 "));
    }

    [Fact]
    public void ARunKilledBeforeItsFirstCommitLeavesADirectoryANewRunMayStartIn()
    {
        // What a kill before the first commit point leaves: the dead run's lock and its pending files. A new run (no --force,
        // no --resume) may start there: nothing in it is a result. Once a record or any other file is there, it may not.
        using var dir = new TempDirectory();
        var run = dir.File("run");
        Directory.CreateDirectory(run);
        Assert.Throws<SimulatedKill>(() => Commit(run, "first", reached: p => throw new SimulatedKill()));
        File.WriteAllText(Path.Combine(run, ILGPUAE.Training.RunDirectory.LockFileName), "4242 0123");
        File.WriteAllText(Path.Combine(run, ".metrics.json.tmp-0123abcd"), "{");
        Assert.NotEmpty(Directory.GetFiles(run, ".*.pending"));

        Assert.Equal(Path.GetFullPath(run), ILGPUAE.Training.OutputDirectory.Check(run, resume: false, force: false));

        foreach (var name in new[] { CheckpointCommit.RecordFileName, "model.safetensors", "notes.pending" })
        {
            File.WriteAllText(Path.Combine(run, name), "x");
            var e = Assert.Throws<InputException>(() => ILGPUAE.Training.OutputDirectory.Check(run, resume: false, force: false));
            Assert.Contains("directory is not empty", e.Message);
            File.Delete(Path.Combine(run, name));
        }
    }

    [Fact]
    public void AFileOutsideTheRunDirectoryIsRefused()
    {
        using var dir = new TempDirectory();
        var commit = new CheckpointCommit(dir.File("run"));
        Assert.Throws<ArgumentException>(() => commit.StageText(dir.File("metrics.json"), "{}"));
    }

    [Fact]
    public void ARecordNamingAFileOutsideTheRunDirectoryIsRefused()
    {
        using var dir = new TempDirectory();
        var run = dir.File("run");
        Directory.CreateDirectory(run);
        File.WriteAllText(dir.File(".victim.pending"), "moved?");
        File.WriteAllText(Path.Combine(run, CheckpointCommit.RecordFileName), """["../victim"]""");

        var e = Assert.Throws<InputException>(() => CheckpointCommit.Recover(run, _ => { }));

        Assert.Contains("expected paths inside", e.Message);
        Assert.True(File.Exists(dir.File(".victim.pending")));
        Assert.False(File.Exists(dir.File("victim")));
    }

    private static void Commit(string directory, string version, Action<string>? reached)
    {
        var commit = new CheckpointCommit(directory, reached ?? (_ => { }));
        foreach (var file in Files)
        {
            var content = Content(file, version);
            commit.Stage(Path.Combine(directory, file), stream => stream.Write(Encoding.UTF8.GetBytes(content)));
        }
        commit.Commit();
    }

    // Different lengths for old and new, so a torn or mixed file shows.
    private static string Content(string file, string version) => $"{file} of the {version} checkpoint{(version == "new" ? ", longer" : "")}";

    private sealed class SimulatedKill : Exception;
}
