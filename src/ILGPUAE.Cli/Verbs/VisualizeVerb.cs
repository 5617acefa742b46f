namespace ILGPUAE.Cli.Verbs;

using global::CommandLine;
using ILGPUAE.Evaluation;

[Verb("visualize", HelpText = "What each hidden unit of a model's first dense layer learned: the input of norm 1 that activates unit i most, x_j = w_ij / ‖w_i‖ (for a sigmoid unit the maximiser of w_i·x + b_i over ‖x‖ ≤ 1), drawn as a grid of square images. For train dae, pretrain, train deep, finetune and train sparse models; a first layer that is not dense (train cae, train classifier) or takes non-square inputs is refused.")]
public sealed class VisualizeOptions
{
    [Option("model", Required = true, HelpText = "A run directory (or its model.safetensors).")]
    public string Model { get; set; } = "";

    [Option("out", HelpText = "The PNG to write (a name ending in .png; default: units.png beside the model).")]
    public string? Out { get; set; }

    [Option("units", Default = UnitVisualization.DefaultUnits, HelpText = "Draw the first N units; a layer with fewer units is drawn whole (and the output says so).")]
    public int Units { get; set; }

    [Option("columns", HelpText = "Tiles per row (default ⌈√units⌉: 10 for 100 units); at most the number of units drawn.")]
    public int? Columns { get; set; }

    [Option("scale", Default = UnitScaling.Own, HelpText = "own: each tile from its own minimum (black) to its maximum (white), as the lecture note's figure; shared: one symmetric scale for all tiles, −m black, 0 grey, +m white, m the largest |x_j| drawn.")]
    public UnitScaling Scale { get; set; }
}

/// <summary>`visualize`: <see cref="UnitVisualization.Run"/>, printed.</summary>
public static class VisualizeVerb
{
    public static int Run(VisualizeOptions o)
    {
        var r = UnitVisualization.Run(new VisualizeRequest(o.Model, o.Out, o.Units, o.Columns, o.Scale));
        var drawn = r.Units < o.Units ? $"all {r.Units} units (the layer has {r.LayerUnits}; {o.Units} asked)" : $"units 0–{r.Units - 1} of {r.LayerUnits}";
        Console.WriteLine($"model {r.Model}: first layer {r.Weight}, {r.LayerUnits} units on {r.Inputs} = {r.Side}×{r.Side} inputs");
        Console.WriteLine($"wrote {r.Picture}: {drawn}, {r.Rows}×{r.Columns} grid, {r.Width}×{r.Height} pixels, {(r.Scale == UnitScaling.Own ? "each tile scaled to its own range" : "one symmetric scale for all tiles")}");
        return CliApp.Ok;
    }
}
