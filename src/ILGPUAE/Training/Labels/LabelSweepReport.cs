namespace ILGPUAE.Training.Labels;

using System.Globalization;
using System.Text;
using ILGPUAE.Evaluation;
using ILGPUAE.IO;
using ScottPlot;

/// <summary>The accuracy of one model at one size over its runs (seeds), in percent.</summary>
/// <param name="Sd">The sample standard deviation over the runs (0 for one run).</param>
public sealed record AccuracySpread(int Runs, double Mean, double Sd, double Min, double Max)
{
    public static AccuracySpread Of(IReadOnlyList<double> percents)
    {
        var mean = percents.Average();
        var sd = percents.Count < 2 ? 0 : Math.Sqrt(percents.Sum(p => (p - mean) * (p - mean)) / (percents.Count - 1));
        return new AccuracySpread(percents.Count, mean, sd, percents.Min(), percents.Max());
    }
}

/// <summary>One line of summary.csv: a model at a size, on the fixed test set and on the whole one.</summary>
public sealed record LabelSweepSummary(SweepModel Model, int Labels, AccuracySpread Fixed, AccuracySpread Test);

/// <summary>
/// What a label sweep shows, drawn from its rows (every row in the out directory, other shards' included): summary.csv (mean and
/// spread per model and size), accuracy-fixed.png and accuracy-test.png (accuracy against labelled-set size, one line per model with a
/// band of ± one standard deviation over the seeds, and the study's anchors in grey), loss-curves.png (each model's mean training loss
/// per epoch at a few sizes) and the confusion matrix of the chosen model and size (the first seed's run).
/// </summary>
public static class LabelSweepReport
{
    public const string SummaryFileName = "summary.csv";
    public const string FixedPlotFileName = "accuracy-fixed.png";
    public const string TestPlotFileName = "accuracy-test.png";
    public const string LossCurvesFileName = "loss-curves.png";

    public static readonly string[] SummaryHeader =
        ["model", "labels", "runs", "fixed_mean", "fixed_sd", "fixed_min", "fixed_max", "test_mean", "test_sd", "test_min", "test_max"];

    public static string ConfusionFileName(SweepModel model, int labels) => $"confusion-{SweepModels.Name(model)}-{labels}.png";

    /// <summary>Per model (the sweep's order) and size (ascending), the spread of its runs' accuracies.</summary>
    public static List<LabelSweepSummary> Summarize(IEnumerable<LabelSweepRow> rows) =>
        [.. rows.GroupBy(r => (r.Key.Model, r.Key.Labels))
            .OrderBy(g => g.Key.Model).ThenBy(g => g.Key.Labels)
            .Select(g => new LabelSweepSummary(g.Key.Model, g.Key.Labels,
                AccuracySpread.Of([.. g.Select(r => 100 * r.FixedAccuracy)]), AccuracySpread.Of([.. g.Select(r => 100 * r.TestAccuracy)])))];

    /// <summary>Writes every file into <paramref name="directory"/> (atomically, each replacing the last run's); returns their names.</summary>
    public static List<string> Write(string directory, LabelSweepOptions o, IReadOnlyList<LabelSweepRow> rows)
    {
        var written = new List<string>();
        if (rows.Count == 0)
            return written;
        var summary = Summarize(rows);
        var csv = new StringBuilder(CsvLine.Format(SummaryHeader)).Append('\n');
        foreach (var s in summary)
            csv.Append(CsvLine.Format([SweepModels.Name(s.Model), Int(s.Labels), Int(s.Fixed.Runs), .. Spread(s.Fixed), .. Spread(s.Test)])).Append('\n');
        AtomicFile.WriteAllText(Path.Combine(directory, SummaryFileName), csv.ToString());
        written.Add(SummaryFileName);

        var setup = $"{o.Epochs} epochs, batch {o.Batch}, mean ± 1 sd over seeds";
        DrawAccuracy(Path.Combine(directory, FixedPlotFileName), summary, s => s.Fixed,
            $"MNIST, the fixed {o.FixedTest} test images: accuracy against labelled examples ({setup})");
        DrawAccuracy(Path.Combine(directory, TestPlotFileName), summary, s => s.Test,
            $"MNIST, all {rows[0].TestCount} test images: accuracy against labelled examples ({setup})");
        written.Add(FixedPlotFileName);
        written.Add(TestPlotFileName);

        TrainingCurves.WriteFile(Path.Combine(directory, LossCurvesFileName), LossPanels(rows));
        written.Add(LossCurvesFileName);

        var chosen = rows.Where(r => r.Key.Model == o.ConfusionModel && r.Key.Labels == o.ConfusionLabels).OrderBy(r => r.Key.Seed).FirstOrDefault();
        if (chosen is not null)
        {
            var name = ConfusionFileName(chosen.Key.Model, chosen.Key.Labels);
            ConfusionMatrix.Write(Path.Combine(directory, name), chosen.Confusion,
                $"{SweepModels.Display(chosen.Key.Model)}, {chosen.Key.Labels} labels, seed {chosen.Key.Seed}: {100 * chosen.TestAccuracy:F2} % on {chosen.TestCount} test images");
            written.Add(name);
        }
        return written;
    }

    /// <summary>Per model, its mean training loss per epoch (over seeds) at up to five sizes spread over those it ran.</summary>
    public static List<CurvePanel> LossPanels(IEnumerable<LabelSweepRow> rows) =>
    [
        .. rows.GroupBy(r => r.Key.Model).OrderBy(g => g.Key).Select(model =>
        {
            var sizes = model.Select(r => r.Key.Labels).Distinct().Order().ToList();
            var shown = Enumerable.Range(0, Math.Min(5, sizes.Count)).Select(i => sizes[sizes.Count == 1 ? 0 : i * (sizes.Count - 1) / Math.Min(4, sizes.Count - 1)]).Distinct();
            var series = shown.Select((size, i) =>
            {
                var runs = model.Where(r => r.Key.Labels == size).ToList();
                var epochs = runs.Min(r => r.Losses.Length);
                var mean = Enumerable.Range(0, epochs).Select(e => runs.Average(r => r.Losses[e])).ToArray();
                return new CurveSeries($"{size} labels ({runs.Count} run{(runs.Count == 1 ? "" : "s")})", [.. Enumerable.Range(1, epochs)], mean, CurveStyle.Line, i);
            }).ToList();
            return new CurvePanel($"{SweepModels.Display(model.Key)}: mean training loss", "softmax cross-entropy", series);
        }),
    ];

    private static void DrawAccuracy(string path, List<LabelSweepSummary> summary, Func<LabelSweepSummary, AccuracySpread> pick, string title)
    {
        CurveFonts.Apply();
        using var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var minSize = summary.Min(s => s.Labels);
        var maxSize = summary.Max(s => s.Labels);
        DrawAnchors(plot, minSize, maxSize);
        foreach (var group in summary.GroupBy(s => s.Model))
        {
            var points = group.OrderBy(s => s.Labels).ToList();
            var xs = points.Select(s => (double)s.Labels).ToArray();
            var color = palette.GetColor((int)group.Key);
            if (points.Any(s => s.Fixed.Runs > 1))
            {
                var band = plot.Add.FillY(xs, points.Select(s => pick(s).Mean - pick(s).Sd).ToArray(), points.Select(s => pick(s).Mean + pick(s).Sd).ToArray());
                band.FillColor = color.WithAlpha(0.18);
                band.LineWidth = 0;
            }
            var line = plot.Add.Scatter(xs, points.Select(s => pick(s).Mean).ToArray());
            line.Color = color;
            line.LineWidth = 2;
            line.MarkerSize = points.Count <= 60 ? 4 : 0;
            line.LegendText = SweepModels.Display(group.Key);
        }
        plot.Title(title, size: 13);
        plot.XLabel("labelled training examples", size: 12);
        plot.YLabel("test accuracy (%)", size: 12);
        plot.Axes.AutoScale();
        plot.ShowLegend(Alignment.LowerRight);
        using var image = plot.GetImage(1000, 640);
        AtomicFile.WriteAllBytes(path, image.GetImageBytes(ImageFormat.Png));
    }

    /// <summary>
    /// The study's anchors, where the sweep's sizes reach them: its public notebooks' 55–68 % at 160 labels and 90–93 % at 8000 for
    /// the pretrained encoders (grey bars), and its text's "sparse AE on MNIST above 80 % from 160 to 1000" (a dashed grey line).
    /// </summary>
    private static void DrawAnchors(Plot plot, int minSize, int maxSize)
    {
        var grey = Colors.Gray;
        void Bar(double x, double low, double high, string label)
        {
            var bar = plot.Add.Line(x, low, x, high);
            bar.Color = grey.WithAlpha(0.8);
            bar.LineWidth = 6;
            bar.LegendText = label;
        }
        if (minSize <= 160 && maxSize >= 160)
            Bar(160, 55, 68, "study's notebooks: pretrained encoders at 160 and 8000");
        if (minSize <= 8000 && maxSize >= 8000)
            Bar(8000, 90, 93, minSize <= 160 ? "" : "study's notebooks: pretrained encoders at 8000");
        if (minSize <= 1000 && maxSize >= 160)
        {
            var floor = plot.Add.Line(Math.Max(160, minSize), 80, Math.Min(1000, maxSize), 80);
            floor.Color = grey;
            floor.LinePattern = LinePattern.Dashed;
            floor.LineWidth = 1.5f;
            floor.LegendText = "study: sparse AE (MNIST) above 80 % from 160 to 1000";
        }
    }

    private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static IEnumerable<string> Spread(AccuracySpread s) =>
        new[] { s.Mean, s.Sd, s.Min, s.Max }.Select(v => v.ToString("F3", CultureInfo.InvariantCulture));
}
