namespace ILGPUAE.Cli;

using global::CommandLine;
using ILGPUAE.Backends;
using ILGPUAE.Cli.Verbs;
using ILGPUAE.IO;
using ILGPUAE.Training;

/// <summary>
/// Entry point. CommandLineParser has no nested verbs, so the first word picks a group from a table
/// (`train`, `data`, `probe`, `export`) and the parser reads the group's verb and options from the rest; other verbs are
/// top-level. <see cref="ArgumentCheck"/> reads the words strictly before the parser binds them. Every error is one line on stderr, "error: …", naming the option or the path and the cause. Exit codes:
/// <list type="bullet">
/// <item>0: done.</item>
/// <item>1: the environment failed a valid command (a disk full, a disk quota, a device error, out of device memory, a CUDA or
/// OpenCL error), a `check` failed, or an unexpected error (then with its stack trace and a line asking to report it).</item>
/// <item>2: bad input: an option out of range, a file that is not what it should be, a path that cannot be used as given
/// (read-only, permission denied, a file where a directory is expected, empty), a model too large for the machine's memory.</item>
/// <item>3: `sweep merge` wrote the rows it found, but configurations of the sweep are missing from them.</item>
/// <item>130, 143: a training run stopped by SIGINT, SIGTERM after checkpointing its last step (<see cref="StopSignals"/>).</item>
/// </list>
/// </summary>
public static class CliApp
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int BadInput = 2;
    public const int Incomplete = 3;

    private static readonly Dictionary<string, Type[]> Groups = new()
    {
        ["train"] = [typeof(TrainDaeOptions), typeof(TrainDeepOptions), typeof(TrainCaeOptions), typeof(TrainClassifierOptions), typeof(TrainSparseOptions), typeof(TrainAnamoOptions), typeof(TrainGaOptions)],
        ["data"] = [typeof(DataFetchOptions), typeof(DataMakeOptions)],
        ["sweep"] = [typeof(SweepDeepOptions), typeof(SweepTableOptions), typeof(SweepMergeOptions), typeof(SweepLabelsOptions)],
        ["probe"] = [typeof(ProbeSvmOptions)],
        ["compare"] = [typeof(CompareAnamoOptions), typeof(CompareGaOptions)],
        ["export"] = [typeof(ExportOnnxOptions)],
    };

    private static readonly Type[] TopLevel =
        [typeof(TrainGroup), typeof(DataGroup), typeof(SweepGroup), typeof(ProbeGroup), typeof(CompareGroup), typeof(ExportGroup), typeof(PretrainOptions), typeof(FinetuneVerbOptions), typeof(EvalOptions), typeof(SampleOptions), typeof(PlotOptions), typeof(VisualizeOptions), typeof(CheckOptions), typeof(DevicesOptions)];

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
                TrainDeepOptions o => TrainDeepVerb.Run(o),
                TrainCaeOptions o => TrainCaeVerb.Run(o),
                TrainClassifierOptions o => TrainClassifierVerb.Run(o),
                TrainSparseOptions o => TrainSparseVerb.Run(o),
                TrainAnamoOptions o => TrainAnamoVerb.Run(o),
                TrainGaOptions o => TrainGaVerb.Run(o),
                CompareGaOptions o => CompareGaVerb.Run(o),
                CompareAnamoOptions o => CompareAnamoVerb.Run(o),
                DataFetchOptions o => DataFetchVerb.Run(o),
                SweepDeepOptions o => SweepDeepVerb.Run(o),
                SweepTableOptions o => SweepTableVerb.Run(o),
                SweepMergeOptions o => SweepMergeVerb.Run(o),
                SweepLabelsOptions o => SweepLabelsVerb.Run(o),
                ProbeSvmOptions o => ProbeSvmVerb.Run(o),
                DataMakeOptions o => DataMakeVerb.Run(o),
                PretrainOptions o => PretrainVerb.Run(o),
                FinetuneVerbOptions o => FinetuneVerb.Run(o),
                EvalOptions o => EvalVerb.Run(o),
                SampleOptions o => SampleVerb.Run(o),
                PlotOptions o => PlotVerb.Run(o),
                VisualizeOptions o => VisualizeVerb.Run(o),
                ExportOnnxOptions o => ExportOnnxVerb.Run(o),
                CheckOptions o => CheckVerb.Run(o),
                DevicesOptions => DevicesVerb.Run(),
                _ => throw new InvalidOperationException($"no handler for {parsed.Value.GetType().Name}"),
            };
        }
        catch (Exception e) when (e is InputException or AcceleratorUnavailableException or TrainingDivergedException or MemoryNeedException)
        {
            Console.Error.WriteLine($"error: {OptionNames.Message(e)}");
            return BadInput;
        }
        catch (Exception e) when (FileFaultException.Of(e) is { } fault)
        {
            // The engine names the path where it knows it; a fault it did not wrap still names the path the runtime reports.
            Console.Error.WriteLine($"error: {fault.Message}");
            return fault.Origin == FaultOrigin.Environment ? Failed : BadInput;
        }
        catch (Exception e) when (DeviceFault.Describe(e) is { } device)
        {
            Console.Error.WriteLine($"error: {OptionNames.Message(device)}");
            return Failed;
        }
        catch (Exception e)
        {
            // Only a fault nothing above expects reaches here: its trace is what a bug report needs.
            Console.Error.WriteLine(e);
            Console.Error.WriteLine($"error: unexpected {e.GetType().Name}; this is a bug in ilgpuae, please report it with the command line above it and this trace");
            return Failed;
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
        var printed = new StringWriter();
        using var parser = new Parser(s =>
        {
            s.CaseInsensitiveEnumValues = true;
            s.HelpWriter = printed;
        });
        var parsed = parser.ParseArguments(words.Words, verbs);
        if (parsed is NotParsed<object> notParsed)
        {
            // `--version` (or `version`) prints "ilgpuae 0.18.0+<commit>": the informational version, with the commit the SDK adds
            // when it builds from a git checkout. It is the answer asked for, so it goes to stdout; help and errors go to stderr.
            var versionOnly = notParsed.Errors.All(e => e.Tag is ErrorType.VersionRequestedError);
            (versionOnly ? Console.Out : Console.Error).Write(printed.ToString());
            return new ParsedCommand(null, notParsed.Errors.All(e => e.Tag is ErrorType.HelpRequestedError or ErrorType.VersionRequestedError or ErrorType.HelpVerbRequestedError)
                ? Ok
                : BadInput);
        }
        if (parsed.Value is RunVerbOptions training)
            training.Given = words.Given;
        return new ParsedCommand(parsed.Value, Ok);
    }
}

/// <summary>A verb's options read from the command line, or null and the exit code when they were refused or help was printed.</summary>
public sealed record ParsedCommand(object? Value, int Exit);

[Verb("train", HelpText = "Train a model: `ilgpuae train dae --help`, `ilgpuae train deep --help`, `ilgpuae train cae --help`, `ilgpuae train classifier --help`, `ilgpuae train sparse --help`, `ilgpuae train anamo --help`.")]
public sealed class TrainGroup;

[Verb("sweep", HelpText = "Hyper-parameter sweeps of the study's tables and their results: `ilgpuae sweep deep --help`, `ilgpuae sweep merge --rows DIR --out DIR`, `ilgpuae sweep table --rows DIR --out DIR`, `ilgpuae sweep labels --help`.")]
public sealed class SweepGroup;

[Verb("data", HelpText = "Fetch and verify datasets, or generate the benchmark sets: `ilgpuae data fetch mnist`, `ilgpuae data make bg-rand`.")]
public sealed class DataGroup;

[Verb("probe", HelpText = "Probe a trained model's codes: `ilgpuae probe svm --model DIR`.")]
public sealed class ProbeGroup;

[Verb("compare", HelpText = "Compare optimizers as a paper does: `ilgpuae compare anamo --out DIR` (ANAMO against Adam, over seeds), `ilgpuae compare ga --out DIR` (GA, memetic GA and SGD for the same time).")]
public sealed class CompareGroup;

[Verb("export", HelpText = "Export a trained model to another format: `ilgpuae export onnx --model DIR [--part encoder|autoencoder|classifier] [--out FILE]`.")]
public sealed class ExportGroup;
