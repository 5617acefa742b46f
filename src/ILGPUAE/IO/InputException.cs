namespace ILGPUAE.IO;

/// <summary>
/// A user-facing error about bad input: a file or an option. The message is one line that names the
/// file (full path) or the option, the field, and the expected value, e.g.
/// <c>/x/train-images-idx3-ubyte: magic number is 0x00000801, expected 0x00000803 (IDX3 unsigned bytes)</c>.
/// The CLI prints the message alone and exits with code 2.
/// </summary>
public sealed class InputException : Exception
{
    public InputException(string message) : base(message) { }

    /// <summary>Keeps the low-level cause (a JSON or gzip error) for logs; the message stays self-contained.</summary>
    public InputException(string message, Exception innerException) : base(message, innerException) { }
}
