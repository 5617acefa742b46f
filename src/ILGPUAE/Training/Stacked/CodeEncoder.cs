namespace ILGPUAE.Training.Stacked;

using ILGPUAE.Models;

/// <summary>The clean codes s(W·x + b_hidden) of a whole data set, computed on the model's backend in chunks.</summary>
public static class CodeEncoder
{
    public const int ChunkRows = 1000;

    /// <summary>codes [N, hidden] for <paramref name="inputs"/> [N, visible].</summary>
    public static float[] Encode(TiedAutoencoder model, float[] inputs)
    {
        var rows = inputs.Length / model.Visible;
        var codes = new float[(long)rows * model.Hidden];
        var chunk = Math.Max(1, Math.Min(ChunkRows, rows));
        using var x = model.Backend.Allocate<float>(chunk, model.Visible);
        using var y = model.Backend.Allocate<float>(chunk, model.Hidden);
        for (var start = 0; start < rows; start += chunk)
        {
            var b = Math.Min(chunk, rows - start);
            var xs = b == chunk ? x : x.Slice(0, b);
            var ys = b == chunk ? y : y.Slice(0, b);
            xs.CopyFrom(inputs.AsSpan(start * model.Visible, b * model.Visible));
            model.Encode(xs, ys);
            model.Backend.Synchronize();
            ys.CopyTo(codes.AsSpan(start * model.Hidden, b * model.Hidden));
        }
        return codes;
    }
}
