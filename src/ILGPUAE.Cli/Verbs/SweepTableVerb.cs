namespace ILGPUAE.Cli.Verbs;

using global::CommandLine;
using ILGPUAE.Training.Sweeps;

[Verb("table", HelpText = "Merge the rows of `sweep deep` runs (shards, cells) and write the study's Table II layout: DIR/table.csv, DIR/table.md, DIR/merged-rows.csv.")]
public sealed class SweepTableOptions
{
    [Option("rows", Required = true, HelpText = "Comma-separated rows.csv files or directories (a sweep's --out, or a folder of them, searched at any depth).")]
    public string Rows { get; set; } = "";

    [Option("out", Required = true, HelpText = "Directory to write table.csv, table.md and merged-rows.csv into (each replaced whole).")]
    public string Out { get; set; } = "";
}

public static class SweepTableVerb
{
    public static int Run(SweepTableOptions o)
    {
        var paths = o.Rows.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var (table, rows, directory) = SweepTableFiles.Write(paths, o.Out, Console.WriteLine);
        Console.Write(table.Markdown());
        Console.WriteLine($"wrote {Path.Combine(directory, SweepTableFiles.MarkdownName)}, {SweepTableFiles.CsvName} and {SweepTableFiles.MergedRowsName} ({rows.Count} rows)");
        return CliApp.Ok;
    }
}
