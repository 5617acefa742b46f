namespace ILGPUAE.IO;

/// <summary>Checks on a path a setting names, made before anything is read or written through it.</summary>
public static class InputPath
{
    /// <summary>
    /// <paramref name="path"/> unchanged; an empty or blank one (which the runtime would reject with an ArgumentException, or
    /// read as the current directory) throws <see cref="InputException"/> naming <paramref name="setting"/>.
    /// </summary>
    public static string NotEmpty(string path, string setting) =>
        string.IsNullOrWhiteSpace(path)
            ? throw InputException.AboutSetting(setting, $"{setting} '{path}': expected a path, not an empty string")
            : path;
}
