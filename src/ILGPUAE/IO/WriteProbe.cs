namespace ILGPUAE.IO;

/// <summary>
/// Proves an existing output directory writable before any work: a resumed (or forced) run into a read-only, full or
/// forbidden directory would otherwise train a whole epoch before its first checkpoint fails.
/// </summary>
public static class WriteProbe
{
    /// <summary>
    /// Creates, fills with one byte, flushes and deletes a hidden file in <paramref name="fullPath"/> (when the directory exists);
    /// a failure is a <see cref="FileFaultException"/> about the directory. One byte needs a block, so a full disk fails here too.
    /// </summary>
    public static void Directory(string fullPath)
    {
        if (!System.IO.Directory.Exists(fullPath))
            return;
        var probe = Path.Combine(fullPath, $".write-probe.tmp-{Guid.NewGuid():N}");
        try
        {
            using (var stream = new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1, FileOptions.DeleteOnClose))
            {
                stream.WriteByte(0);
                stream.Flush(flushToDisk: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw FileFaultException.Of(e, fullPath)!;
        }
    }
}
