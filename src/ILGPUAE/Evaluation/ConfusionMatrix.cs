namespace ILGPUAE.Evaluation;

using ILGPUAE.IO;
using ScottPlot;

/// <summary>A confusion matrix as a PNG heatmap: true class down the rows, predicted class across, each cell's count written in it.</summary>
public static class ConfusionMatrix
{
    public const int Width = 720;
    public const int Height = 660;

    /// <summary>Draws <paramref name="counts"/> [true][predicted] into <paramref name="path"/>, written atomically.</summary>
    public static void Write(string path, int[][] counts, string title)
    {
        var k = counts.Length;
        CurveFonts.Apply();
        using var plot = new Plot();
        var values = new double[k, k];
        for (var t = 0; t < k; t++)
            for (var p = 0; p < k; p++)
                values[t, p] = counts[t][p];
        var heatmap = plot.Add.Heatmap(values);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        // Cell (t, p) centred at (p + ½, k − t − ½), row 0 (true class 0) on top. Position spans the cell centres: the drawn
        // area is one cell larger, [0, k] on both axes.
        heatmap.Position = new CoordinateRect(0.5, k - 0.5, 0.5, k - 0.5);
        var max = values.Cast<double>().DefaultIfEmpty(0).Max();
        for (var t = 0; t < k; t++)
            for (var p = 0; p < k; p++)
            {
                var text = plot.Add.Text(counts[t][p].ToString(System.Globalization.CultureInfo.InvariantCulture), p + 0.5, k - t - 0.5);
                text.LabelAlignment = Alignment.MiddleCenter;
                text.LabelFontSize = 12;
                // Light text on the dark end of viridis, dark on the light end.
                text.LabelFontColor = counts[t][p] > 0.6 * max ? Colors.Black : Colors.White;
            }
        var ticks = Enumerable.Range(0, k).ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            ticks.Select(p => p + 0.5).ToArray(), ticks.Select(p => p.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray());
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            ticks.Select(t => k - t - 0.5).ToArray(), ticks.Select(t => t.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray());
        plot.Axes.SetLimits(0, k, 0, k);
        plot.Title(title, size: 13);
        plot.XLabel("predicted class", size: 12);
        plot.YLabel("true class", size: 12);
        using var image = plot.GetImage(Width, Height);
        AtomicFile.WriteAllBytes(path, image.GetImageBytes(ImageFormat.Png));
    }
}
