namespace ILGPUAE.Evaluation;

using System.Globalization;
using ILGPUAE.Backend;
using ILGPUAE.Data;
using ILGPUAE.IO;
using ILGPUAE.Training;
using ILGPUAE.Training.Stacked;
using ScottPlot;

/// <summary>How a series is drawn.</summary>
public enum CurveStyle
{
    Line,
    DashedLine,

    /// <summary>Markers only: one highlighted point such as the best-validation epoch.</summary>
    Points,
}

/// <summary>One line of a chart: <see cref="Values"/>[i] at epoch <see cref="Epochs"/>[i] (1-based); <see cref="Color"/> indexes the palette.</summary>
public sealed record CurveSeries(string Label, int[] Epochs, double[] Values, CurveStyle Style, int Color);

/// <summary>One panel: series sharing a y axis, and an optional epoch marked by a vertical line; the x axis counts epochs unless <paramref name="XLabel"/> says what else.</summary>
public sealed record CurvePanel(string Title, string YLabel, IReadOnlyList<CurveSeries> Series, int? MarkedEpoch = null, string XLabel = "epoch");

/// <summary>
/// curves.png: a run's figures per epoch as metrics.json records them, in panels stacked top to bottom over the
/// same epoch axis. <see cref="Of(TrainingMetrics)"/> and its overloads pick the series (pure data, what the tests
/// check); <see cref="Write"/> draws them. A resumed run's metrics hold the epochs of the runs before it, so its
/// curves do too.
/// </summary>
public static class TrainingCurves
{
    public const string FileName = "curves.png";
    public const int Width = 900;
    public const int PanelHeight = 360;

    /// <summary>The PNG's size for a chart of <paramref name="panels"/> panels.</summary>
    public static (int Width, int Height) Size(int panels) => (Width, panels * PanelHeight);

    /// <summary>`train dae`: train and test loss per epoch in one panel.</summary>
    public static IReadOnlyList<CurvePanel> Of(TrainingMetrics metrics)
    {
        var o = metrics.Options;
        var title = $"{metrics.Model} on {Datasets.Info(o.Dataset).DisplayName}: {o.Hidden} hidden, masking {Number(o.Corruption)}, lr {Number(o.LearningRate)}, batch {o.Batch}";
        return [LossPanel(title, o.Loss, metrics.Epochs)];
    }

    /// <summary>`pretrain`: one panel per layer with its train and test reconstruction loss (layers' losses differ in scale).</summary>
    public static IReadOnlyList<CurvePanel> Of(StackMetrics metrics) =>
        metrics.Layers.OrderBy(l => l.Layer)
            .Select(l => LossPanel($"layer {l.Layer}: {l.Visible} → {l.Hidden}, masking {Number(l.Corruption)}, lr {Number(metrics.Options.LearningRate)}, batch {metrics.Options.Batch}, on {Datasets.Info(metrics.Options.Dataset).DisplayName}",
                metrics.Options.Loss, l.Epochs))
            .ToList();

    /// <summary>
    /// `finetune`: the training loss per epoch, then the validation error in percent, with the best-validation
    /// epoch marked in both (and the test accuracy in the title once the run has scored it).
    /// </summary>
    public static IReadOnlyList<CurvePanel> Of(FinetuneMetrics metrics)
    {
        var epochs = metrics.Epochs.OrderBy(e => e.Epoch).ToList();
        var x = epochs.Select(e => e.Epoch).ToArray();
        var best = epochs.FirstOrDefault(e => e.Epoch == metrics.BestEpoch);
        int? marked = best is null ? null : best.Epoch;
        var test = metrics is { TestErrors: { } errors, TestExamples: { } count } ? $"; test accuracy {new ClassificationScore(errors, count)}" : "";
        var o = metrics.Options;
        var title = $"classifier {metrics.Architecture} on {Datasets.Info(o.Dataset).DisplayName}{(o.Freeze ? " (stack frozen)" : "")}, lr {Number(o.LearningRate)}, batch {o.Batch}{test}";
        // The regularisers beyond the published recipes go under the validation panel, where their effect shows.
        var schedule = o.LrPlateau == 0 ? "" : $"; lr × {Number(o.LrFactor)} after {o.LrPlateau} epochs without a new best";
        var masking = o.Corruption == 0f ? "" : $"; training inputs masked at {Number(o.Corruption)}";
        var loss = new CurvePanel(title, "training loss (mean cross-entropy)",
            [new CurveSeries("train loss", x, epochs.Select(e => e.TrainLoss).ToArray(), CurveStyle.Line, 0)], marked);
        List<CurveSeries> error = [new("validation error", x, epochs.Select(e => 100 * e.ValidError).ToArray(), CurveStyle.Line, 3)];
        if (best is not null)
            error.Add(new($"best: epoch {best.Epoch}, {Number(100 * best.ValidError)} %", [best.Epoch], [100 * best.ValidError], CurveStyle.Points, 3));
        return [loss, new CurvePanel($"validation error on {metrics.ValidExamples} images{schedule}{masking}", "validation error (%)", error, marked)];
    }

    /// <summary>
    /// `train deep`: the clean reconstruction cross-entropy in input space per epoch of the run (every phase on one axis, so the
    /// curves of schemes compare as in Zhou et al.'s Fig. 3) on the training subset, validation and test, with the kept model
    /// marked; a second panel has each phase's training objective (its own model's loss on corrupted input, penalties included).
    /// </summary>
    public static IReadOnlyList<CurvePanel> Of(Training.Deep.DeepMetrics metrics)
    {
        var epochs = metrics.AllEpochs.ToList();
        var x = epochs.Select(e => e.RunEpoch).ToArray();
        var o = metrics.Options;
        var phases = metrics.Phases.OrderBy(p => p.Phase).ToList();
        var best = phases.Where(p => p.Name == metrics.BestPhase).SelectMany(p => p.Epochs).FirstOrDefault(e => e.Epoch == metrics.BestEpoch);
        var title = $"deep autoencoder {string.Join("-", o.Layers)} on {Datasets.Info(o.Dataset).DisplayName}: scheme {o.Scheme}, {o.RegularizerText}, lr {Number(o.LearningRate)}, batch {o.Batch}";
        List<CurveSeries> input =
        [
            new($"train (first {metrics.TrainScored})", x, epochs.Select(e => e.TrainReconstruction).ToArray(), CurveStyle.Line, 0),
            new("validation", x, epochs.Select(e => e.ValidLoss).ToArray(), CurveStyle.Line, 3),
            new("test", x, epochs.Select(e => e.TestLoss).ToArray(), CurveStyle.DashedLine, 1),
        ];
        if (best is not null)
            input.Add(new($"kept: {best.Phase}, epoch {best.Epoch}", [best.RunEpoch], [best.ValidLoss], CurveStyle.Points, 3));
        var objective = phases.Select((p, i) => new CurveSeries($"{p.Name}{(p.Regularized ? "" : " (no regularizer)")}",
            p.Epochs.OrderBy(e => e.Epoch).Select(e => e.RunEpoch).ToArray(), p.Epochs.OrderBy(e => e.Epoch).Select(e => e.TrainLoss).ToArray(), CurveStyle.Line, 4 + i % 6)).ToList();
        return
        [
            new CurvePanel(title, "reconstruction cross-entropy in input space", input, best?.RunEpoch),
            new CurvePanel("each phase's training objective (its corrupted input, penalties included)", "training loss per example", objective, best?.RunEpoch),
        ];
    }

    /// <summary>
    /// `train cae`: the reconstruction loss (½‖x − z‖² per image, eval mode) on the scored training images, the holdout and the test set,
    /// the kept epoch marked; and the training objective (penalties included).
    /// </summary>
    public static IReadOnlyList<CurvePanel> Of(Training.Cae.CaeMetrics metrics)
    {
        var epochs = metrics.Epochs.OrderBy(e => e.Epoch).ToList();
        var x = epochs.Select(e => e.Epoch).ToArray();
        var o = metrics.Options;
        var title = $"{metrics.Model} on {Datasets.Info(o.Dataset).DisplayName}: {o.Optimizer.Describe(o.LearningRate, 0f)}, batch {o.Batch}";
        int? kept = metrics.BestValidLoss is null ? null : metrics.BestEpoch;
        List<CurveSeries> reconstruction =
        [
            new($"train (first {metrics.TrainScored})", x, epochs.Select(e => e.TrainReconstruction).ToArray(), CurveStyle.Line, 0),
            new("validation", x, epochs.Select(e => e.ValidLoss).ToArray(), CurveStyle.Line, 3),
            new("test", x, epochs.Select(e => e.TestLoss).ToArray(), CurveStyle.DashedLine, 1),
        ];
        return
        [
            new CurvePanel(title, "squared error per image", reconstruction, kept),
            new CurvePanel("training objective (penalties included)", "training loss per image", [new("train", x, epochs.Select(e => e.TrainLoss).ToArray(), CurveStyle.Line, 4)], kept),
        ];
    }

    /// <summary>`train sparse`: the reconstruction loss (eval mode) on three sets, then the training objective with its KL penalty; the kept epoch marked.</summary>
    public static IReadOnlyList<CurvePanel> Of(Training.Sparse.SparseMetrics metrics)
    {
        var epochs = metrics.Epochs.OrderBy(e => e.Epoch).ToList();
        var x = epochs.Select(e => e.Epoch).ToArray();
        var o = metrics.Options;
        var title = $"{metrics.Model} on {Datasets.Info(o.Dataset).DisplayName}: {string.Join("-", o.Hidden)} hidden{(metrics.Layer > 0 || o.Hidden.Length > 1 ? $" (layer {metrics.Layer})" : "")}, ρ {Number(o.Rho)}, β {Number(o.Beta)}, {o.Optimizer.Describe(o.LearningRate, 0f)}";
        int? kept = metrics.BestValidLoss is null ? null : metrics.BestEpoch;
        List<CurveSeries> reconstruction =
        [
            new($"train (first {metrics.TrainScored})", x, epochs.Select(e => e.TrainReconstruction).ToArray(), CurveStyle.Line, 0),
            new("validation", x, epochs.Select(e => e.ValidLoss).ToArray(), CurveStyle.Line, 3),
            new("test", x, epochs.Select(e => e.TestLoss).ToArray(), CurveStyle.DashedLine, 1),
        ];
        var unit = o.Loss == LossKind.CrossEntropy ? "cross-entropy per image" : "½‖x − z‖² per image";
        return
        [
            new CurvePanel(title, unit, reconstruction, kept),
            new CurvePanel("training objective (KL penalty included, weight decay not)", "training loss per image",
                [new("train", x, epochs.Select(e => e.TrainLoss).ToArray(), CurveStyle.Line, 4)], kept),
        ];
    }

    /// <summary>
    /// The panels of whichever run wrote <paramref name="directory"/>, from its metrics.json (`ilgpuae plot`).
    /// Throws <see cref="InputException"/> naming the file when it is missing, malformed, of no known run, or has nothing to draw.
    /// </summary>
    public static IReadOnlyList<CurvePanel> OfRun(string directory)
    {
        var panels = MetricsFile.ReadAny(directory) switch
        {
            TrainingMetrics m => Of(m),
            StackMetrics m => Of(m),
            FinetuneMetrics m => Of(m),
            Training.Deep.DeepMetrics m => Of(m),
            Training.Cae.CaeMetrics m => Of(m),
            Training.Sparse.SparseMetrics m => Of(m),
            Training.Anamo.AnamoMetrics m => Training.Anamo.AnamoTraining.Curves(m),
            Training.Genetic.GaMetrics m => Training.Genetic.GaTraining.FitnessCurves(m),
            var other => throw new InvalidOperationException($"no curves for {other.GetType().Name}"),
        };
        if (panels.Count == 0)
            throw new InputException($"{MetricsFile.PathIn(directory)}: records no layers; expected a `pretrain` run with at least one epoch done");
        return panels;
    }

    /// <summary>
    /// Draws <paramref name="panels"/> into <c>directory/curves.png</c>, written atomically, with the font
    /// <see cref="CurveFonts.Apply"/> picks (the text is missing when it finds none).
    /// </summary>
    public static void Write(string directory, IReadOnlyList<CurvePanel> panels) => WriteFile(Path.Combine(directory, FileName), panels);

    /// <summary>Draws <paramref name="panels"/> into the PNG <paramref name="path"/>, written atomically (as <see cref="Write"/>).</summary>
    public static void WriteFile(string path, IReadOnlyList<CurvePanel> panels)
    {
        if (panels.Count == 0)
            throw new ArgumentException("a chart needs at least one panel", nameof(panels));
        CurveFonts.Apply();
        var (width, height) = Size(panels.Count);
        var last = panels.SelectMany(p => p.Series).SelectMany(s => s.Epochs).DefaultIfEmpty(1).Max();
        var plots = panels.Select(p => Draw(p, last)).ToList();
        try
        {
            // A new Multiplot holds one empty plot of its own: replace it with the first panel.
            var multiplot = new Multiplot();
            multiplot.Reset(plots[0]);
            foreach (var plot in plots.Skip(1))
                multiplot.AddPlot(plot);
            using var image = multiplot.Render(width, height);
            AtomicFile.WriteAllBytes(path, image.GetImageBytes(ImageFormat.Png));
        }
        finally
        {
            foreach (var plot in plots)
                plot.Dispose();
        }
    }

    private static CurvePanel LossPanel(string title, LossKind loss, IEnumerable<EpochReport> reports)
    {
        var epochs = reports.OrderBy(e => e.Epoch).ToList();
        var x = epochs.Select(e => e.Epoch).ToArray();
        return new CurvePanel(title, $"loss per example ({(loss == LossKind.CrossEntropy ? "cross-entropy" : "½‖x − z‖²")})",
        [
            new CurveSeries("train loss", x, epochs.Select(e => e.TrainLoss).ToArray(), CurveStyle.Line, 0),
            new CurveSeries("test loss", x, epochs.Select(e => e.TestLoss).ToArray(), CurveStyle.DashedLine, 1),
        ]);
    }

    /// <summary>One panel over epochs 1 … <paramref name="lastEpoch"/> (the same range in every panel), integer epoch ticks.</summary>
    private static Plot Draw(CurvePanel panel, int lastEpoch)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        if (panel.MarkedEpoch is { } marked)
        {
            var line = plot.Add.VerticalLine(marked);
            line.Color = Colors.Gray;
            line.LinePattern = LinePattern.Dotted;
            line.LineWidth = 1;
        }
        foreach (var series in panel.Series)
        {
            var scatter = plot.Add.Scatter(Array.ConvertAll(series.Epochs, e => (double)e), series.Values);
            scatter.LegendText = series.Label;
            scatter.Color = palette.GetColor(series.Color);
            scatter.LineWidth = series.Style == CurveStyle.Points ? 0 : 2;
            // A dot per epoch while they can be told apart (a long fine-tuning run has hundreds).
            scatter.MarkerSize = series.Style == CurveStyle.Points ? 12 : series.Epochs.Length <= 50 ? 5 : 0;
            if (series.Style == CurveStyle.Points)
                scatter.MarkerShape = MarkerShape.OpenCircle;
            if (series.Style == CurveStyle.DashedLine)
                scatter.LinePattern = LinePattern.Dashed;
        }
        plot.Title(panel.Title, size: 13);
        plot.XLabel(panel.XLabel, size: 12);
        plot.YLabel(panel.YLabel, size: 12);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.Axes.AutoScale();
        plot.Axes.SetLimitsX(0.5, lastEpoch + 0.5);
        plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }

    private static string Number(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
