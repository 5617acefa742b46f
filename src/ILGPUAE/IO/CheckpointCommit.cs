namespace ILGPUAE.IO;

using System.Diagnostics;
using System.Text.Json;

/// <summary>
/// Writes the files of one checkpoint (model, training state, metrics) so that a process killed at any instant leaves,
/// once <see cref="Recover"/> has run at the next start, either every file of the previous checkpoint or every file of the
/// new one — never a mix of two steps.
/// <para>
/// Each file is first written in full as <c>.{name}.pending</c> beside its final path (the run directory or one of its
/// subdirectories) and flushed to disk. The commit point is then the one atomic write of the run directory's
/// <c>.checkpoint-commit</c> record, which lists the final paths; after it, each pending file is renamed over its final
/// path and the record is deleted. A kill before the record leaves pending files that <see cref="Recover"/> deletes (the old
/// checkpoint stands); a kill after it leaves a record whose remaining renames <see cref="Recover"/> completes (the new
/// checkpoint stands). Renames within one directory are atomic on POSIX file systems; durability across a power cut
/// additionally rests on the file system keeping the renames in order after the fsynced data.
/// </para>
/// <para>
/// Test hook: the environment variable <c>ILGPUAE_TEST_KILL_AT</c> = <c>staged-K</c> | <c>recorded</c> | <c>renamed-K</c>,
/// optionally followed by <c>@C</c>, kills the process with SIGKILL after the K-th file is staged, after the record is written
/// or after the K-th rename of the C-th commit this process makes (C = 1 if omitted). It exists for the kill-and-resume tests
/// and is read once. <c>step-K</c> kills it instead once K steps of the run (of a pretraining layer) are done, at the end of the
/// trainer's call that reaches K, before that step's checkpoint, if any, is written (<see cref="KillAfterStep"/>).
/// </para>
/// </summary>
public sealed class CheckpointCommit
{
    public const string RecordFileName = ".checkpoint-commit";
    public const string KillVariable = "ILGPUAE_TEST_KILL_AT";
    private const string PendingSuffix = ".pending";
    // AtomicFile's temporary files: .{name}.tmp-{guid}.
    private const string TempMarker = ".tmp-";

    private static readonly Lazy<(string Point, int Commit)?> KillAt = new(ReadKillAt);
    private static int commitsMade;

    /// <summary>The <c>step-K</c> test hook's K, read once; <see cref="long.MaxValue"/> when unset.</summary>
    public static long KillAfterStep { get; } = KillAt.Value is { Point: var point } && point.StartsWith("step-", StringComparison.Ordinal)
        ? long.Parse(point["step-".Length..], System.Globalization.CultureInfo.InvariantCulture) : long.MaxValue;

    /// <summary>Ends the process with SIGKILL, as the test hooks do.</summary>
    public static void KillNow() => Process.GetCurrentProcess().Kill();

    private readonly string runDirectory;
    private readonly Action<string> reached;
    private readonly List<string> finals = [];

    /// <param name="runDirectory">The directory that holds the commit record; every staged file lies in it or in a subdirectory of it.</param>
    /// <param name="reached">Called with the name of each point the commit passes (tests); null: the <see cref="KillVariable"/> hook.</param>
    public CheckpointCommit(string runDirectory, Action<string>? reached = null)
    {
        this.runDirectory = Path.GetFullPath(runDirectory);
        this.reached = reached ?? KillHook(Interlocked.Increment(ref commitsMade));
    }

    /// <summary>Writes <paramref name="path"/>'s new content as a pending file and flushes it to disk; nothing is visible until <see cref="Commit"/>.</summary>
    public void Stage(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        var final = Path.GetFullPath(path);
        if (!Inside(runDirectory, final))
            throw new ArgumentException($"'{final}' is outside the run directory '{runDirectory}'", nameof(path));
        if (finals.Contains(final))
            throw new ArgumentException($"'{final}' is staged twice in one checkpoint", nameof(path));
        var pending = PendingPath(final);
        var written = false;
        try
        {
            using (var stream = new FileStream(pending, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            written = true;
        }
        finally
        {
            if (!written && File.Exists(pending))
                File.Delete(pending);
        }
        finals.Add(final);
        reached($"staged-{finals.Count}");
    }

    /// <summary>Stages <paramref name="text"/> as UTF-8 without a byte-order mark.</summary>
    public void StageText(string path, string text) => Stage(path, stream => stream.Write(AtomicFile.Utf8.GetBytes(text)));

    /// <summary>Makes every staged file visible at once (see the class summary); does nothing if nothing was staged.</summary>
    public void Commit()
    {
        if (finals.Count == 0)
            return;
        var record = Path.Combine(runDirectory, RecordFileName);
        AtomicFile.WriteAllText(record, JsonSerializer.Serialize(finals.Select(f => Path.GetRelativePath(runDirectory, f)).ToArray()));
        reached("recorded");
        for (var i = 0; i < finals.Count; i++)
        {
            File.Move(PendingPath(finals[i]), finals[i], overwrite: true);
            reached($"renamed-{i + 1}");
        }
        File.Delete(record);
        finals.Clear();
    }

    /// <summary>
    /// Finishes or discards what a killed process left in <paramref name="runDirectory"/>: a commit record's remaining renames
    /// are done; pending files without a record and AtomicFile's temporary files (in the directory and its subdirectories) are
    /// deleted. Call it while holding the directory's lock, before anything in it is read.
    /// </summary>
    public static void Recover(string runDirectory, Action<string> note)
    {
        var record = Path.Combine(runDirectory, RecordFileName);
        if (File.Exists(record))
        {
            string[]? paths;
            try
            {
                paths = JsonSerializer.Deserialize<string[]>(File.ReadAllText(record));
            }
            catch (JsonException e)
            {
                throw new InputException($"{record}: not a checkpoint commit record ({e.Message}); expected a JSON array of file paths", e);
            }
            var finished = 0;
            foreach (var relative in paths ?? [])
            {
                var final = Path.GetFullPath(Path.Combine(runDirectory, relative));
                if (!Inside(runDirectory, final))
                    throw new InputException($"{record}: lists '{relative}'; expected paths inside {runDirectory}");
                if (File.Exists(PendingPath(final)))
                {
                    File.Move(PendingPath(final), final, overwrite: true);
                    finished++;
                }
            }
            File.Delete(record);
            note($"{runDirectory}: completed a checkpoint interrupted after its commit point ({finished} of {paths?.Length ?? 0} files were still to be renamed)");
        }

        var leftovers = 0;
        foreach (var directory in Directory.EnumerateDirectories(runDirectory).Prepend(runDirectory))
            foreach (var file in Directory.EnumerateFiles(directory, ".*"))
            {
                if (IsUnfinishedWrite(file))
                {
                    File.Delete(file);
                    leftovers++;
                }
            }
        if (leftovers > 0)
            note($"{runDirectory}: removed {leftovers} unfinished file(s) of an interrupted write");
    }

    /// <summary>
    /// Whether <paramref name="file"/> (a path in a run directory) is what <see cref="Recover"/> deletes when no commit record
    /// stands: a pending file of an uncommitted checkpoint or an AtomicFile temporary — never a result.
    /// </summary>
    internal static bool IsUnfinishedWrite(string file)
    {
        var name = Path.GetFileName(file);
        return name.StartsWith('.') && (name.EndsWith(PendingSuffix, StringComparison.Ordinal) || name.Contains(TempMarker, StringComparison.Ordinal));
    }

    private static bool Inside(string directory, string path) =>
        Path.GetFullPath(path).StartsWith(Path.GetFullPath(directory) + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    private static string PendingPath(string final) =>
        Path.Combine(Path.GetDirectoryName(final)!, $".{Path.GetFileName(final)}{PendingSuffix}");

    private static Action<string> KillHook(int commit) => point =>
    {
        if (KillAt.Value is { } at && at.Commit == commit && at.Point == point)
            KillNow();
    };

    private static (string Point, int Commit)? ReadKillAt()
    {
        var value = Environment.GetEnvironmentVariable(KillVariable);
        if (string.IsNullOrEmpty(value))
            return null;
        var at = value.IndexOf('@', StringComparison.Ordinal);
        return at < 0 ? (value, 1) : (value[..at], int.Parse(value[(at + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }
}
