namespace ILGPUAE.Training.Sweeps;

using System.Globalization;
using System.Text;
using ILGPUAE.IO;
using ILGPUAE.Training.Deep;

/// <summary>
/// The figures of Zhou, Arpit, Nwogu and Govindaraju, "Is Joint Training Better for Deep Auto-Encoders?", Table II: test error (%)
/// of a linear SVM on the top-layer codes of two-layer autoencoders, per dataset. Only the figures issue #14 quotes are here, as
/// printed; every other cell of the table shows "—".
/// </summary>
public static class StudyTableII
{
    public const string Citation = "Zhou, Arpit, Nwogu, Govindaraju, \"Is Joint Training Better for Deep Auto-Encoders?\", Table II";

    /// <summary>The table's rows, in its order.</summary>
    public static readonly string[] Datasets = ["mnist", "basic", "rot", "bg-rand", "bg-img", "bg-img-rot", "rect", "rect-img", "convex"];

    /// <summary>The table's columns.</summary>
    /// <summary>The study's order of schemes within a model: layer-wise, its unregularised joint refinement, joint, both.</summary>
    public static readonly DeepScheme[] SchemeOrder = [DeepScheme.L, DeepScheme.U, DeepScheme.J, DeepScheme.UJ];

    public static readonly (DeepRegularizer Regularizer, int Layers, DeepScheme Scheme)[] Columns =
    [
        (DeepRegularizer.Denoise, 2, DeepScheme.L), (DeepRegularizer.Denoise, 2, DeepScheme.J),
        (DeepRegularizer.Contract, 2, DeepScheme.L), (DeepRegularizer.Contract, 2, DeepScheme.J),
    ];

    private static readonly Dictionary<(string Dataset, string Column), string> Figures = new()
    {
        [("mnist", "DAE-2L")] = "1.48 ± 0.24",
        [("mnist", "DAE-2J")] = "1.39 ± 0.23",
        [("bg-rand", "DAE-2L")] = "12.72",
        [("bg-rand", "DAE-2J")] = "8.52",
        [("rect", "DAE-2J")] = "0.83",
        [("convex", "DAE-2L")] = "28.65",
        [("convex", "DAE-2J")] = "22.18",
    };

    /// <summary>The study's figure for a dataset and a column (DAE-2L), or null when it is not here.</summary>
    public static string? Figure(string dataset, string column) => Figures.GetValueOrDefault((dataset, column));
}

/// <summary>One cell of the results table: the best row by validation (null when none finished) and how many rows it was picked from.</summary>
public sealed record ResultsCell(SweepRow? Best, int Runs, int GridSize);

/// <summary>
/// The study's Table II laid out from sweep rows: a row per dataset (the study's nine, then any other), a column per model
/// (DAE-2L, DAE-2J, CAE-2L, CAE-2J, and any other the rows hold), each with our figure beside the study's. Our figure is the test
/// error of the cell's best configuration by validation (<see cref="SweepBest"/>) with its 95 % interval 1.96·√(p(1−p)/n),
/// the epochs it trained and the configurations run.
/// </summary>
public sealed class ResultsTable
{
    public const string Missing = "—";
    public const string GeneratedNote = "generated (our generator, not the original files)";

    private readonly Dictionary<(string Dataset, string Column), ResultsCell> cells;
    private readonly Dictionary<string, bool> generated;
    private readonly List<(string Settings, List<string> Cells)> settings;

    private ResultsTable(List<string> datasets, List<string> columns, Dictionary<(string, string), ResultsCell> cells,
        Dictionary<string, bool> generated, List<(string, List<string>)> settings)
    {
        Datasets = datasets;
        Columns = columns;
        this.cells = cells;
        this.generated = generated;
        this.settings = settings;
    }

    public IReadOnlyList<string> Datasets { get; }
    public IReadOnlyList<string> Columns { get; }

    public ResultsCell? Cell(string dataset, string column) => cells.GetValueOrDefault((dataset, column));

    /// <summary>
    /// The table of <paramref name="rows"/> (without repeats, as <see cref="SweepRowsFile.Merge"/> returns them). Two cells that
    /// would fill one place of the table (the same dataset and column, other widths or data) are an <see cref="InputException"/>.
    /// </summary>
    public static ResultsTable Of(IReadOnlyList<SweepRow> rows)
    {
        var byPlace = new Dictionary<(string, string), List<SweepRow>>();
        foreach (var group in rows.GroupBy(r => r.Cell))
        {
            var place = (group.Key.Dataset, group.Key.Column);
            if (byPlace.TryGetValue(place, out var other))
                throw new InputException($"rows hold both {other[0].Cell} (generated {other[0].Cell.Generated}) and {group.Key} (generated {group.Key.Generated}) for {place.Dataset} {place.Column}; expected one cell per dataset and column");
            byPlace[place] = [.. group];
        }
        var cells = byPlace.ToDictionary(p => p.Key, p => new ResultsCell(SweepBest.Of(p.Value), p.Value.Count, p.Value[0].GridSize));
        var datasets = StudyTableII.Datasets.Concat(rows.Select(r => r.Cell.Dataset).Distinct().Where(d => !StudyTableII.Datasets.Contains(d)).Order(StringComparer.Ordinal)).ToList();
        var columnKeys = StudyTableII.Columns.Concat(rows.Select(r => (r.Cell.Regularizer, r.Cell.LayerCount, r.Cell.Scheme))).Distinct()
            .OrderBy(c => c.Item1).ThenBy(c => c.Item2).ThenBy(c => Array.IndexOf(StudyTableII.SchemeOrder, c.Item3)).ToList();
        var columns = columnKeys.Select(c => $"{SweepNames.ModelPrefix(c.Item1)}-{c.Item2}{SweepNames.Of(c.Item3)}").ToList();
        var generated = rows.GroupBy(r => r.Cell.Dataset).ToDictionary(g => g.Key, g => g.Any(r => r.Cell.Generated));
        var settings = rows.GroupBy(r => r.Settings)
            .Select(g => (g.Key, g.Select(r => $"{r.Cell.Dataset} {r.Cell.Column}").Distinct().ToList())).ToList();
        return new ResultsTable(datasets, columns, cells, generated, settings);
    }

    /// <summary>
    /// Our figure for a place: "1.52 ± 0.24 (300 ep, 20 runs)" — the test error in % with its 95 % interval, the best
    /// configuration's epochs and the configurations run (of the grid's, while some are missing: "12/20 runs"); "diverged (…)"
    /// when none finished, "—" when none ran.
    /// </summary>
    public static string Ours(ResultsCell? cell)
    {
        if (cell is null || cell.Runs == 0)
            return Missing;
        var runs = cell.Runs == cell.GridSize ? $"{cell.Runs} run{(cell.Runs == 1 ? "" : "s")}" : $"{cell.Runs}/{cell.GridSize} runs";
        if (cell.Best?.Outcome is not { } best)
            return $"diverged ({runs})";
        var test = best.Test;
        return $"{Percent(test.Error)} ± {Percent(test.HalfWidth95)} ({best.Epochs} ep, {runs})";
    }

    private static string Percent(double fraction) => (100 * fraction).ToString("F2", CultureInfo.InvariantCulture);

    public string Study(string dataset, string column) => StudyTableII.Figure(dataset, column) ?? Missing;

    /// <summary>"original files", <see cref="GeneratedNote"/>, or "" for a dataset without rows.</summary>
    public string Data(string dataset) => generated.TryGetValue(dataset, out var g) ? g ? GeneratedNote : "original files" : "";

    private IEnumerable<string> HeaderFields() =>
        ["dataset", .. Columns.SelectMany(c => new[] { c, $"{c} (study)" }), "data"];

    private IEnumerable<string> RowFields(string dataset) =>
        [dataset, .. Columns.SelectMany(c => new[] { Ours(Cell(dataset, c)), Study(dataset, c) }), Data(dataset)];

    /// <summary>The table as CSV: a header, then a line per dataset, each column's figure and the study's side by side.</summary>
    public string Csv()
    {
        var text = new StringBuilder();
        text.Append(CsvLine.Format(HeaderFields())).Append('\n');
        foreach (var dataset in Datasets)
            text.Append(CsvLine.Format(RowFields(dataset))).Append('\n');
        return text.ToString();
    }

    /// <summary>The table as markdown, with the notes that say what its figures are.</summary>
    public string Markdown()
    {
        var text = new StringBuilder();
        var header = HeaderFields().ToList();
        text.Append("| ").Append(string.Join(" | ", header)).Append(" |\n");
        text.Append('|').Append(string.Concat(header.Select(_ => "---|"))).Append('\n');
        foreach (var dataset in Datasets)
            text.Append("| ").Append(string.Join(" | ", RowFields(dataset).Select(f => f.Replace("|", "\\|", StringComparison.Ordinal)))).Append(" |\n");
        text.Append('\n');
        text.Append("Test error (%) of a linear SVM on the top-layer codes, for each cell's configuration with the lowest validation error ")
            .Append("(never picked by test); ± is the half-width of the 95 % interval 1.96·√(p(1−p)/n) on the n test examples; ")
            .Append("(E ep, R runs): the epochs that configuration trained (per layer for L) and the configurations of the grid run ")
            .Append("(R/G while some are missing).\n\n");
        text.Append($"(study): {StudyTableII.Citation}; {Missing} where it gives no figure here.\n");
        var made = Datasets.Where(d => generated.GetValueOrDefault(d)).ToList();
        if (made.Count > 0)
            text.Append($"\nGenerated datasets: {string.Join(", ", made)} — our generator, not the original files.\n");
        foreach (var (s, where) in settings)
            text.Append($"\nSettings `{s}`: {string.Join(", ", where)}.\n");
        return text.ToString();
    }
}
