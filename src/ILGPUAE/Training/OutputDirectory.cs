namespace ILGPUAE.Training;

using ILGPUAE.IO;

/// <summary>Checks a run's --out directory before any work starts, and creates it once every other input is known to be good.</summary>
public static class OutputDirectory
{
    /// <summary>
    /// Returns the full path of <paramref name="path"/> without touching the disk. Refuses a path under a
    /// regular file, and a non-empty directory unless the run resumes it or <paramref name="force"/> is set.
    /// </summary>
    public static string Check(string path, bool resume, bool force)
    {
        var full = Path.GetFullPath(path);
        for (var dir = full; dir is not null; dir = Path.GetDirectoryName(dir))
        {
            if (File.Exists(dir))
                throw InputException.AboutSetting("out", $"out {path}: {dir} is a regular file; expected a directory (or a path that does not exist yet)");
        }
        if (Directory.Exists(full) && Directory.EnumerateFileSystemEntries(full).Any() && !resume && !force)
            throw InputException.AboutSetting("out",
                $"out {path}: directory is not empty; expected a new or empty directory (force to overwrite, resume {path} to continue)", "force", "resume");
        return full;
    }

    /// <summary>Creates the directory <see cref="Check"/> returned (and its parents) if it does not exist yet.</summary>
    public static void Create(string fullPath) => Directory.CreateDirectory(fullPath);
}
