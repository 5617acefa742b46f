namespace ILGPUAE.Cli.Verbs;

using global::CommandLine;
using ILGPUAE.Evaluation;

[Verb("plot", HelpText = "Redraw DIR/curves.png from DIR/metrics.json, for a `train dae`, `train deep`, `train cae`, `train sparse`, `train anamo`, `pretrain` or `finetune` run (e.g. one trained on a machine without fonts).")]
public sealed class PlotOptions
{
    [Value(0, MetaName = "DIR", Required = true, HelpText = "A run directory holding metrics.json.")]
    public string Directory { get; set; } = "";
}

public static class PlotVerb
{
    public static int Run(PlotOptions o)
    {
        // Everything is read and checked before curves.png is touched.
        var panels = TrainingCurves.OfRun(o.Directory);
        if (CurveFonts.Check(o.Directory) is { } warning)
            Console.WriteLine(warning);
        TrainingCurves.Write(o.Directory, panels);
        Console.WriteLine($"wrote {Path.Combine(o.Directory, TrainingCurves.FileName)} ({panels.Count} panel{(panels.Count == 1 ? "" : "s")})");
        return CliApp.Ok;
    }
}
