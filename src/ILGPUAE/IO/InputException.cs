namespace ILGPUAE.IO;

/// <summary>
/// A user-facing error about bad input: a file or an option. The message is one line that names the
/// file (full path) or the option, the field, and the expected value, e.g.
/// <c>/x/train-images-idx3-ubyte: magic number is 0x00000801, expected 0x00000803 (IDX3 unsigned bytes)</c>.
/// The CLI prints the message alone and exits with code 2.
/// </summary>
public sealed class InputException : Exception, ISettingMessage
{
    public InputException(string message) : base(message) { }

    private InputException(string setting, string message, IReadOnlyList<string> mentioned) : base(message)
    {
        Setting = setting;
        Mentioned = mentioned;
    }

    /// <summary>
    /// The engine's name of the setting the message opens with (as the run's options name it in JSON, e.g. "learning_rate"),
    /// or null when the message names a file. A front end may put its own name for the setting in its place (the CLI: "--lr").
    /// </summary>
    public string? Setting { get; }

    /// <summary>
    /// Other settings the message names later, each written as "&lt;setting&gt; &lt;value&gt;" (e.g. "with batch 10"), which a front
    /// end may also show under its own names.
    /// </summary>
    public IReadOnlyList<string> Mentioned { get; } = [];

    /// <summary>"learning_rate 0: expected a finite number &gt; 0", in the engine's terms.</summary>
    public static InputException ForSetting(string setting, object? value, string expected, params string[] mentioned) =>
        new(setting, $"{setting} {value}: expected {expected}", mentioned);

    /// <summary>
    /// A message about <paramref name="setting"/> that is not a plain range (it must open with the setting's name), naming
    /// <paramref name="mentioned"/> settings too, each as "&lt;setting&gt; &lt;value&gt;".
    /// </summary>
    public static InputException AboutSetting(string setting, string message, params string[] mentioned)
    {
        if (!message.StartsWith(setting, StringComparison.Ordinal))
            throw new ArgumentException($"a message about '{setting}' must open with its name: {message}", nameof(message));
        foreach (var other in mentioned)
            if (!message.Contains(other, StringComparison.Ordinal))
                throw new ArgumentException($"the message does not name '{other}': {message}", nameof(mentioned));
        return new(setting, message, mentioned);
    }

    /// <summary>Keeps the low-level cause (a JSON or gzip error) for logs; the message stays self-contained.</summary>
    public InputException(string message, Exception innerException) : base(message, innerException) { }
}
