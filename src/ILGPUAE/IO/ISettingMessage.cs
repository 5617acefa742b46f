namespace ILGPUAE.IO;

/// <summary>
/// An error whose message names engine settings (as the run's options name them in JSON, e.g. "learning_rate", "device"),
/// so that a front end can show its own names for them (the CLI: "--lr", "--device"). The engine never writes a flag.
/// </summary>
public interface ISettingMessage
{
    /// <summary>The setting the message opens with ("device 3: …"), or null when it opens otherwise.</summary>
    string? Setting { get; }

    /// <summary>Other settings the message names later, each as a word (e.g. "with batch 10", "a lower learning_rate").</summary>
    IReadOnlyList<string> Mentioned { get; }
}
