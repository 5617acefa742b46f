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

    private InputException(string setting, string message) : base(message) => Setting = setting;

    /// <summary>
    /// The engine's name of the setting the message opens with (as the run's options name it in JSON, e.g. "learning_rate"),
    /// or null when the message names a file. A front end may put its own name for the setting in its place (the CLI: "--lr").
    /// </summary>
    public string? Setting { get; }

    /// <summary>"learning_rate 0: expected a finite number &gt; 0", in the engine's terms.</summary>
    public static InputException ForSetting(string setting, object? value, string expected) =>
        new(setting, $"{setting} {value}: expected {expected}");

    /// <summary>A message about <paramref name="setting"/> that is not a plain range (it must open with the setting's name).</summary>
    public static InputException AboutSetting(string setting, string message)
    {
        if (!message.StartsWith(setting, StringComparison.Ordinal))
            throw new ArgumentException($"a message about '{setting}' must open with its name: {message}", nameof(message));
        return new(setting, message);
    }

    /// <summary>Keeps the low-level cause (a JSON or gzip error) for logs; the message stays self-contained.</summary>
    public InputException(string message, Exception innerException) : base(message, innerException) { }
}
