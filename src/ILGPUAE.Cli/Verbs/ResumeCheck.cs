namespace ILGPUAE.Cli.Verbs;

using System.Text.Json;
using System.Text.Json.Nodes;
using ILGPUAE.IO;
using ILGPUAE.Training;

/// <summary>
/// A resumed run keeps the options it was saved with, so an option given beside <c>--resume</c> must say the same. Each one the
/// user typed is compared with the saved value through the options' JSON (its setting found by <see cref="OptionNames"/>), and
/// one refusal names every option that differs with the run's value, unless the verb lets it change on resume.
/// </summary>
public static class ResumeCheck
{
    /// <summary>Where a run computes and reads its data, and how often it checkpoints: every verb lets a resumed run change these.</summary>
    public static readonly IReadOnlyList<string> Changeable = ["--accelerator", "--device", "--data-dir", "--checkpoint-every"];

    /// <summary>A saved value the options' record does not hold (the stack a classifier was built on), and whether the given one matches it.</summary>
    public sealed record Saved(string Text, bool Same);

    // The optimizer's settings are nested in its record; --betas sets two of them.
    private static readonly Dictionary<string, string[]> Nested = new(StringComparer.Ordinal)
    {
        ["--optimizer"] = ["optimizer.kind"],
        ["--weight-decay"] = ["optimizer.weight_decay"],
        ["--clip-grad-norm"] = ["optimizer.clip_grad_norm"],
        ["--betas"] = ["optimizer.beta1", "optimizer.beta2"],
        ["--eps"] = ["optimizer.epsilon"],
        ["--rmsprop-alpha"] = ["optimizer.rms_prop_alpha"],
    };

    // What a recipe (--preset) never sets: the data, the seed, the limits and the Hogwild workers.
    private static readonly HashSet<string> NotInRecipes = ["dataset", "seed", "hogwild", "train_limit", "test_limit"];

    /// <summary>
    /// Throws <see cref="InputException"/> naming every option in <paramref name="o"/>.Given whose value differs from the run's:
    /// <paramref name="resolved"/> holds the command line's values, <paramref name="saved"/> the run's. <paramref name="alsoChangeable"/>
    /// are the verb's own options a resumed run may change; <paramref name="outside"/> the saved values of options the record does
    /// not hold. No check without --resume.
    /// </summary>
    public static void Check<T>(RunVerbOptions o, T resolved, T saved, IReadOnlyList<string> alsoChangeable,
        IReadOnlyDictionary<string, Saved>? outside = null)
    {
        if (o.Resume is not { } resume)
            return;
        var mine = (JsonObject)JsonSerializer.SerializeToNode(resolved, DaeCheckpoint.Json)!;
        var theirs = (JsonObject)JsonSerializer.SerializeToNode(saved, DaeCheckpoint.Json)!;
        var differences = new List<string>();
        foreach (var (flag, text) in o.Given)
        {
            var shown = text.Length == 0 ? flag : $"{flag} {ArgumentCheck.Shown(text)}";
            if (flag is "--resume" or "--force" || Changeable.Contains(flag) || alsoChangeable.Contains(flag))
                continue;
            if (flag == "--out")
            {
                if (!SameDirectory(text, resume))
                    differences.Add($"{shown} is not the run's directory");
            }
            else if (outside is not null && outside.TryGetValue(flag, out var value))
            {
                if (!value.Same)
                    differences.Add($"{shown} differs from the run's {value.Text}");
            }
            else if (flag == "--preset")
            {
                // The recipe's settings as resolved here (the options given beside it override them, and are compared on their own).
                var covered = o.Given.Keys.SelectMany(f => PathsOf(f, mine)).Select(p => p.Split('.')[0]).ToHashSet();
                var off = mine.Select(p => p.Key)
                    .Where(k => !NotInRecipes.Contains(k) && !covered.Contains(k) && !alsoChangeable.Contains(OptionNames.FlagOf(k) ?? ""))
                    .Where(k => !JsonNode.DeepEquals(mine[k], theirs[k]))
                    .Select(k => $"{OptionNames.FlagOf(k) ?? k} {Text(theirs[k])}")
                    .ToList();
                if (off.Count > 0)
                    differences.Add($"{shown} differs from the run's {string.Join(", ", off)}");
            }
            else if (PathsOf(flag, mine) is { Count: > 0 } paths && paths.Any(p => !JsonNode.DeepEquals(At(mine, p), At(theirs, p))))
            {
                differences.Add($"{shown} differs from the run's {string.Join(",", paths.Select(p => Text(At(theirs, p))))}");
            }
        }
        if (differences.Count > 0)
            throw new InputException($"--resume {resume}: {string.Join(", ", differences)}; a resumed run keeps its options " +
                $"(only {string.Join(", ", alsoChangeable.Concat(Changeable))} may change)");
    }

    /// <summary>The settings <paramref name="flag"/> sets in the options' JSON; none when the record does not hold it.</summary>
    private static List<string> PathsOf(string flag, JsonObject options)
    {
        var paths = Nested.TryGetValue(flag, out var nested) ? nested
            : OptionNames.SettingsOf(flag) is { Count: > 0 } settings ? settings
            : [flag[2..].Replace('-', '_')];
        return paths.Where(p => options.ContainsKey(p.Split('.')[0])).ToList();
    }

    private static JsonNode? At(JsonObject options, string path)
    {
        JsonNode? node = options;
        foreach (var part in path.Split('.'))
            node = node is JsonObject o ? o[part] : null;
        return node;
    }

    /// <summary>A saved value as the command line would write it: 1000,1000 for a list, none for null.</summary>
    private static string Text(JsonNode? node) => node switch
    {
        null => "none",
        JsonArray a => a.Count == 0 ? "none" : string.Join(",", a.Select(Text)),
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        _ => node.ToJsonString(),
    };

    /// <summary>Whether two paths name one file or directory (after making them absolute).</summary>
    public static bool SameDirectory(string a, string b) =>
        string.Equals(Path.TrimEndingDirectorySeparator(Path.GetFullPath(a)), Path.TrimEndingDirectorySeparator(Path.GetFullPath(b)), StringComparison.Ordinal);
}
