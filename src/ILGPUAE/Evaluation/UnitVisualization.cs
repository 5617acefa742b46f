namespace ILGPUAE.Evaluation;

using ILGPUAE.Checkpoints;
using ILGPUAE.IO;
using ILGPUAE.Modules;
using ILGPUAE.Training;

/// <summary>How <see cref="UnitVisualization"/> maps a tile's values to grey levels.</summary>
public enum UnitScaling
{
    /// <summary>Each tile's minimum is black and its maximum white (the lecture note's Fig. 8).</summary>
    Own,

    /// <summary>
    /// One symmetric scale for every tile: −m black, 0 mid-grey, +m white, m the largest |x_ij| drawn, so tiles compare by brightness.
    /// </summary>
    Shared,
}

/// <summary>What `visualize` draws: a model file (or its run directory), where, how many units, in how many columns, at which scale.</summary>
/// <param name="Out">The PNG to write; null: <see cref="UnitVisualization.FileName"/> beside the model file.</param>
/// <param name="Units">The first N units of the first layer; more than the layer has draws all of them.</param>
/// <param name="Columns">Tiles per row; null: ⌈√units⌉. More than the units drawn is cut to their number.</param>
public sealed record VisualizeRequest(string Model, string? Out = null, int Units = UnitVisualization.DefaultUnits, int? Columns = null,
    UnitScaling Scale = UnitScaling.Own);

/// <summary>What was drawn: the model file, its first layer's weight tensor and size, the units drawn and the grid, the PNG and its pixels.</summary>
public sealed record VisualizeResult(string Model, string Weight, int LayerUnits, int Inputs, int Side, int Units, int Columns, int Rows,
    string Picture, int Width, int Height, UnitScaling Scale);

/// <summary>
/// What a unit of a model's first dense layer responds to (the lecture note on sparse autoencoders, Fig. 8): for unit i with weights
/// w_i, the input of norm 1 that activates it most, x_ij = w_ij / ‖w_i‖, drawn as a side × side image per unit in a grid.
/// </summary>
public static class UnitVisualization
{
    public const string FileName = "units.png";
    public const int DefaultUnits = 100;

    /// <summary>
    /// Row i of the result is w_i / ‖w_i‖ for row i of <paramref name="weights"/> ([units, inputs], row-major). Among inputs with
    /// ‖x‖ ≤ 1 it maximises w_i·x (Cauchy–Schwarz: w·x ≤ ‖w‖‖x‖, equal only for x along w), hence act(w_i·x + b_i) for any increasing
    /// activation (sigmoid, tanh). A zero row prefers no direction: its row is all zeros. Norms are summed in double.
    /// </summary>
    public static float[] MaxActivatingInputs(ReadOnlySpan<float> weights, int units, int inputs)
    {
        if (units < 0 || inputs < 1 || weights.Length != (long)units * inputs)
            throw new ArgumentException($"weights hold {weights.Length} values; expected [units {units}, inputs {inputs}]", nameof(weights));
        var x = new float[weights.Length];
        for (var i = 0; i < units; i++)
        {
            var row = weights.Slice(i * inputs, inputs);
            var squares = 0.0;
            foreach (var w in row)
                squares += (double)w * w;
            if (squares == 0)
                continue;
            var norm = Math.Sqrt(squares);
            for (var j = 0; j < inputs; j++)
                x[i * inputs + j] = (float)(row[j] / norm);
        }
        return x;
    }

    /// <summary>
    /// The grid of the first <paramref name="count"/> rows of <paramref name="tiles"/> ([≥ count, side·side]), row k in cell
    /// (k / columns, k % columns), scaled by <paramref name="scale"/>; written by <see cref="TileImage.Write"/>.
    /// </summary>
    public static TileImage Picture(ReadOnlySpan<float> tiles, int count, int side, int columns, UnitScaling scale)
    {
        var pixels = side * side;
        if (count < 1 || columns < 1 || tiles.Length < (long)count * pixels)
            throw new ArgumentException($"{count} tiles of {side}×{side} in {columns} columns from {tiles.Length} values");
        var shown = tiles[..(count * pixels)];
        var bound = 0f;
        foreach (var v in shown)
            bound = MathF.Max(bound, MathF.Abs(v));
        var image = new TileImage(side, columns, (count + columns - 1) / columns);
        for (var k = 0; k < count; k++)
        {
            var tile = shown.Slice(k * pixels, pixels);
            if (scale == UnitScaling.Shared)
                image.Draw(k / columns, k % columns, tile, -bound, bound);
            else
                image.Draw(k / columns, k % columns, tile, TileScaling.OwnRange);
        }
        return image;
    }

    /// <summary>The side of a square image of <paramref name="inputs"/> pixels, or null when there is none.</summary>
    public static int? Side(int inputs)
    {
        var side = (int)Math.Round(Math.Sqrt(inputs));
        return inputs >= 1 && side * side == inputs ? side : null;
    }

    /// <summary>
    /// The first layer of <paramref name="spec"/> (the model in <paramref name="path"/>) when it is dense: modules that only add noise
    /// while training (corruption, dropout) are passed over, as they leave the input as it is at test time. Anything else first
    /// (a convolution, a pooling) is an <see cref="InputException"/> naming the file, the module and what was expected.
    /// </summary>
    public static DenseSpec FirstDenseLayer(string path, NetworkSpec spec)
    {
        foreach (var module in spec.Modules)
        {
            switch (module)
            {
                case CorruptSpec or DropoutSpec:
                    continue;
                case DenseSpec dense:
                    return dense;
                default:
                    throw new InputException($"{path}: the first layer is {Describe(module)}; expected a model whose first layer is dense (train dae, pretrain, train deep, finetune, train sparse)");
            }
        }
        throw new InputException($"{path}: the architecture has no layer with weights; expected a model whose first layer is dense");
    }

    /// <summary>
    /// `visualize`: every setting and the model are checked (a missing file, a first layer that is not dense, a non-square input),
    /// then the PNG is written atomically; a refused request writes nothing.
    /// </summary>
    public static VisualizeResult Run(VisualizeRequest request)
    {
        if (request.Units < 1)
            throw InputException.AboutSetting("units", $"units {request.Units}: expected an integer ≥ 1");
        if (request.Columns is < 1)
            throw InputException.AboutSetting("columns", $"columns {request.Columns}: expected an integer ≥ 1");
        var path = Checkpoint.ModelPath(request.Model);
        var outPath = OutPath(request.Out, path);

        var file = SafeTensorsFile.Read(path);
        var layer = FirstDenseLayer(path, Checkpoint.SpecOf(path, file));
        var side = Side(layer.Inputs)
            ?? throw new InputException($"{path}: the first layer ({layer.Weight}) takes {layer.Inputs} inputs, not a square image; expected side × side inputs (784 = 28×28, 900 = 30×30)");
        var units = Math.Min(request.Units, layer.Outputs);
        var columns = Math.Min(request.Columns ?? (int)Math.Ceiling(Math.Sqrt(units)), units);
        var weights = Checkpoint.ParameterValues(path, file, layer.Weight, [layer.Outputs, layer.Inputs]);
        var inputs = MaxActivatingInputs(weights.AsSpan(0, units * layer.Inputs), units, layer.Inputs);
        var image = Picture(inputs, units, side, columns, request.Scale);
        Directory.CreateDirectory(Path.GetDirectoryName(outPath)!);
        image.Write(outPath);
        return new VisualizeResult(path, layer.Weight, layer.Outputs, layer.Inputs, side, units, columns, (units + columns - 1) / columns, outPath,
            image.Width, image.Height, request.Scale);
    }

    /// <summary>The full path of the PNG: <paramref name="given"/>, checked to be a .png file's path, else units.png beside the model.</summary>
    private static string OutPath(string? given, string modelPath)
    {
        if (given is null)
            return Path.Combine(Path.GetDirectoryName(Path.GetFullPath(modelPath))!, FileName);
        InputPath.NotEmpty(given, "out");
        if (!given.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
            throw InputException.AboutSetting("out", $"out {given}: expected a file name ending in .png");
        if (Directory.Exists(given))
            throw InputException.AboutSetting("out", $"out {given}: is a directory; expected a .png file's path");
        var full = Path.GetFullPath(given);
        OutputDirectory.CheckPath(Path.GetDirectoryName(full)!, "out");
        return full;
    }

    private static string Describe(ModuleSpec module) => module switch
    {
        Conv2dSpec c => $"a convolution {c.InChannels} → {c.OutChannels} channels of {c.Height}×{c.Width} ({c.Weight})",
        MaxPool2dSpec p => $"a max-pool of {p.Channels} channels of {p.Height}×{p.Width}",
        Upsample2dSpec u => $"an upsampling of {u.Channels} channels of {u.Height}×{u.Width}",
        _ => module.GetType().Name.Replace("Spec", "", StringComparison.Ordinal),
    };
}
