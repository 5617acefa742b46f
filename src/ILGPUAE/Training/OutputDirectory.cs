namespace ILGPUAE.Training;

using System.Globalization;
using ILGPUAE.IO;

/// <summary>
/// A run's out directory: checked before any work starts (path, emptiness, writable), created once every other input is
/// known to be good, and locked for the whole run (see <see cref="RunDirectory"/>).
/// </summary>
public static class OutputDirectory
{
    /// <summary>
    /// Checks <paramref name="path"/> (see <see cref="Check"/>) and that it, or its nearest existing ancestor, is writable.
    /// An existing directory is locked at once and cleaned of what a killed run left (<see cref="CheckpointCommit.Recover"/>),
    /// so a checkpoint read for resume is complete and nobody else writes it; a new one is locked when
    /// <see cref="RunDirectory.Create"/> creates it.
    /// </summary>
    public static RunDirectory Open(string path, bool resume, bool force, Action<string> note)
    {
        var full = CheckPath(path, "out");
        var run = new RunDirectory(path, full, resume, force, note);
        try
        {
            ProbeWritable(full);
            if (Directory.Exists(full))
                run.Claim();
            return run;
        }
        catch
        {
            run.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Returns the full path of <paramref name="path"/> without touching the disk. Refuses a path under a
    /// regular file, and a non-empty directory (its lock file aside) unless the run resumes it or <paramref name="force"/> is set.
    /// </summary>
    public static string Check(string path, bool resume, bool force)
    {
        var full = CheckPath(path, "out");
        if (!resume && !force && HoldsFiles(full))
            throw InputException.AboutSetting("out",
                $"out {path}: directory is not empty; expected a new or empty directory (force to overwrite, resume {path} to continue)", "force", "resume");
        return full;
    }

    /// <summary>
    /// Whether <paramref name="full"/> exists and holds anything besides its lock file and the unfinished writes of a run killed
    /// before its first commit point (<see cref="CheckpointCommit.IsUnfinishedWrite"/>, which the run's start deletes): such a
    /// directory has nothing to resume, so the same command starts it again rather than being told to resume.
    /// </summary>
    internal static bool HoldsFiles(string full) =>
        Directory.Exists(full) && Directory.EnumerateFileSystemEntries(full).Any(e =>
            Path.GetFileName(e) != RunDirectory.LockFileName && !(File.Exists(e) && CheckpointCommit.IsUnfinishedWrite(e)));

    /// <summary>The full path of <paramref name="path"/>; refuses one under a regular file, naming <paramref name="setting"/>.</summary>
    internal static string CheckPath(string path, string setting)
    {
        var full = Path.GetFullPath(path);
        for (var dir = full; dir is not null; dir = Path.GetDirectoryName(dir))
        {
            if (File.Exists(dir))
                throw InputException.AboutSetting(setting, $"{setting} {path}: {dir} is a regular file; expected a directory (or a path that does not exist yet)");
        }
        return full;
    }

    private static string NearestExisting(string full)
    {
        var dir = Path.GetDirectoryName(full);
        while (dir is not null && !Directory.Exists(dir))
            dir = Path.GetDirectoryName(dir);
        return dir ?? Path.GetPathRoot(full)!;
    }

    /// <summary>
    /// Proves <paramref name="full"/> writable before any work (<see cref="WriteProbe"/>: one byte written and flushed, so a full
    /// disk fails too); a directory not created yet is probed in its nearest existing ancestor, and the fault names it.
    /// </summary>
    private static void ProbeWritable(string full)
    {
        if (Directory.Exists(full))
        {
            WriteProbe.Directory(full);
            return;
        }
        try
        {
            WriteProbe.Directory(NearestExisting(full));
        }
        catch (FileFaultException fault)
        {
            throw new FileFaultException(full, fault.Cause, fault.Origin, fault);
        }
    }
}

/// <summary>
/// A run's out directory, locked from the moment it exists until <see cref="Dispose"/>: <c>.lock</c> in it names the holder's
/// process id. A second run into a locked directory is refused in one line naming that pid, before it reads or writes
/// anything there. A lock left by a killed process is taken over (the operating system drops a dead process's lock).
/// <para>
/// How: .NET on Unix takes a non-blocking <c>flock</c> when it opens a file — exclusive for <see cref="FileShare.None"/>,
/// shared otherwise — and the kernel releases it when the process dies. A run opens <c>.lock</c> exclusively (so no one else
/// holds it), writes its pid and a random token, closes it and reopens it shared; it holds the lock if the file at the path
/// still carries its token (a run that slipped in between wrote its own token and wins). Holding a shared lock rather than an
/// exclusive one lets a refused run read the holder's pid, while every claim, being exclusive, still fails. The holder
/// deletes <c>.lock</c> on release; a file left with content is therefore the lock of a killed run.
/// </para>
/// </summary>
public sealed class RunDirectory : IDisposable
{
    public const string LockFileName = ".lock";

    private readonly string given;
    private readonly bool resume;
    private readonly bool force;
    private readonly Action<string> note;
    private FileStream? held;

    internal RunDirectory(string given, string path, bool resume, bool force, Action<string> note)
    {
        this.given = given;
        Path = path;
        this.resume = resume;
        this.force = force;
        this.note = note;
    }

    /// <summary>The directory's full path.</summary>
    public string Path { get; }

    private string LockPath => System.IO.Path.Combine(Path, LockFileName);

    /// <summary>Creates the directory (and its parents) if it does not exist yet, and locks it if it is not locked yet.</summary>
    public void Create()
    {
        if (held is not null)
            return;
        try
        {
            Directory.CreateDirectory(Path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw FileFaultException.Of(e, Path)!;
        }
        Claim();
    }

    /// <summary>
    /// Locks the existing directory, refuses it if it holds files the run may not touch, then cleans what a killed run left.
    /// A directory locked by another run is refused before its content is looked at.
    /// </summary>
    internal void Claim()
    {
        // A directory with files but no lock is refused without creating one in it (a refused run writes nothing).
        if (File.Exists(LockPath) || resume || force || !OutputDirectory.HoldsFiles(Path))
            Lock();
        OutputDirectory.Check(given, resume, force);
        CheckpointCommit.Recover(Path, note);
    }

    private void Lock()
    {
        var token = $"{Environment.ProcessId} {Guid.NewGuid():N}";
        string previous;
        try
        {
            using var exclusive = new FileStream(LockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            previous = new StreamReader(exclusive).ReadToEnd();
            exclusive.SetLength(0);
            exclusive.Position = 0;
            exclusive.Write(AtomicFile.Utf8.GetBytes(token));
            exclusive.Flush(flushToDisk: true);
        }
        catch (IOException) when (File.Exists(LockPath))
        {
            throw InUse();
        }
        try
        {
            held = new FileStream(LockPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        }
        catch (IOException)
        {
            // Another run claimed the file (or removed it on release) in the instant between the two opens.
            throw InUse();
        }
        if (new StreamReader(held).ReadToEnd() != token)
        {
            held.Dispose();
            held = null;
            throw InUse();
        }
        // A lock released normally is deleted: one left with content is a killed run's (or, if that pid still runs, the
        // content of a run that lost the race above).
        if (Pid(previous) is { } dead && dead != Environment.ProcessId && !Running(dead))
            note($"{Path}: took over the lock of pid {dead}, which is no longer running");
    }

    private InputException InUse()
    {
        string holder;
        try
        {
            holder = Pid(File.ReadAllText(LockPath)) is { } pid ? $" (pid {pid})" : "";
        }
        catch (IOException)
        {
            // The holder is between its exclusive and its shared open; its pid is being written.
            holder = "";
        }
        // The setting the user named the directory with: out for a new run, resume for a resumed one.
        var setting = resume ? "resume" : "out";
        return InputException.AboutSetting(setting, $"{setting} {given}: in use by another run{holder}; expected a directory no other run writes to");
    }

    private static bool Running(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static int? Pid(string lockText) =>
        int.TryParse(lockText.Split(' ')[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;

    /// <summary>Releases the lock and removes <c>.lock</c> (before closing it, so no run can claim a file about to vanish).</summary>
    public void Dispose()
    {
        if (held is null)
            return;
        File.Delete(LockPath);
        held.Dispose();
        held = null;
    }
}
