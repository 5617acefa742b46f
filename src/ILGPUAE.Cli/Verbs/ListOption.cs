namespace ILGPUAE.Cli.Verbs;

using System.Globalization;
using ILGPUAE.IO;

/// <summary>Comma-separated list options (`--hidden 1000,1000,1000`), parsed once into arrays.</summary>
public static class ListOption
{
    /// <summary>"none" or an empty string is the empty list.</summary>
    public static int[] Ints(string text, string option) =>
        Parse<int>(text, option, "comma-separated integers, e.g. 1000,1000,1000, or none",
            s => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : (int?)null);

    public static float[] Floats(string text, string option) =>
        Parse<float>(text, option, "comma-separated numbers, e.g. 0.1,0.2,0.3",
            s => float.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : (float?)null);

    private static T[] Parse<T>(string text, string option, string expected, Func<string, T?> parse) where T : struct
    {
        var trimmed = text.Trim();
        if (trimmed.Length == 0 || trimmed.Equals("none", StringComparison.OrdinalIgnoreCase))
            return [];
        var parts = trimmed.Split(',', StringSplitOptions.TrimEntries);
        var values = new T[parts.Length];
        for (var i = 0; i < parts.Length; i++)
            values[i] = parse(parts[i]) ?? throw new InputException($"{option} {text}: '{parts[i]}' is not a number; expected {expected}");
        return values;
    }
}
