namespace ILGPUAE.Training.Sweeps;

using ILGPUAE.IO;

/// <summary>A row read from a rows file, with where it stands (for messages).</summary>
public sealed record SourcedRow(SweepRow Row, string File, int Line)
{
    public string Where => $"{File} line {Line}";
}

/// <summary>
/// A sweep's rows.csv: a header line, then one line per finished configuration, each appended and flushed to disk as the
/// configuration finishes, so a killed sweep loses at most the configuration it was running. Every line ends with '\n'; a last
/// line without it is what a kill during the append left, and is dropped (and cut off the file before the next append).
/// </summary>
public static class SweepRowsFile
{
    public const string FileName = "rows.csv";

    public static readonly string HeaderLine = CsvLine.Format(SweepRow.Header);

    /// <summary>
    /// The complete rows of <paramref name="path"/> (absolute) and the byte length of its complete lines (<see cref="CsvRowsFile.Read"/>:
    /// a torn last line is reported to <paramref name="note"/> and left out). A missing file, a wrong header or a line that is not a
    /// row is an <see cref="InputException"/> naming the file and the line.
    /// </summary>
    public static (List<SourcedRow> Rows, long CompleteBytes) Read(string path, Action<string> note)
    {
        var expected = $"a row as a sweep writes it ({string.Join(",", SweepRow.Header)})";
        var (lines, complete) = CsvRowsFile.Read(path, HeaderLine, expected, note);
        var rows = new List<SourcedRow>(lines.Count);
        foreach (var line in lines)
        {
            var row = SweepRow.TryParse(line.Fields, out var problem)
                ?? throw new InputException($"{path} line {line.Line}: {problem}; expected {expected}");
            rows.Add(new SourcedRow(row, path, line.Line));
        }
        return (rows, complete);
    }

    /// <summary>
    /// The rows of every rows file among <paramref name="paths"/> (a rows file, or a directory searched for rows.csv at any depth),
    /// as one list without repeats: a configuration found twice with the same results is kept once; found with different results,
    /// or a cell found with different settings or grids, is an <see cref="InputException"/> naming both places.
    /// </summary>
    public static List<SweepRow> Merge(IEnumerable<string> paths, Action<string> note) =>
        [.. Distinct(Files(paths).SelectMany(file => Read(file, note).Rows)).Select(r => r.Row)];

    /// <summary>
    /// The rows files <paramref name="paths"/> name (absolute, each once, in the order given; a directory's in ordinal order of
    /// their paths): a rows file, or a directory searched for rows.csv at any depth, except under <paramref name="skip"/> (the
    /// directory a merge writes into, so that a merge over the sweep's folder does not read its own output). A path that is
    /// neither, or a directory without one, is an <see cref="InputException"/> about the setting "rows".
    /// </summary>
    public static List<string> Files(IEnumerable<string> paths, string? skip = null)
    {
        var skipped = skip is null ? null : Path.TrimEndingDirectorySeparator(InputFile.FullPath(skip)) + Path.DirectorySeparatorChar;
        var files = new List<string>();
        foreach (var given in paths)
        {
            var full = InputFile.FullPath(given);
            if (Directory.Exists(full))
            {
                var found = Directory.EnumerateFiles(full, FileName, SearchOption.AllDirectories)
                    .Where(f => skipped is null || !f.StartsWith(skipped, StringComparison.Ordinal))
                    .Order(StringComparer.Ordinal).ToList();
                if (found.Count == 0)
                    throw InputException.AboutSetting("rows", $"rows {given}: holds no {FileName}{(skip is null ? "" : $" outside {skip}")}; expected a sweep's out directory, a directory of them, or a {FileName}");
                files.AddRange(found);
            }
            else if (File.Exists(full))
                files.Add(full);
            else
                throw InputException.AboutSetting("rows", $"rows {given}: not found; expected a sweep's out directory, a directory of them, or a {FileName}");
        }
        return [.. files.Distinct(StringComparer.Ordinal)];
    }

    /// <summary>
    /// <paramref name="rows"/> without repeats of a configuration, in their first order. Within a cell, every row must share the
    /// settings and the grid size, an ordinal must always name the same configuration, and a configuration must have one result.
    /// </summary>
    public static List<SourcedRow> Distinct(IEnumerable<SourcedRow> rows)
    {
        var kept = new List<SourcedRow>();
        var byConfig = new Dictionary<(SweepCell, int), SourcedRow>();
        var firstOfCell = new Dictionary<SweepCell, SourcedRow>();
        foreach (var sourced in rows)
        {
            var row = sourced.Row;
            if (firstOfCell.TryGetValue(row.Cell, out var first))
            {
                if (first.Row.Settings != row.Settings)
                    throw Conflict(first, sourced, $"settings '{first.Row.Settings}' and '{row.Settings}'");
                if (first.Row.GridSize != row.GridSize)
                    throw Conflict(first, sourced, $"grids of {first.Row.GridSize} and {row.GridSize} configurations");
            }
            else
                firstOfCell[row.Cell] = sourced;
            if (byConfig.TryGetValue((row.Cell, row.Config.Ordinal), out var earlier))
            {
                if (earlier.Row.Config != row.Config)
                    throw Conflict(earlier, sourced, $"configuration #{row.Config.Ordinal} as {earlier.Row.Config.Key} and {row.Config.Key}");
                if (!earlier.Row.SameAs(row))
                    throw Conflict(earlier, sourced, $"{row.Config.Key} with different results");
                continue;
            }
            byConfig[(row.Cell, row.Config.Ordinal)] = sourced;
            kept.Add(sourced);
        }
        return kept;
    }

    private static InputException Conflict(SourcedRow a, SourcedRow b, string what) =>
        new($"{b.Where}: {b.Row.Cell} has {what} ({a.Where}); expected the rows of one sweep per cell, each configuration once");

    /// <summary>Appends <see cref="SweepRow"/>s to a rows file (<see cref="CsvRowsFile.Appender"/>), each flushed to disk as it is written.</summary>
    public sealed class Appender(string path, long completeBytes) : IDisposable
    {
        private readonly CsvRowsFile.Appender file = new(path, completeBytes, HeaderLine);

        public void Append(SweepRow row) => file.Append(row.Fields());

        public void Dispose() => file.Dispose();
    }
}
