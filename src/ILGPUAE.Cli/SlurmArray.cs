namespace ILGPUAE.Cli;

using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using global::CommandLine;
using ILGPUAE.IO;

/// <summary>The options a sharded sweep verb shares for running as a Slurm array (`--slurm --shards N`), besides its own.</summary>
public interface ISlurmSweepOptions
{
    bool Slurm { get; }
    int? Shards { get; }
    string? SlurmArgs { get; }
    string? Shard { get; }
    string Out { get; }
}

/// <summary>The help texts of the Slurm options, declared once for every verb that has them.</summary>
public static class SlurmHelp
{
    public const string Slurm = "Submit the sweep as a Slurm array of --shards tasks instead of running it: writes OUT/slurm/sweep.sbatch (task i runs --shard i/N into OUT/shard-i, its log in OUT/slurm/JOB_i.out), runs `sbatch --parsable` on it and prints the job id and the merge command.";
    public const string Shards = "With --slurm: the number of array tasks, each one shard of the sweep (1 to the sweep's size).";
    public const string SlurmArgs = "With --slurm: sbatch options written into the script as #SBATCH lines, name=value words separated by spaces, e.g. \"partition=gpu time=2:00:00 gres=gpu:1\" (each taken as --name=value).";
}

/// <summary>
/// A sharded sweep as a Slurm array job: the sbatch script whose task i runs the same sweep command with `--shard i/N` into its own
/// directory OUT/shard-i (each shard resumable as the sweep is, so a killed task is rerun by submitting its index again), and its
/// submission with `sbatch --parsable`. The task's command line is the running ilgpuae (<see cref="Launcher"/>) and the options the
/// user gave, written back from the parsed options (<see cref="OptionWords"/>), so that it parses to the same sweep.
/// </summary>
public static partial class SlurmArray
{
    public const string DirectoryName = "slurm";
    public const string ScriptName = "sweep.sbatch";
    public const string ShardPrefix = "shard-";
    public const string MergedName = "merged";

    /// <summary>The options of a sweep verb that the array sets itself, or that only the submission reads.</summary>
    private static readonly HashSet<string> SetByTheArray = new(StringComparer.Ordinal) { "slurm", "shards", "slurm-args", "shard", "out" };

    /// <summary>Options that name a path: written absolute, so that the task reads the same one from any directory.</summary>
    private static readonly HashSet<string> PathOptions = new(StringComparer.Ordinal) { "data-dir" };

    /// <summary>
    /// The command that runs this ilgpuae again: the running executable (<see cref="Environment.ProcessPath"/>), and the entry
    /// assembly after it when that executable is the `dotnet` host (`dotnet /abs/ilgpuae.dll`).
    /// </summary>
    public static IReadOnlyList<string> Launcher() =>
        LauncherOf(Environment.ProcessPath ?? throw new InvalidOperationException("the running executable's path is unknown"),
            Assembly.GetEntryAssembly()?.Location);

    public static IReadOnlyList<string> LauncherOf(string processPath, string? entryAssembly) =>
        Path.GetFileNameWithoutExtension(processPath) == "dotnet" && !string.IsNullOrEmpty(entryAssembly)
            ? [Path.GetFullPath(processPath), Path.GetFullPath(entryAssembly)]
            : [Path.GetFullPath(processPath)];

    /// <summary>
    /// The checks of the Slurm options before anything is written, as one-line errors naming the flag: --shards and --slurm-args
    /// only with --slurm, --slurm with --shards from 1 to <paramref name="units"/> (the sweep's configurations or runs) and without
    /// --shard, and sbatch options as --name=value words. Returns the sbatch options (none without --slurm-args).
    /// </summary>
    public static string[] Check(ISlurmSweepOptions o, int units, string unitName)
    {
        if (!o.Slurm)
        {
            if (o.Shards is { } shards)
                throw new InputException($"--shards {shards}: only with --slurm; expected --slurm --shards N, or --shard i/n to run one shard here");
            if (o.SlurmArgs is { } args)
                throw new InputException($"--slurm-args {ArgumentCheck.Shown(args)}: only with --slurm; expected --slurm --shards N --slurm-args \"…\"");
            return [];
        }
        if (o.Shard is { } shard)
            throw new InputException($"--shard {ArgumentCheck.Shown(shard)}: not with --slurm; expected --shards N, each array task running its own shard i/N");
        if (o.Shards is not { } n)
            throw new InputException($"--shards: missing; expected the number of array tasks with --slurm, from 1 to {units} (the sweep's {unitName})");
        if (n < 1 || n > units)
            throw new InputException($"--shards {n}: expected an integer from 1 to {units} (the sweep's {unitName})");
        // "time=1:00" is read as "--time=1:00": a value starting with "--" must be given as --slurm-args="--time=1:00".
        var words = (o.SlurmArgs ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
            .Select(w => w.StartsWith('-') ? w : "--" + w).ToArray();
        if (words.FirstOrDefault(w => !SbatchOption().IsMatch(w)) is { } bad)
            throw new InputException($"--slurm-args {ArgumentCheck.Shown(o.SlurmArgs!)}: '{ArgumentCheck.Shown(bad)}' is not an sbatch option; expected sbatch's long options as name=value words (or --name=value, or a switch), e.g. \"partition=gpu time=2:00:00\"");
        if (words.FirstOrDefault(w => w.Split('=')[0] is "--array" or "--output" or "--chdir") is { } own)
            throw new InputException($"--slurm-args {ArgumentCheck.Shown(o.SlurmArgs!)}: {own} is set by --shards, OUT and the working directory; expected other sbatch options");
        return words;
    }

    [GeneratedRegex(@"^--[A-Za-z][A-Za-z0-9-]*(=\S+)?$")]
    private static partial Regex SbatchOption();

    /// <summary>
    /// <paramref name="options"/> (a verb's options object) as command-line words: each option whose value is not its default, in
    /// declaration order, as `--name value` (a switch alone); those the array sets, and <paramref name="leaveOut"/> (long names), are left out. Parsing the words gives the same
    /// values back.
    /// </summary>
    public static List<string> OptionWords(object options, params string[] leaveOut)
    {
        var words = new List<string>();
        foreach (var property in options.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance)
                     .OrderBy(p => p.DeclaringType == options.GetType() ? 0 : 1).ThenBy(p => p.MetadataToken))
        {
            if (property.GetCustomAttribute<OptionAttribute>() is not { } option || SetByTheArray.Contains(option.LongName) || leaveOut.Contains(option.LongName))
                continue;
            var value = property.GetValue(options);
            if (value is null || Equals(value, option.Default) || value is false)
                continue;
            var flag = "--" + option.LongName;
            if (value is true)
            {
                words.Add(flag);
                continue;
            }
            // Enums as the help writes them: "host", "denoise"; a name in capitals stays so ("J", "UJ").
            var text = value switch
            {
                Enum e when e.ToString() is var name => name.All(char.IsUpper) ? name : name.ToLowerInvariant(),
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                _ => value.ToString()!,
            };
            words.Add(flag);
            words.Add(PathOptions.Contains(option.LongName) ? Path.GetFullPath(text) : text);
        }
        return words;
    }

    /// <summary>A word for bash: as it is when it holds only safe characters, else in single quotes.</summary>
    public static string Quote(string word) =>
        word.Length > 0 && SafeWord().IsMatch(word) ? word : "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    [GeneratedRegex(@"^[A-Za-z0-9_./,:=+@%-]+$")]
    private static partial Regex SafeWord();

    /// <summary>OUT/slurm/sweep.sbatch of a sweep into <paramref name="outDirectory"/> (absolute).</summary>
    public static string ScriptPath(string outDirectory) => Path.Combine(outDirectory, DirectoryName, ScriptName);

    /// <summary>
    /// The sbatch script: an array of <paramref name="shards"/> tasks, task i running <paramref name="launcher"/>
    /// <paramref name="verb"/> <paramref name="optionWords"/> --shard i/N --out OUT/shard-i from <paramref name="workingDirectory"/>,
    /// its output in OUT/slurm/JOB_i.out; <paramref name="sbatchOptions"/> as #SBATCH lines. N is written into the script rather
    /// than read from SLURM_ARRAY_TASK_COUNT, so that one task submitted again alone (`sbatch --array=i`) still runs shard i/N.
    /// </summary>
    public static string Script(IReadOnlyList<string> launcher, string verb, IReadOnlyList<string> optionWords, string outDirectory, int shards,
        IReadOnlyList<string> sbatchOptions, string workingDirectory)
    {
        var n = shards.ToString(CultureInfo.InvariantCulture);
        var script = ScriptPath(outDirectory);
        var text = new StringBuilder();
        text.Append("#!/bin/bash\n");
        text.Append($"# ilgpuae {verb} as a Slurm array: task i of {n} runs shard i/{n} of the sweep into {Path.Combine(outDirectory, ShardPrefix)}i.\n");
        text.Append($"# Submit: sbatch {Quote(script)}; one task again (a killed shard resumes where it stopped): sbatch --array=i {Quote(script)}\n");
        text.Append($"#SBATCH --job-name=ilgpuae-{verb.Replace(' ', '-')}\n");
        text.Append($"#SBATCH --array=1-{n}\n");
        text.Append($"#SBATCH --output={SbatchValue(Path.Combine(outDirectory, DirectoryName, "%A_%a.out"))}\n");
        text.Append($"#SBATCH --chdir={SbatchValue(workingDirectory)}\n");
        foreach (var option in sbatchOptions)
            text.Append($"#SBATCH {option}\n");
        text.Append("set -euo pipefail\n");
        text.Append("exec");
        foreach (var word in launcher.Concat(verb.Split(' ')).Concat(optionWords))
            text.Append(' ').Append(Quote(word));
        text.Append($" --shard \"$SLURM_ARRAY_TASK_ID/{n}\" --out {Quote(Path.Combine(outDirectory, ShardPrefix))}\"$SLURM_ARRAY_TASK_ID\"\n");
        return text.ToString();
    }

    /// <summary>A path in an #SBATCH line: in double quotes when it holds white space (sbatch splits the line there otherwise).</summary>
    private static string SbatchValue(string path) => path.Any(char.IsWhiteSpace) ? $"\"{path}\"" : path;

    /// <summary>
    /// Writes the script of <paramref name="o"/>'s sweep into OUT/slurm and submits it with `sbatch --parsable`, printing the job id,
    /// where the shards and logs go, and <paramref name="mergeCommand"/>. Without sbatch on PATH the script is still written and the
    /// refusal says how to submit it by hand; sbatch refusing it is one line with its message. Both exit 2 (<see cref="InputException"/>).
    /// </summary>
    public static int Submit(ISlurmSweepOptions o, string verb, object options, string[] sbatchOptions, Func<IReadOnlyList<string>, string, string> mergeCommand)
    {
        var outDirectory = InputFile.FullPath(o.Out);
        if (File.Exists(outDirectory))
            throw InputException.AboutSetting("out", $"out {o.Out}: is a file; expected a directory for the shards and {DirectoryName}/{ScriptName}");
        var launcher = Launcher();
        var shards = o.Shards!.Value;
        var script = ScriptPath(outDirectory);
        var text = Script(launcher, verb, OptionWords(options), outDirectory, shards, sbatchOptions, Environment.CurrentDirectory);
        // A fault here names its path through CliApp (FileFaultException.Of).
        Directory.CreateDirectory(Path.GetDirectoryName(script)!);
        AtomicFile.WriteAllText(script, text);
        Console.WriteLine($"wrote {script}: {shards} array tasks, task i running shard i/{shards} into {Path.Combine(outDirectory, ShardPrefix)}i");
        var merge = mergeCommand(launcher, outDirectory);

        var sbatch = OnPath("sbatch")
            ?? throw new InputException($"sbatch: not found on PATH, nothing submitted; submit {script} on a Slurm login node with `sbatch {Quote(script)}`, then merge with `{merge}`");
        var start = new ProcessStartInfo(sbatch)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add("--parsable");
        start.ArgumentList.Add(script);
        using var process = Process.Start(start) ?? throw new InputException($"sbatch: {sbatch} could not be started; submit {script} by hand");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var said = string.Join(" ", (stderr.Result + "\n" + stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        if (process.ExitCode != 0)
            throw new InputException($"sbatch: exited with {process.ExitCode} ({ArgumentCheck.Shown(said)}), nothing submitted; expected it to accept {script}");
        // --parsable prints "JOBID" or "JOBID;CLUSTER".
        var job = stdout.Trim().Split(';')[0];
        if (job.Length == 0 || !job.All(char.IsAsciiDigit))
            throw new InputException($"sbatch: printed '{ArgumentCheck.Shown(stdout.Trim())}'; expected a job id (sbatch --parsable)");
        Console.WriteLine($"submitted job {job}: logs {Path.Combine(outDirectory, DirectoryName, $"{job}_i.out")}; watch with `squeue -j {job}`");
        Console.WriteLine($"a killed task: `sbatch --array=i {Quote(script)}` resumes shard i");
        Console.WriteLine($"when all {shards} have finished: {merge}");
        return CliApp.Ok;
    }

    /// <summary>The first executable file called <paramref name="name"/> in the directories of PATH, or null.</summary>
    public static string? OnPath(string name)
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, name);
            if (File.Exists(candidate) && (OperatingSystem.IsWindows() || (File.GetUnixFileMode(candidate) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0))
                return candidate;
        }
        return null;
    }

    /// <summary>A command line for the user to paste: each word quoted for bash.</summary>
    public static string CommandLine(IEnumerable<string> words) => string.Join(" ", words.Select(Quote));
}
