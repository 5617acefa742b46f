namespace ILGPUAE.Tests.Cli;

using System.Reflection;
using global::CommandLine;
using ILGPUAE.Cli.Verbs;
using ILGPUAE.Tests.IO;

/// <summary>
/// Tiny finished runs of the three training verbs (on host, 20 training examples), for the table's --resume cases to resume.
/// Made in this process with the same options as <see cref="StrictOptionTableTests"/>' base command lines.
/// </summary>
public sealed class ResumableRuns : IDisposable
{
    private readonly TempDirectory dir = new();

    public ResumableRuns()
    {
        foreach (var verb in StrictOptionTableTests.Verbs.Where(v => v.Resumable))
        {
            var result = InProcessCli.Run(StrictOptionTableTests.CommandLine(verb, dir.Path, ["--out"], [("--out", RunOf(verb.Name))]));
            Assert.True(result.ExitCode == 0, result.ToString());
        }
    }

    public string RunOf(string verb) => Path.Combine(dir.Path, verb.Replace(' ', '-'));

    public void Dispose() => dir.Dispose();
}

/// <summary>
/// Every verb × every option × {out of range, non-numeric, comma decimal, missing value (last, and before another option), empty,
/// conflicting (given twice; a --resume that differs)}, as the kind of the option allows, plus an unknown option and a stray word
/// per verb: each is refused with exit 2, one error line naming the option (and the pointer to --help), no stack trace, and
/// nothing written to --out. The options come from the verbs' classes, so a new option joins the table by itself. In process:
/// the whole table takes a few seconds.
/// </summary>
[Collection(InProcessCliCollection.Name)]
public sealed class StrictOptionTableTests(ResumableRuns runs) : IClassFixture<ResumableRuns>
{
    /// <summary>A verb, its options class and a command line it runs (quickly, on host) when nothing is wrong.</summary>
    public sealed record Verb(string Name, Type Options, string[] Positionals, (string Flag, string Value)[] Base, bool Resumable = false);

    private const string Temp = "{T}";

    public static readonly Verb[] Verbs =
    [
        new("train dae", typeof(TrainDaeOptions), [], [("--accelerator", "host"), ("--epochs", "1"), ("--train-limit", "20"), ("--test-limit", "10"), ("--hidden", "3"), ("--out", $"{Temp}/out")], Resumable: true),
        new("train deep", typeof(TrainDeepOptions), [], [("--accelerator", "host"), ("--epochs", "1"), ("--train-limit", "20"), ("--valid-limit", "10"), ("--test-limit", "10"), ("--layers", "3"), ("--out", $"{Temp}/out")], Resumable: true),
        new("pretrain", typeof(PretrainOptions), [], [("--accelerator", "host"), ("--epochs", "1"), ("--train-limit", "20"), ("--test-limit", "10"), ("--hidden", "3,2"), ("--out", $"{Temp}/out")], Resumable: true),
        new("finetune", typeof(FinetuneVerbOptions), [], [("--init", "random"), ("--hidden", "3"), ("--accelerator", "host"), ("--max-epochs", "1"), ("--train-limit", "20"), ("--test-limit", "10"), ("--out", $"{Temp}/out")], Resumable: true),
        new("eval", typeof(EvalOptions), [], [("--model", $"{Temp}/no-model"), ("--accelerator", "host")]),
        new("export onnx", typeof(ExportOnnxOptions), [], [("--model", $"{Temp}/no-model")]),
        new("check", typeof(CheckOptions), [], [("--accelerator", "host")]),
        new("data fetch", typeof(DataFetchOptions), ["mnist"], [("--data-dir", $"{Temp}/data")]),
        new("plot", typeof(PlotOptions), [$"{Temp}/no-run"], []),
        new("devices", typeof(DevicesOptions), [], []),
    ];

    // Values out of the option's range; options not here take their type's (an integer past its type's range), or have none.
    private static readonly Dictionary<(string Verb, string Flag), string> OutOfRange = new()
    {
        [("*", "--lr")] = "-1",
        [("*", "--momentum")] = "1",
        [("*", "--batch")] = "0",
        [("*", "--epochs")] = "0",
        [("*", "--hogwild")] = "300",
        [("*", "--checkpoint-every")] = "-1",
        [("*", "--train-limit")] = "0",
        [("*", "--test-limit")] = "0",
        [("*", "--seed")] = "-1",
        [("*", "--weight-decay")] = "-1",
        [("*", "--clip-grad-norm")] = "0",
        [("*", "--eps")] = "-1",
        [("*", "--rmsprop-alpha")] = "2",
        [("*", "--betas")] = "1.5,0.9",
        [("*", "--dataset")] = "bogus",
        [("*", "--preset")] = "bogus",
        [("*", "--out")] = $"{Temp}/a-file/run",
        [("*", "--resume")] = $"{Temp}/no-run",
        [("*", "--model")] = $"{Temp}/no-model",
        [("train dae", "--hidden")] = "0",
        [("train dae", "--corruption")] = "1.5",
        [("train dae", "--activity-l1")] = "-1",
        [("train deep", "--layers")] = "0,3",
        [("train deep", "--noise")] = "-1",
        [("train deep", "--noise-kind")] = "salt_and_pepper",
        [("train deep", "--contraction")] = "-1",
        [("train deep", "--joint-epochs")] = "0",
        [("train deep", "--valid-limit")] = "0",
        [("pretrain", "--hidden")] = "0,3",
        [("pretrain", "--corruption")] = "1.5",
        [("finetune", "--hidden")] = "0",
        [("finetune", "--corruption")] = "1",
        [("finetune", "--mlp")] = "0",
        [("finetune", "--max-epochs")] = "0",
        [("finetune", "--patience")] = "-1",
        [("finetune", "--lr-plateau")] = "-1",
        [("finetune", "--lr-factor")] = "1",
        [("finetune", "--min-lr")] = "-1",
        [("finetune", "--pretrained")] = $"{Temp}/no-stack",
    };

    // String options that are comma-separated lists of numbers.
    private static bool IsList(Verb verb, string flag) =>
        flag is "--mlp" or "--betas" || (flag == "--layers" && verb.Name == "train deep") || (flag is "--hidden" or "--corruption" && verb.Name is "pretrain" or "finetune" && !(verb.Name == "finetune" && flag == "--corruption"));

    public static IEnumerable<object[]> Cases()
    {
        foreach (var verb in Verbs)
        {
            var options = verb.Options.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Select(p => (Property: p, Attribute: p.GetCustomAttribute<OptionAttribute>()))
                .Where(p => p.Attribute is not null)
                .Select(p => (Flag: "--" + p.Attribute!.LongName, Type: Nullable.GetUnderlyingType(p.Property.PropertyType) ?? p.Property.PropertyType));
            foreach (var (flag, type) in options)
                foreach (var (kind, words) in BadValues(verb, flag, type))
                    yield return [verb.Name, flag, kind, words, flag];
            yield return [verb.Name, "--bogus", "unknown option", new[] { "--bogus", "1" }, "--bogus"];
            yield return [verb.Name, "stray", "stray word", new[] { "stray" }, "'stray'"];
            if (verb.Positionals.Length > 0)
            {
                var meta = verb.Options.GetProperties().Select(p => p.GetCustomAttribute<ValueAttribute>()).First(v => v is not null)!.MetaName;
                yield return [verb.Name, meta, "missing value", new[] { "<no positional>" }, meta];
                yield return [verb.Name, meta, "empty", new[] { "<positional>", "" }, meta];
                yield return [verb.Name, meta, "out of range", new[] { "<positional>", verb.Name == "plot" ? $"{Temp}/no-run" : "bogus" }, verb.Name == "plot" ? "no-run" : "bogus"];
            }
        }
        // Conflicting options: a resumed run's options given with other values, --out naming another directory, and
        // finetune's two sources of weights.
        yield return ["train dae", "--hidden", "conflicting (--resume)", new[] { "<resume>", "--hidden", "4" }, "--hidden 4 differs from the run's 3"];
        yield return ["train dae", "--lr", "conflicting (--resume)", new[] { "<resume>", "--lr", "5" }, "--lr 5 differs from the run's 0.1"];
        yield return ["train dae", "--out", "conflicting (--resume)", new[] { "<resume>", "--out", $"{Temp}/other" }, "is not the run's directory"];
        yield return ["train deep", "--layers", "conflicting (--resume)", new[] { "<resume>", "--layers", "4" }, "--layers 4 differs from the run's 3"];
        yield return ["train deep", "--scheme", "conflicting (--resume)", new[] { "<resume>", "--scheme", "J" }, "--scheme J differs from the run's UJ"];
        yield return ["train deep", "--noise-kind", "conflicting (--resume)", new[] { "<resume>", "--noise-kind", "salt-and-pepper" }, "--noise-kind salt-and-pepper differs from the run's Gaussian"];
        yield return ["train deep", "--binarize", "conflicting (--resume)", new[] { "<resume>", "--binarize" }, "--binarize differs from the run's false"];
        yield return ["pretrain", "--hidden", "conflicting (--resume)", new[] { "<resume>", "--hidden", "4,2" }, "--hidden 4,2 differs from the run's 3,2"];
        yield return ["pretrain", "--corruption", "conflicting (--resume)", new[] { "<resume>", "--corruption", "0.5" }, "--corruption 0.5 differs from the run's 0.1,0.2"];
        yield return ["finetune", "--batch", "conflicting (--resume)", new[] { "<resume>", "--batch", "5" }, "--batch 5 differs from the run's 1"];
        yield return ["finetune", "--hidden", "conflicting (--resume)", new[] { "<resume>", "--hidden", "4" }, "--hidden 4 differs from the run's 3"];
        yield return ["finetune", "--pretrained", "conflicting", new[] { "--pretrained", $"{Temp}/stack" }, "--init random with --pretrained"];
    }

    private static IEnumerable<(string Kind, string[] Words)> BadValues(Verb verb, string flag, Type type)
    {
        if (type == typeof(bool))
        {
            yield return ("a value to a switch", [$"{flag}=yes"]);
            yield return ("stray word after a switch", [flag, "yes"]);
            yield return ("conflicting (given twice)", [flag, flag]);
            yield break;
        }
        var numeric = type == typeof(float) || type == typeof(double) || type == typeof(int) || type == typeof(ulong);
        var list = type == typeof(string) && IsList(verb, flag);
        var range = OutOfRange.GetValueOrDefault((verb.Name, flag)) ?? OutOfRange.GetValueOrDefault(("*", flag))
            ?? (type == typeof(int) ? "99999999999" : type.IsEnum ? "7" : null);
        if (range is not null)
            yield return ("out of range", [flag, range]);
        if (numeric || list || type.IsEnum)
        {
            yield return ("non-numeric", [flag, list ? "a,b" : type.IsEnum ? "bogus" : "abc"]);
            yield return ("comma decimal", [flag, list ? "0,05" : type.IsEnum ? string.Join(",", Enum.GetNames(type).Take(2)) : "0,5"]);
        }
        yield return ("missing value (last)", [flag]);
        yield return ("missing value (before an option)", [flag, "--accelerator", "host"]);
        yield return ("empty", [flag, ""]);
        var (first, second) = type.IsEnum ? (Enum.GetNames(type)[0], Enum.GetNames(type)[1]) : ("1", "2");
        yield return ("conflicting (given twice)", [flag, first, flag, second]);
    }

    /// <summary>The verb's base command line without <paramref name="without"/> (the option under test) and with <paramref name="extra"/> after it.</summary>
    public static string[] CommandLine(Verb verb, string temp, IReadOnlyCollection<string> without, IEnumerable<(string Flag, string Value)> extra) =>
        [.. verb.Name.Split(' '), .. verb.Positionals.Select(p => p.Replace(Temp, temp)),
            .. verb.Base.Where(b => !without.Contains(b.Flag)).Concat(extra).SelectMany(b => new[] { b.Flag, b.Value.Replace(Temp, temp) })];

    [Theory]
    [MemberData(nameof(Cases))]
    public void IsRefusedInOneLineNamingTheOption(string verbName, string option, string kind, string[] words, string named)
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("a-file"), "not a directory");
        var verb = Verbs.Single(v => v.Name == verbName);
        var tail = words.Select(w => w.Replace(Temp, dir.Path)).ToArray();
        string[] args;
        string? resumed = null;
        if (tail[0] == "<resume>")
        {
            // The base command line as the run was made (so only the option under test differs), without --out.
            resumed = runs.RunOf(verb.Name);
            args = [.. CommandLine(verb, dir.Path, [option, "--out"], [("--resume", resumed)]), .. tail[1..]];
        }
        else if (tail[0] is "<positional>" or "<no positional>")
        {
            args = [.. verb.Name.Split(' '), .. tail[1..], .. CommandLine(verb, dir.Path, [], []).Skip(verb.Name.Split(' ').Length + verb.Positionals.Length)];
        }
        else
        {
            // finetune --pretrained: without --init random and its widths, which would conflict with it.
            string[] without = verb.Name == "finetune" && option == "--pretrained" && kind == "out of range" ? [option, "--init", "--hidden"] : [option];
            args = [.. CommandLine(verb, dir.Path, without, []), .. tail];
        }
        var before = resumed is null ? null : Snapshot(resumed);

        var result = InProcessCli.Run(args);

        InProcessCli.AssertRefused(result, named.Replace(Temp, dir.Path));
        Assert.False(Directory.Exists(dir.File("out")), $"{dir.File("out")} was written: {result}");
        Assert.False(Directory.Exists(dir.File("other")), $"{dir.File("other")} was written: {result}");
        if (resumed is not null)
            Assert.Equal(before, Snapshot(resumed));
    }

    [Fact]
    public void TheTableCoversEveryVerbAndOption()
    {
        var cases = Cases().ToList();
        foreach (var verb in Verbs)
            foreach (var property in verb.Options.GetProperties().Where(p => p.GetCustomAttribute<OptionAttribute>() is not null))
                Assert.Contains(cases, c => (string)c[0] == verb.Name && (string)c[1] == "--" + property.GetCustomAttribute<OptionAttribute>()!.LongName);
        // The count the README's reliability table reports.
        Assert.True(cases.Count >= 400, $"{cases.Count} cases");
    }

    private static string[] Snapshot(string run) =>
        [.. Directory.EnumerateFiles(run, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Select(f => $"{f} {new FileInfo(f).Length} {File.GetLastWriteTimeUtc(f):O}")];
}
