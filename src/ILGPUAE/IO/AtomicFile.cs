using System.Text;

namespace ILGPUAE.IO;

/// <summary>
/// Writes a file so that readers see either the old content or the complete new content, never a
/// partial file: the bytes go to a temporary file in the same directory (so the final rename stays
/// on one file system), are flushed to disk, and the temporary file is then renamed over the target.
/// </summary>
public static class AtomicFile
{
    /// <summary>
    /// Calls <paramref name="write"/> with a stream on a temporary file <c>.{name}.tmp-{random}</c> next to
    /// <paramref name="path"/>, then renames it to <paramref name="path"/>. If anything throws, the
    /// temporary file is deleted, the previous file at <paramref name="path"/> is left as it was, and the
    /// exception propagates. The directory must exist.
    /// </summary>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        var fullPath = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(fullPath)
            ?? throw new ArgumentException($"'{fullPath}' names a root directory, not a file", nameof(path));
        var tempPath = Path.Combine(directory, $".{Path.GetFileName(fullPath)}.tmp-{Guid.NewGuid():N}");
        var renamed = false;
        try
        {
            using (var stream = new FileStream(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(tempPath, fullPath, overwrite: true);
            renamed = true;
        }
        finally
        {
            if (!renamed && File.Exists(tempPath))
                File.Delete(tempPath);
        }
    }

    /// <summary>Writes <paramref name="text"/> as UTF-8 without a byte-order mark.</summary>
    public static void WriteAllText(string path, string text) => WriteAllBytes(path, Utf8.GetBytes(text));

    /// <summary>UTF-8 without a byte-order mark.</summary>
    internal static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    public static void WriteAllBytes(string path, byte[] bytes) => Write(path, stream => stream.Write(bytes));
}
