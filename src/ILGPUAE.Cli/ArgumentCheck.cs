namespace ILGPUAE.Cli;

using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using global::CommandLine;

/// <summary>
/// What <see cref="ArgumentCheck.Check"/> found: the options given on the command line (flag → its text; "" for a switch) and the
/// words to hand CommandLineParser, or the one-line error that stops the run and the line that points to the right help.
/// </summary>
public sealed record CheckedArguments(IReadOnlyDictionary<string, string> Given, string[] Words, string? Error, string HelpLine);

/// <summary>
/// A strict pass over the command line before CommandLineParser binds it, because the parser alone reads too much: "0,05" as 5
/// (a comma taken as a thousands separator), "--hidden" without a value as the default, and a stray word as nothing. Each word
/// must be an option of the verb (with a value of its property's type in the invariant format), its value, or one of the verb's
/// positionals; the options given are recorded, so a resumed run can tell what the user typed from the defaults.
/// </summary>
public static partial class ArgumentCheck
{
    /// <summary>
    /// Checks <paramref name="words"/> (the verb and what follows it) against the verbs in <paramref name="verbs"/>;
    /// <paramref name="group"/> is the word before them ("train"), or null for a top-level verb. A request for help or the
    /// version, or no verb at all, is left to CommandLineParser.
    /// </summary>
    public static CheckedArguments Check(string? group, IReadOnlyList<Type> verbs, IReadOnlyList<string> words)
    {
        var prefix = group is null ? "" : group + " ";
        var none = new Dictionary<string, string>();
        var verbsHelp = $"run 'ilgpuae {prefix}--help' for the verbs";
        if (words.Count == 0 || words[0] is "help" or "version" || words.Any(w => w is "--help" or "--version"))
            return new CheckedArguments(none, [.. words], null, verbsHelp);
        var names = verbs.Select(v => v.GetCustomAttribute<VerbAttribute>()!.Name).ToList();
        var verb = verbs.FirstOrDefault(v => v.GetCustomAttribute<VerbAttribute>()!.Name == words[0]);
        if (verb is null)
            return new CheckedArguments(none, [.. words], $"{prefix}{Shown(words[0])}: unknown verb; expected {prefix}{OneOf(names)}", verbsHelp);
        var error = Read(verb, words.Skip(1).ToList(), out var given, out var normalized);
        return new CheckedArguments(given, [words[0], .. normalized], error, $"run 'ilgpuae {prefix}{words[0]} --help' for the options");
    }

    private static string? Read(Type verb, IReadOnlyList<string> words, out Dictionary<string, string> given, out List<string> normalized)
    {
        given = new Dictionary<string, string>(StringComparer.Ordinal);
        normalized = [];
        var options = new Dictionary<string, (Type Type, OptionAttribute Attribute)>(StringComparer.Ordinal);
        var positionals = new List<(Type Type, ValueAttribute Attribute)>();
        foreach (var property in verb.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetCustomAttribute<OptionAttribute>() is { } option)
                options["--" + option.LongName] = (property.PropertyType, option);
            if (property.GetCustomAttribute<ValueAttribute>() is { } value)
                positionals.Add((property.PropertyType, value));
        }
        positionals.Sort((a, b) => a.Attribute.Index.CompareTo(b.Attribute.Index));

        var positional = 0;
        string? lastSwitch = null;
        for (var i = 0; i < words.Count; i++)
        {
            var word = words[i];
            if (!IsOptionWord(word))
            {
                if (positional >= positionals.Count)
                    return $"'{Shown(word)}': unexpected word; expected options only{(positionals.Count == 0 ? "" : $" after {string.Join(" ", positionals.Select(p => p.Attribute.MetaName))}")}" +
                        (lastSwitch is null ? "" : $" ({lastSwitch} is a switch and takes no value)");
                var (type, attribute) = positionals[positional++];
                if (Problem(attribute.MetaName, word, type) is { } bad)
                    return bad;
                normalized.Add(word);
                lastSwitch = null;
                continue;
            }
            var equals = word.IndexOf('=');
            var flag = equals < 0 ? word : word[..equals];
            if (!options.TryGetValue(flag, out var known))
                return $"{Shown(flag)}: unknown option";
            if (given.TryGetValue(flag, out var earlier))
                return $"{flag} is given twice{(earlier.Length == 0 ? "" : $" (first as {Shown(earlier)})")}; expected it once";
            if (IsSwitch(known.Type))
            {
                if (equals >= 0)
                    return $"{flag}: a switch takes no value; expected {flag} alone";
                given[flag] = "";
                normalized.Add(flag);
                lastSwitch = flag;
                continue;
            }
            string? text = equals >= 0 ? word[(equals + 1)..] : i + 1 < words.Count && !IsOptionWord(words[i + 1]) ? words[++i] : null;
            if (text is null)
                return $"{flag}: missing value; expected {Expected(known.Type)}";
            if (Problem(flag, text, known.Type) is { } problem)
                return problem;
            given[flag] = text;
            // One word, so that CommandLineParser reads a value such as "-1" or "-x" as the option's, not as another option.
            normalized.Add($"{flag}={text}");
            lastSwitch = null;
        }
        foreach (var (flag, (_, attribute)) in options)
            if (attribute.Required && !given.ContainsKey(flag))
                return $"{flag}: missing; expected {Lower(attribute.HelpText)}";
        for (var p = positional; p < positionals.Count; p++)
            if (positionals[p].Attribute.Required)
                return $"{positionals[p].Attribute.MetaName}: missing; expected {Lower(positionals[p].Attribute.HelpText)}";
        return null;
    }

    /// <summary>"--name" or "--name=value"; a negative number ("-1") is a value, and so is any other word.</summary>
    private static bool IsOptionWord(string word) => word.StartsWith("--", StringComparison.Ordinal) && word.Length > 2;

    private static bool IsSwitch(Type type) => type == typeof(bool);

    /// <summary>Why <paramref name="text"/> cannot be <paramref name="type"/>'s value, as the error line; null when it can.</summary>
    public static string? Problem(string name, string text, Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        var shown = Shown(text);
        if (text.Trim().Length == 0)
            return $"{name} {shown}: empty; expected {Expected(type)}";
        if (t == typeof(string))
            return null;
        if (t.IsEnum)
            return Enum.GetNames(t).Any(n => n.Equals(text, StringComparison.OrdinalIgnoreCase)) ? null : $"{name} {shown}: expected {Expected(type)}";
        if (t == typeof(float) || t == typeof(double))
        {
            // No thousands separators, no white space, no "∞": a comma is never a decimal point here.
            const NumberStyles style = NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent;
            var ok = t == typeof(float)
                ? float.TryParse(text, style, CultureInfo.InvariantCulture, out var f) && float.IsFinite(f)
                : double.TryParse(text, style, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d);
            return ok && Number().IsMatch(text) ? null : $"{name} {shown}: expected {Expected(type)}";
        }
        if (IntegerRange(t) is { } range)
        {
            if (!Integer().IsMatch(text))
                return $"{name} {shown}: expected {Expected(type)}";
            var value = System.Numerics.BigInteger.Parse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            return value >= range.Min && value <= range.Max ? null : $"{name} {shown}: out of range; expected an integer from {range.Min} to {range.Max}";
        }
        throw new InvalidOperationException($"option {name} has type {type.Name}, which {nameof(ArgumentCheck)} does not know");
    }

    /// <summary>
    /// A word of the command line as an error line shows it: "" when empty, and control characters (a line break) escaped, so
    /// that the error stays one line.
    /// </summary>
    public static string Shown(string text) =>
        text.Length == 0 ? "\"\""
        : text.Any(c => char.IsControl(c) || c is '\u2028' or '\u2029')
            ? string.Concat(text.Select(c => char.IsControl(c) || c is '\u2028' or '\u2029' ? $"\\u{(int)c:x4}" : c.ToString()))
            : text;

    /// <summary>What a value of <paramref name="type"/> looks like, for the error line.</summary>
    public static string Expected(Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        if (t.IsEnum)
            return OneOf(Enum.GetNames(t).Select(n => n.ToLowerInvariant()).ToList());
        if (t == typeof(float) || t == typeof(double))
            return "a number such as 0.05 (a dot for decimals, no thousands separators)";
        if (IntegerRange(t) is not null)
            return "an integer such as 10 (digits only)";
        return "a non-empty value";
    }

    private static (System.Numerics.BigInteger Min, System.Numerics.BigInteger Max)? IntegerRange(Type t) =>
        t == typeof(int) ? (int.MinValue, int.MaxValue)
        : t == typeof(long) ? (long.MinValue, long.MaxValue)
        : t == typeof(ulong) ? (ulong.MinValue, ulong.MaxValue)
        : t == typeof(uint) ? (uint.MinValue, uint.MaxValue)
        : null;

    private static string OneOf(IReadOnlyList<string> names) =>
        names.Count == 1 ? names[0] : string.Join(", ", names.Take(names.Count - 1)) + " or " + names[^1];

    private static string Lower(string? text) =>
        string.IsNullOrEmpty(text) ? "a value" : char.ToLowerInvariant(text[0]) + text[1..].TrimEnd('.');

    // float.TryParse also takes "NaN" and "Infinity" (and ".e1"-like oddities are refused by it anyway): digits only here.
    [GeneratedRegex(@"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")]
    private static partial Regex Number();

    [GeneratedRegex(@"^[+-]?\d+$")]
    private static partial Regex Integer();
}
