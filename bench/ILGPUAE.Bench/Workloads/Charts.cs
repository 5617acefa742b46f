namespace ILGPUAE.Bench.Workloads;

using ScottPlot;

/// <summary>The PNG charts of a run: W3's seconds per epoch against hidden units, and the speed-ups of W1, W2 and W4.</summary>
public static class Charts
{
    /// <summary>Writes the charts for <paramref name="run"/> into <paramref name="benchDir"/> and returns their paths.</summary>
    public static IEnumerable<string> Write(string benchDir, BenchRun run)
    {
        if (run.Grid.Count > 0)
            yield return ParallelismChart(Path.Combine(benchDir, $"w3-{run.Name}.png"), run);
        if (run.Figures.Any(f => f.Speedup is not null))
            yield return SpeedupChart(Path.Combine(benchDir, $"speedup-{run.Name}.png"), run);
    }

    private static string ParallelismChart(string path, BenchRun run)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var series = run.Grid.GroupBy(p => (p.Backend, p.Parallelism)).OrderBy(g => g.Key.Backend).ThenBy(g => g.Key.Parallelism).ToList();
        for (var i = 0; i < series.Count; i++)
        {
            var points = series[i].OrderBy(p => p.Hidden).ToArray();
            var line = plot.Add.Scatter(points.Select(p => (double)p.Hidden).ToArray(), points.Select(p => Math.Log10(p.SecondsPerEpoch)).ToArray());
            var unit = series[i].Key.Backend.EndsWith("hogwild") ? "worker" : "thread";
            line.LegendText = $"{series[i].Key.Backend}, {series[i].Key.Parallelism} {unit}{(series[i].Key.Parallelism == 1 ? "" : "s")}";
            line.Color = palette.GetColor(i);
            line.LineWidth = 2;
            line.MarkerSize = 7;
            if (series[i].Key.Backend.StartsWith("torch"))
                line.LinePattern = LinePattern.Dashed;
        }
        plot.Title($"W3: per-sample SGD, seconds per {WorkloadSizes.W2EpochImages}-image epoch ({run.Name}, {run.Mode.ToString().ToLowerInvariant()} run, {run.Machine.DateUtc})");
        plot.XLabel("hidden units (784 visible, batch 1, mse, masking 0.25)");
        plot.YLabel("seconds per epoch, log scale (lower is better)");
        LogAxis(plot);
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(path, 900, 520);
        return path;
    }

    private static string SpeedupChart(string path, BenchRun run)
    {
        var plot = new Plot();
        var figures = run.Figures.Where(f => f.Speedup is not null && f.Workload != Workload.W3).ToList();
        var palette = new ScottPlot.Palettes.Category10();
        var backends = figures.Select(f => f.Backend).Distinct().ToList();
        var ticks = new List<Tick>();
        for (var i = 0; i < figures.Count; i++)
        {
            var f = figures[i];
            var bar = plot.Add.Bar(position: i, value: Math.Log10(f.Speedup!.Value));
            bar.Color = f.Check == "valid" ? palette.GetColor(backends.IndexOf(f.Backend)) : Colors.Gray;
            ticks.Add(new Tick(i, $"{f.Workload} {ShortCase(f.Case)}".Trim() + $"\n{f.Backend}"));
        }
        var one = plot.Add.HorizontalLine(0);
        one.LinePattern = LinePattern.Dashed;
        one.Color = Colors.Black;
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks.ToArray());
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        LogAxis(plot);
        plot.Title($"ILGPUAE ÷ PyTorch ({run.Peer?.Device ?? "?"}), same run ({run.Name}, {run.Machine.DateUtc}); > 1 = ILGPUAE faster");
        plot.YLabel("speed-up over the peer, log scale");
        plot.SavePng(path, 1000, 520);
        return path;
    }

    private static string ShortCase(string c) => c.StartsWith("tied DAE") ? "" :
        c.StartsWith("conv AE") ? $"batch {System.Text.RegularExpressions.Regex.Match(c, @"batch (\d+)").Groups[1].Value}" : c.Contains("Hogwild") ? "hogwild" : c.StartsWith("per-sample") ? "" : c.Contains("(NT)") ? "NT"
        : c.Contains("(NN)") && c.StartsWith("square") ? "4096³" : c.Contains("(NN)") ? "NN" : c.Contains("(TN)") ? "TN" : c.Split(' ')[0];

    /// <summary>The left axis shows 10^y for the log10 values plotted, with log-spaced minor ticks.</summary>
    private static void LogAxis(Plot plot)
    {
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = y => Math.Pow(10, y).ToString("0.###", System.Globalization.CultureInfo.InvariantCulture),
        };
    }
}
