namespace ILGPUAE.Cli;

using global::CommandLine;
using ILGPUAE.Backends;
using ILGPUAE.Cli.Verbs;
using ILGPUAE.IO;
using ILGPUAE.Training;

/// <summary>
/// Entry point. CommandLineParser has no nested verbs, so the first word picks a group from a table
/// (`train`, `data`) and the parser reads the group's verb and options from the rest; other verbs are
/// top-level. <see cref="ArgumentCheck"/> reads the words strictly before the parser binds them. Exit codes: 0 done, 1 a check
/// failed or an unexpected error, 2 bad input.
/// </summary>
public static class CliApp
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int BadInput = 2;

    private static readonly Dictionary<string, Type[]> Groups = new()
    {
        ["train"] = [typeof(TrainDaeOptions)],
        ["data"] = [typeof(DataFetchOptions)],
    };

    private static readonly Type[] TopLevel =
        [typeof(TrainGroup), typeof(DataGroup), typeof(PretrainOptions), typeof(FinetuneVerbOptions), typeof(EvalOptions), typeof(PlotOptions), typeof(CheckOptions), typeof(DevicesOptions)];

    public static int Run(string[] args)
    {
        var parsed = Parse(args);
        if (parsed.Value is null)
            return parsed.Exit;
        try
        {
            return parsed.Value switch
            {
                TrainDaeOptions o => TrainDaeVerb.Run(o),
                DataFetchOptions o => DataFetchVerb.Run(o),
                PretrainOptions o => PretrainVerb.Run(o),
                FinetuneVerbOptions o => FinetuneVerb.Run(o),
                EvalOptions o => EvalVerb.Run(o),
                PlotOptions o => PlotVerb.Run(o),
                CheckOptions o => CheckVerb.Run(o),
                DevicesOptions => DevicesVerb.Run(),
                _ => throw new InvalidOperationException($"no handler for {parsed.Value.GetType().Name}"),
            };
        }
        catch (Exception e) when (e is InputException or AcceleratorUnavailableException or TrainingDivergedException)
        {
            Console.Error.WriteLine($"error: {OptionNames.Message(e)}");
            return BadInput;
        }
    }

    /// <summary>
    /// Reads <paramref name="args"/> into a verb's options. What the strict pass (<see cref="ArgumentCheck"/>) refuses is one line and
    /// a pointer to the verb's help, exit 2; a request for help prints it, exit 0.
    /// </summary>
    public static ParsedCommand Parse(string[] args)
    {
        var grouped = args.Length > 0 && Groups.ContainsKey(args[0]);
        var verbs = grouped ? Groups[args[0]] : TopLevel;
        var words = ArgumentCheck.Check(grouped ? args[0] : null, verbs, grouped ? args[1..] : args);
        if (words.Error is { } wrong)
        {
            Console.Error.WriteLine($"error: {wrong}");
            Console.Error.WriteLine(words.HelpLine);
            return new ParsedCommand(null, BadInput);
        }
        using var parser = new Parser(s =>
        {
            s.CaseInsensitiveEnumValues = true;
            s.HelpWriter = Console.Error;
        });
        var parsed = parser.ParseArguments(words.Words, verbs);
        if (parsed is NotParsed<object> notParsed)
            return new ParsedCommand(null, notParsed.Errors.All(e => e.Tag is ErrorType.HelpRequestedError or ErrorType.VersionRequestedError or ErrorType.HelpVerbRequestedError)
                ? Ok
                : BadInput);
        if (parsed.Value is TrainingVerbOptions training)
            training.Given = words.Given;
        return new ParsedCommand(parsed.Value, Ok);
    }
}

/// <summary>A verb's options read from the command line, or null and the exit code when they were refused or help was printed.</summary>
public sealed record ParsedCommand(object? Value, int Exit);

[Verb("train", HelpText = "Train a model: `ilgpuae train dae --help`.")]
public sealed class TrainGroup;

[Verb("data", HelpText = "Fetch and verify datasets: `ilgpuae data fetch mnist`.")]
public sealed class DataGroup;
