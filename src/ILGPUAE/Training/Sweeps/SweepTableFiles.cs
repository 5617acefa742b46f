namespace ILGPUAE.Training.Sweeps;

using System.Text;
using ILGPUAE.IO;

/// <summary>
/// `sweep table`'s work: merges the rows of several sweeps (shards, cells) and writes the results table as table.csv and
/// table.md, with every merged row in merged-rows.csv (not named rows.csv, so a later merge over the same folder does not read it
/// as a sweep's). Each file is replaced atomically; the rows files are only read.
/// </summary>
public static class SweepTableFiles
{
    public const string CsvName = "table.csv";
    public const string MarkdownName = "table.md";
    public const string MergedRowsName = "merged-rows.csv";

    /// <summary>Reads every rows file of <paramref name="rowsPaths"/>, checks them all, then writes the three files into <paramref name="outDirectory"/>.</summary>
    public static (ResultsTable Table, IReadOnlyList<SweepRow> Rows, string Directory) Write(IReadOnlyList<string> rowsPaths, string outDirectory, Action<string> note)
    {
        if (rowsPaths.Count == 0)
            throw InputException.ForSetting("rows", "(none)", "one or more rows files or sweep directories");
        var full = InputFile.FullPath(outDirectory);
        if (File.Exists(full))
            throw InputException.AboutSetting("out", $"out {outDirectory}: is a file; expected a directory for {CsvName} and {MarkdownName}");
        var rows = SweepRowsFile.Merge(rowsPaths, note);
        var table = ResultsTable.Of(rows);
        CreateDirectory(full);
        Replace(Path.Combine(full, MergedRowsName), Text(rows));
        Replace(Path.Combine(full, CsvName), table.Csv());
        Replace(Path.Combine(full, MarkdownName), table.Markdown());
        return (table, rows, full);
    }

    /// <summary>Rows as a rows file holds them: the header, then a line each.</summary>
    public static string Text(IEnumerable<SweepRow> rows)
    {
        var text = new StringBuilder(SweepRowsFile.HeaderLine).Append('\n');
        foreach (var row in rows)
            text.Append(CsvLine.Format(row.Fields())).Append('\n');
        return text.ToString();
    }

    /// <summary>Creates <paramref name="full"/> and its parents where missing; a fault names the path.</summary>
    internal static void CreateDirectory(string full)
    {
        try
        {
            Directory.CreateDirectory(full);
        }
        catch (Exception e) when (FileFaultException.Of(e, full) is { } fault)
        {
            throw fault;
        }
    }

    /// <summary>Replaces <paramref name="path"/> with <paramref name="text"/> atomically (<see cref="AtomicFile"/>); a fault names the path.</summary>
    internal static void Replace(string path, string text)
    {
        try
        {
            AtomicFile.WriteAllText(path, text);
        }
        catch (Exception e) when (FileFaultException.Of(e, path) is { } fault)
        {
            throw fault;
        }
    }
}
