namespace ILGPUAE.Tests.Training.Sweeps;

using ILGPUAE.IO;
using ILGPUAE.Training.Deep;
using ILGPUAE.Training.Sweeps;

public sealed class ResultsTableTests
{
    private static readonly SweepGrid Denoise = SweepGrid.Create(DeepRegularizer.Denoise);

    /// <summary><paramref name="count"/> rows of a cell; row #<paramref name="bestOrdinal"/> has the lowest validation error and the given test result, the others a lower test error (never to be picked).</summary>
    private static IEnumerable<SweepRow> CellRows(SweepCell cell, int count, int bestOrdinal, int testErrors, int testExamples, int epochs = 300) =>
        Denoise.Configs.Take(count).Select(c => new SweepRow(cell, "epochs=300", Denoise.Configs.Count, c, SweepStatus.Done,
            c.Ordinal == bestOrdinal ? new SweepOutcome(0.01, testErrors, testExamples, epochs) : new SweepOutcome(0.02 + c.Ordinal * 1e-4, 0, testExamples, epochs), 1));

    private static List<SweepRow> KnownRows() =>
    [
        .. CellRows(SweepCell.Of("mnist", DeepScheme.L, DeepRegularizer.Denoise, [1000, 1000], false), 20, 13, 148, 10000),
        .. CellRows(SweepCell.Of("bg-rand", DeepScheme.J, DeepRegularizer.Denoise, [1000, 1000], true), 12, 4, 4260, 50000),
        .. CellRows(SweepCell.Of("convex", DeepScheme.L, DeepRegularizer.Denoise, [1000, 1000], true), 20, 0, 570, 2000, epochs: 30),
        .. CellRows(SweepCell.Of("rect", DeepScheme.UJ, DeepRegularizer.Denoise, [500, 500], true), 20, 19, 250, 50000),
        .. CellRows(SweepCell.Of("mnist", DeepScheme.L, DeepRegularizer.L2, [1000, 1000, 1000], false), 20, 2, 200, 10000),
    ];

    [Fact]
    public void CellsShowTheBestByValidationWithTheIntervalAndTheStudysFigureBeside()
    {
        var table = ResultsTable.Of(KnownRows());

        Assert.Equal(["DAE-2L", "DAE-2J", "DAE-2UJ", "CAE-2L", "CAE-2J", "AE-3L"], table.Columns);
        Assert.Equal(["mnist", "basic", "rot", "bg-rand", "bg-img", "bg-img-rot", "rect", "rect-img", "convex"], table.Datasets);
        // A figure with its "(E ep, R runs)" holds a comma, so the CSV quotes it.
        var csv = table.Csv().Split('\n');
        Assert.Equal("dataset,DAE-2L,DAE-2L (study),DAE-2J,DAE-2J (study),DAE-2UJ,DAE-2UJ (study),CAE-2L,CAE-2L (study),CAE-2J,CAE-2J (study),AE-3L,AE-3L (study),data", csv[0]);
        // 148/10000: 1.96·√(0.0148·0.9852/10000) = 0.237 %.
        Assert.Equal("mnist,\"1.48 ± 0.24 (300 ep, 20 runs)\",1.48 ± 0.24,—,1.39 ± 0.23,—,—,—,—,—,—,\"2.00 ± 0.27 (300 ep, 20 runs)\",—,original files", csv[1]);
        Assert.Equal("basic,—,—,—,—,—,—,—,—,—,—,—,—,", csv[2]);
        // 4260/50000 = 8.52 %, ± 0.245 %; only 12 of the grid's 20 configurations ran.
        Assert.Equal("bg-rand,—,12.72,\"8.52 ± 0.24 (300 ep, 12/20 runs)\",8.52,—,—,—,—,—,—,—,—,\"generated (our generator, not the original files)\"", csv[4]);
        Assert.Equal("rect,—,—,—,0.83,\"0.50 ± 0.06 (300 ep, 20 runs)\",—,—,—,—,—,—,—,\"generated (our generator, not the original files)\"", csv[7]);
        // 570/2000 = 28.50 %, ± 1.96·√(0.285·0.715/2000) = 1.98 %.
        Assert.Equal("convex,\"28.50 ± 1.98 (30 ep, 20 runs)\",28.65,—,22.18,—,—,—,—,—,—,—,—,\"generated (our generator, not the original files)\"", csv[9]);
        Assert.Equal("", csv[10]);
    }

    [Fact]
    public void TheMarkdownTableHasTheSameCellsAndSaysWhatTheyAre()
    {
        var markdown = ResultsTable.Of(KnownRows()).Markdown();
        var lines = markdown.Split('\n');

        Assert.Equal("| dataset | DAE-2L | DAE-2L (study) | DAE-2J | DAE-2J (study) | DAE-2UJ | DAE-2UJ (study) | CAE-2L | CAE-2L (study) | CAE-2J | CAE-2J (study) | AE-3L | AE-3L (study) | data |", lines[0]);
        Assert.Equal("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|", lines[1]);
        Assert.Equal("| mnist | 1.48 ± 0.24 (300 ep, 20 runs) | 1.48 ± 0.24 | — | 1.39 ± 0.23 | — | — | — | — | — | — | 2.00 ± 0.27 (300 ep, 20 runs) | — | original files |", lines[2]);
        Assert.Contains("Zhou, Arpit, Nwogu, Govindaraju, \"Is Joint Training Better for Deep Auto-Encoders?\", Table II", markdown);
        Assert.Contains("\nGenerated datasets: bg-rand, rect, convex — our generator, not the original files.\n", markdown);
        Assert.Contains("\nSettings `epochs=300`: mnist DAE-2L, bg-rand DAE-2J, convex DAE-2L, rect DAE-2UJ, mnist AE-3L.\n", markdown);
        Assert.Contains("never picked by test", markdown);
    }

    [Fact]
    public void ACellWhoseConfigurationsAllDivergedSaysSo()
    {
        var grid = SweepGrid.Create(DeepRegularizer.Contract, [0.5f], [0.1f, 0.2f, 0.3f]);
        var cell = SweepCell.Of("rot", DeepScheme.J, DeepRegularizer.Contract, [10, 10], true);
        var rows = grid.Configs.Select(c => new SweepRow(cell, "", 3, c, SweepStatus.Diverged, null, 1)).ToList();

        var table = ResultsTable.Of(rows);

        Assert.Equal("diverged (3 runs)", ResultsTable.Ours(table.Cell("rot", "CAE-2J")));
        Assert.Equal("—", ResultsTable.Ours(table.Cell("rot", "CAE-2L")));
    }

    [Fact]
    public void TwoCellsForOnePlaceOfTheTableAreRefused()
    {
        var rows = KnownRows();
        rows.AddRange(CellRows(SweepCell.Of("mnist", DeepScheme.L, DeepRegularizer.Denoise, [500, 500], false), 2, 0, 100, 10000));

        var e = Assert.Throws<InputException>(() => ResultsTable.Of(rows));

        Assert.Equal("rows hold both mnist DAE-2L (layers 1000-1000) (generated False) and mnist DAE-2L (layers 500-500) (generated False) for mnist DAE-2L; expected one cell per dataset and column", e.Message);
    }
}
