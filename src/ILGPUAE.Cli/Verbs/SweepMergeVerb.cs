namespace ILGPUAE.Cli.Verbs;

using global::CommandLine;
using ILGPUAE.Training.Sweeps;

[Verb("merge", HelpText = "Merge the shards of one `sweep deep` (--shard i/n, or --slurm's OUT/shard-i) into DIR/rows.csv, each configuration once in ordinal order, as one process would have written it; refuses a configuration two shards ran; exit 3 when configurations are missing (the rows there are still written).")]
public sealed class SweepMergeOptions
{
    [Option("rows", Required = true, HelpText = "Comma-separated rows.csv files or directories (shards' --out, or the folder holding them, searched at any depth outside --out).")]
    public string Rows { get; set; } = "";

    [Option("out", Required = true, HelpText = "Directory for the merged rows.csv (replaced whole): a sweep directory that `sweep table` reads and `sweep deep` can resume into.")]
    public string Out { get; set; } = "";
}

public static class SweepMergeVerb
{
    /// <summary>Exit 0 when every configuration of the grid is in the merged rows, <see cref="CliApp.Incomplete"/> when some are missing.</summary>
    public static int Run(SweepMergeOptions o)
    {
        var paths = o.Rows.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var result = SweepMergeFiles.Write(paths, o.Out, Console.WriteLine);
        var cell = result.Rows[0].Cell;
        Console.WriteLine($"merged {result.Files} rows files: {result.Rows.Count} of {result.GridSize} configurations of {cell} in {result.RowsFile}");
        if (result.Complete)
        {
            Console.WriteLine($"complete; table: ilgpuae sweep table --rows {o.Out} --out DIR");
            return CliApp.Ok;
        }
        // The shard that runs ordinal k of n shards is k % n + 1 (SweepShard).
        Console.Error.WriteLine($"incomplete: {result.Missing.Count} of {result.GridSize} configurations missing: {string.Join(", ", result.Missing.Select(m => $"#{m}"))} " +
                                "(shard i/n runs those with ordinal % n = i − 1: rerun or resubmit it, then merge again)");
        return CliApp.Incomplete;
    }
}
