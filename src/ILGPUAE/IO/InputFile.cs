namespace ILGPUAE.IO;

/// <summary>
/// Reads a user-supplied file, whole or as a stream, turning every way it can fail to be read (not there, a directory, permission
/// denied, too large, any other I/O error) into an <see cref="InputException"/> naming the path and the cause.
/// </summary>
public static class InputFile
{
    /// <summary>The absolute form of <paramref name="path"/>; an empty path or one with a NUL character is an <see cref="InputException"/>.</summary>
    public static string FullPath(string path)
    {
        if (string.IsNullOrWhiteSpace(path))
            throw new InputException($"path '{path}' is empty; expected a file name");
        try
        {
            return Path.GetFullPath(path);
        }
        catch (ArgumentException e)
        {
            throw new InputException($"path '{path.Replace("\0", "\\0")}' is not a valid path ({e.Message})", e);
        }
    }

    /// <summary>
    /// Returns the file's bytes; <paramref name="fullPath"/> should already be absolute so the message names it. A file longer than
    /// <paramref name="maxBytes"/> is refused before it is read.
    /// </summary>
    public static byte[] ReadAllBytes(string fullPath, long maxBytes = int.MaxValue) =>
        Read(fullPath, stream =>
        {
            var length = stream.Length;
            if (length > Math.Min(maxBytes, Array.MaxLength))
                throw new InputException($"{fullPath}: is {length} bytes, expected at most {Math.Min(maxBytes, Array.MaxLength)}");
            var bytes = new byte[length];
            stream.ReadExactly(bytes);
            return bytes;
        });

    /// <summary>
    /// Opens the file and returns what <paramref name="read"/> makes of its stream (unbuffered: read in large blocks), for a file
    /// too large to hold whole; failing to open or read it is an <see cref="InputException"/> naming <paramref name="fullPath"/>
    /// and the cause, as in <see cref="ReadAllBytes"/>.
    /// </summary>
    public static T Read<T>(string fullPath, Func<FileStream, T> read)
    {
        try
        {
            if (Directory.Exists(fullPath))
                throw new InputException($"{fullPath}: is a directory, expected a file");
            using var stream = new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
            return read(stream);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new InputException($"{fullPath}: file not found", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new InputException($"{fullPath}: cannot be read (permission denied)", e);
        }
        catch (EndOfStreamException e)
        {
            throw new InputException($"{fullPath}: became shorter while it was read; expected a file that does not change", e);
        }
        catch (IOException e)
        {
            throw new InputException($"{fullPath}: cannot be read ({e.Message})", e);
        }
    }

    /// <summary>
    /// Checks that <paramref name="directory"/> (absolute) is, if it exists, a directory whose entries can be listed, so that a file
    /// in it that cannot be seen is not taken for a missing one. Throws <see cref="InputException"/> naming the directory otherwise.
    /// </summary>
    public static void RequireListableDirectory(string directory)
    {
        if (File.Exists(directory))
            throw new InputException($"{directory}: is a file, expected a directory");
        if (!Directory.Exists(directory))
            return;
        try
        {
            using var entries = Directory.EnumerateFileSystemEntries(directory).GetEnumerator();
            entries.MoveNext();
        }
        catch (UnauthorizedAccessException e)
        {
            throw new InputException($"{directory}: cannot be read (permission denied)", e);
        }
        catch (IOException e)
        {
            throw new InputException($"{directory}: cannot be read ({e.Message})", e);
        }
    }
}
