namespace ILGPUAE.Training;

using ILGPUAE.IO;

/// <summary>Checks and creates a run's --out directory before any work starts.</summary>
public static class OutputDirectory
{
    /// <summary>
    /// Creates <paramref name="path"/> if needed. Refuses a path under a regular file, and a non-empty
    /// directory unless the run resumes it or <paramref name="force"/> is set.
    /// </summary>
    public static string Prepare(string path, bool resume, bool force)
    {
        var full = Path.GetFullPath(path);
        for (var dir = full; dir is not null; dir = Path.GetDirectoryName(dir))
        {
            if (File.Exists(dir))
                throw new InputException($"--out {path}: {dir} is a regular file; expected a directory (or a path that does not exist yet)");
        }
        if (Directory.Exists(full) && Directory.EnumerateFileSystemEntries(full).Any() && !resume && !force)
            throw new InputException($"--out {path}: directory is not empty; expected a new or empty directory (--force to overwrite, --resume {path} to continue)");
        Directory.CreateDirectory(full);
        return full;
    }
}
