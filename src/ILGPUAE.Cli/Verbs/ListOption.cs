namespace ILGPUAE.Cli.Verbs;

using System.Globalization;
using ILGPUAE.IO;

/// <summary>Comma-separated list options (`--hidden 1000,1000,1000`), parsed once into arrays.</summary>
public static class ListOption
{
    /// <summary>"none" is the empty list.</summary>
    public static int[] Ints(string text, string option) =>
        Parse(text, option, "an integer", "comma-separated integers, e.g. 1000,1000,1000, or none",
            s => int.Parse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture));

    public static float[] Floats(string text, string option) =>
        Parse(text, option, "a number", "comma-separated numbers with a dot for decimals, e.g. 0.1,0.2,0.3",
            s => float.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture));

    private static T[] Parse<T>(string text, string option, string what, string expected, Func<string, T> parse)
    {
        var trimmed = text.Trim();
        if (trimmed.Equals("none", StringComparison.OrdinalIgnoreCase))
            return [];
        var parts = trimmed.Split(',', StringSplitOptions.TrimEntries);
        var values = new T[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            // Each item as strictly as a one-value option of its type. A leading zero ("05") is refused too: in "0,05" the comma
            // was meant as a decimal point.
            if (ArgumentCheck.Problem(option, parts[i], typeof(T)) is not null)
                throw new InputException($"{option} {ArgumentCheck.Shown(text)}: '{ArgumentCheck.Shown(parts[i])}' is not {what}; expected {expected}");
            if (parts[i].TrimStart('+', '-') is ['0', >= '0' and <= '9', ..])
                throw new InputException($"{option} {text}: '{parts[i]}' has a leading zero (a comma separates items); expected {expected}");
            values[i] = parse(parts[i]);
        }
        return values;
    }
}
