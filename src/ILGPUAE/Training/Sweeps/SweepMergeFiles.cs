namespace ILGPUAE.Training.Sweeps;

using ILGPUAE.IO;

/// <summary>What `sweep merge` wrote: the merged rows (in ordinal order), the file, and the configurations of the grid not in them.</summary>
public sealed record SweepMergeResult(IReadOnlyList<SweepRow> Rows, string RowsFile, int GridSize, IReadOnlyList<int> Missing, int Files)
{
    public bool Complete => Missing.Count == 0;
}

/// <summary>
/// `sweep merge`'s work: the rows of the shards of one sweep (one cell: a `sweep deep --shard i/n` per directory) as the one rows.csv
/// a one-process sweep would have written — every configuration once, in ordinal order — so that the merged directory is itself a
/// sweep's out directory (`sweep table` reads it; `sweep deep` resumed into it runs only what is missing). Unlike
/// <see cref="SweepRowsFile.Merge"/>, which keeps a configuration found twice with the same results, a configuration in two files is
/// refused: two shards ran it, so the shards were not those of one `--shard i/n` split.
/// </summary>
public static class SweepMergeFiles
{
    /// <summary>
    /// Reads every rows file of <paramref name="rowsPaths"/> (files, or directories searched at any depth, except under
    /// <paramref name="outDirectory"/>), checks them all, then writes OUT/rows.csv atomically. Nothing is written when the rows are
    /// refused: a configuration in two files, rows of two cells, or of one cell with other settings or grids (<see cref="SweepRowsFile.Distinct"/>).
    /// Missing configurations are not an error here: the rows there are written, and the result lists what is missing.
    /// </summary>
    public static SweepMergeResult Write(IReadOnlyList<string> rowsPaths, string outDirectory, Action<string> note)
    {
        if (rowsPaths.Count == 0)
            throw InputException.ForSetting("rows", "(none)", "one or more rows files or sweep directories");
        var full = InputFile.FullPath(outDirectory);
        if (File.Exists(full))
            throw InputException.AboutSetting("out", $"out {outDirectory}: is a file; expected a directory for the merged {SweepRowsFile.FileName}");
        if (Directory.Exists(full) && Directory.EnumerateFileSystemEntries(full).FirstOrDefault(e => Path.GetFileName(e) != SweepRowsFile.FileName) is { } other)
            throw InputException.AboutSetting("out", $"out {outDirectory}: holds {Path.GetFileName(other)}; expected a new directory or an earlier merge's (only {SweepRowsFile.FileName})");
        var files = SweepRowsFile.Files(rowsPaths, skip: full);

        var all = new List<SourcedRow>();
        var byConfig = new Dictionary<(SweepCell, int), SourcedRow>();
        foreach (var file in files)
            // Within one file a repeat with the same results is what a resumed sweep may hold: kept once, as a sweep reads it.
            foreach (var sourced in SweepRowsFile.Distinct(SweepRowsFile.Read(file, note).Rows))
            {
                var row = sourced.Row;
                if (byConfig.TryGetValue((row.Cell, row.Config.Ordinal), out var earlier))
                    throw new InputException($"{row.Cell} configuration #{row.Config.Ordinal} {row.Config.Key} is in {earlier.Where} and in {sourced.Where}; expected each configuration in one shard's rows");
                byConfig[(row.Cell, row.Config.Ordinal)] = sourced;
                all.Add(sourced);
            }
        var rows = SweepRowsFile.Distinct(all);
        if (rows.Count == 0)
            throw InputException.AboutSetting("rows", $"rows {string.Join(",", rowsPaths)}: no rows in {string.Join(", ", files)}; expected the rows of at least one finished configuration");
        if (rows.FirstOrDefault(r => r.Row.Cell != rows[0].Row.Cell) is { } otherCell)
            throw new InputException($"{otherCell.Where}: {otherCell.Row.Cell} is another cell than {rows[0].Row.Cell} ({rows[0].Where}); expected the shards of one sweep (merge cells with `sweep table`)");

        var merged = rows.Select(r => r.Row).OrderBy(r => r.Config.Ordinal).ToList();
        var gridSize = merged[0].GridSize;
        var done = merged.Select(r => r.Config.Ordinal).ToHashSet();
        var missing = Enumerable.Range(0, gridSize).Where(o => !done.Contains(o)).ToList();
        SweepTableFiles.CreateDirectory(full);
        var path = Path.Combine(full, SweepRowsFile.FileName);
        SweepTableFiles.Replace(path, SweepTableFiles.Text(merged));
        return new SweepMergeResult(merged, path, gridSize, missing, files.Count);
    }
}
