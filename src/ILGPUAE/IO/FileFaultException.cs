namespace ILGPUAE.IO;

using System.Text.RegularExpressions;

/// <summary>Whose fault a failed read or write is: the path the user gave, or the machine it runs on.</summary>
public enum FaultOrigin
{
    /// <summary>The path cannot be used as given (read-only, permission denied, a file where a directory is expected, …): fix the path.</summary>
    Input,

    /// <summary>The machine failed a valid request (disk full, quota, device error): the same command may work elsewhere or later.</summary>
    Environment,
}

/// <summary>
/// A file or directory the run could not read or write, as one line: the path the user knows (a checkpoint's own name, never
/// the temporary file it was being written through) and the cause in plain words, e.g.
/// <c>/runs/x/model.safetensors: no space left on device</c>. Built from the runtime's <see cref="IOException"/> or
/// <see cref="UnauthorizedAccessException"/> by <see cref="Of"/>.
/// </summary>
public sealed partial class FileFaultException : Exception
{
    public FileFaultException(string path, string cause, FaultOrigin origin, Exception? innerException = null)
        : base($"{path}: {cause}", innerException)
    {
        Path = path;
        Cause = cause;
        Origin = origin;
    }

    /// <summary>The full path of the file or directory.</summary>
    public string Path { get; }

    /// <summary>What went wrong, in plain words ("no space left on device").</summary>
    public string Cause { get; }

    public FaultOrigin Origin { get; }

    /// <summary>
    /// The fault <paramref name="e"/> reports, about <paramref name="path"/> when the caller knows which path it was working on,
    /// else the path the runtime's message names; null when <paramref name="e"/> is not a file-system error or names no path.
    /// </summary>
    public static FileFaultException? Of(Exception e, string? path = null)
    {
        if (e is FileFaultException fault)
            return fault;
        if (e is not (IOException or UnauthorizedAccessException))
            return null;
        var named = path ?? PathIn(e);
        if (string.IsNullOrEmpty(named))
            return null;
        var (cause, origin) = Classify(e);
        return new FileFaultException(UserPath(named), cause, origin, e);
    }

    /// <summary>
    /// The cause of a failed call in plain words and whose fault it is. On Unix the runtime sets an <see cref="IOException"/>'s
    /// HResult to the errno (and an <see cref="UnauthorizedAccessException"/> wraps one); on Windows it is the Win32 error
    /// as an HRESULT (0x8007xxxx).
    /// </summary>
    private static (string Cause, FaultOrigin Origin) Classify(Exception e)
    {
        switch (e)
        {
            case FileNotFoundException or DirectoryNotFoundException:
                return ("does not exist", FaultOrigin.Input);
            case PathTooLongException:
                return ("the name is too long", FaultOrigin.Input);
            case UnauthorizedAccessException:
                return e.InnerException is IOException { HResult: 30 } ? ReadOnly : ("permission denied", FaultOrigin.Input);
        }
        var code = e.HResult;
        if (OperatingSystem.IsWindows() && (code & unchecked((int)0xFFFF0000)) == unchecked((int)0x80070000))
        {
            return (code & 0xFFFF) switch
            {
                39 or 112 => DiskFull,                                   // ERROR_HANDLE_DISK_FULL, ERROR_DISK_FULL
                19 => ReadOnly,                                          // ERROR_WRITE_PROTECT
                5 => ("permission denied", FaultOrigin.Input),           // ERROR_ACCESS_DENIED
                80 or 183 => ("already exists", FaultOrigin.Input),      // ERROR_FILE_EXISTS, ERROR_ALREADY_EXISTS
                _ => (RuntimeCause(e), FaultOrigin.Environment),
            };
        }
        return code switch
        {
            28 => DiskFull,                                                             // ENOSPC
            122 => ("disk quota exceeded", FaultOrigin.Environment),                    // EDQUOT
            27 => ("file too large for the file system", FaultOrigin.Environment),      // EFBIG
            5 => ("input/output error (the disk or device failed)", FaultOrigin.Environment), // EIO
            30 => ReadOnly,                                                             // EROFS
            1 or 13 => ("permission denied", FaultOrigin.Input),                        // EPERM, EACCES
            21 => ("is a directory, expected a file", FaultOrigin.Input),               // EISDIR
            20 => ("a part of the path is a file, expected a directory", FaultOrigin.Input), // ENOTDIR
            // EEXIST: Directory.CreateDirectory over a regular file, or a file created where one already is.
            17 => (Directory.Exists(PathIn(e) ?? "") ? "already exists" : "is a file, expected a directory", FaultOrigin.Input),
            _ => (RuntimeCause(e), FaultOrigin.Environment),
        };
    }

    private static (string, FaultOrigin) DiskFull => ("no space left on device", FaultOrigin.Environment);

    private static (string, FaultOrigin) ReadOnly => ("read-only file system", FaultOrigin.Input);

    /// <summary>The runtime's own words without the path it appends (" : '/x'"), lower-cased at the start.</summary>
    private static string RuntimeCause(Exception e)
    {
        var text = UnixSuffix().Replace(e.Message, "").Trim().TrimEnd('.');
        return text.Length == 0 ? e.GetType().Name : char.ToLowerInvariant(text[0]) + text[1..];
    }

    /// <summary>The path the runtime's message names, in the formats .NET writes on Unix and Windows; null when it names none.</summary>
    private static string? PathIn(Exception e)
    {
        if (e is FileNotFoundException { FileName: { Length: > 0 } file })
            return file;
        foreach (var pattern in new[] { UnixSuffix(), Quoted() })
        {
            var match = pattern.Match(e.Message);
            if (match.Success)
                return match.Groups["path"].Value;
        }
        return e.InnerException is { } inner ? PathIn(inner) : null;
    }

    /// <summary>
    /// The file the user knows for <paramref name="path"/>: <see cref="AtomicFile"/> writes <c>DIR/NAME</c> through
    /// <c>DIR/.NAME.tmp-{hex}</c>, and a fault while writing it is a fault of <c>DIR/NAME</c>.
    /// </summary>
    private static string UserPath(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        var match = TemporaryName().Match(System.IO.Path.GetFileName(full));
        return match.Success ? System.IO.Path.Combine(System.IO.Path.GetDirectoryName(full) ?? "", match.Groups["name"].Value) : full;
    }

    [GeneratedRegex(@"\s*:\s*'(?<path>[^']+)'\s*$")]
    private static partial Regex UnixSuffix();

    // "Access to the path '/x' is denied.", "The file '/x' already exists.", "Could not find a part of the path '/x'."
    [GeneratedRegex(@"'(?<path>[^']+)'")]
    private static partial Regex Quoted();

    // AtomicFile's temporaries (.{name}.tmp-{guid}) and CheckpointCommit's staged files (.{name}.pending).
    [GeneratedRegex(@"^\.(?<name>.+)\.(tmp-[0-9a-fA-F]+|pending)$")]
    private static partial Regex TemporaryName();
}
