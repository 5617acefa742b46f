namespace ILGPUAE.Backend;

public static partial class Shapes
{
    /// <summary>x [b, Inputs], weights [OutChannels, InChannels, 3, 3], bias [OutChannels], y [b, Outputs], a defined activation.</summary>
    public static void Conv2dForward(Conv2dGeometry g, Tensor<float> x, Tensor<float> weights, Tensor<float> bias, Activation activation, Tensor<float> y)
    {
        Conv2dImages(g, x, "x", g.Inputs, y, "y", g.Outputs);
        Conv2dWeights(g, weights, "weights");
        RequireLength(bias, "bias", g.OutChannels, $"one per output channel of {g}");
        RequireActivation(activation, "conv2d forward");
    }

    /// <summary>dy [b, Outputs], weights [OutChannels, InChannels, 3, 3], input and dx [b, Inputs] (any rank ≥ 2), a defined activation.</summary>
    public static void Conv2dInputGradient(Conv2dGeometry g, Tensor<float> dy, Tensor<float> weights, Tensor<float> input, Activation inputActivation,
        Tensor<float> dx)
    {
        Conv2dImages(g, dy, "dy", g.Outputs, dx, "dx", g.Inputs);
        if (input.Rows != dx.Rows || input.RowLength != dx.RowLength)
            throw new ArgumentException($"conv2d {g}: input {input.Shape} must hold dx's {dx.Shape} images, one per row", nameof(input));
        Conv2dWeights(g, weights, "weights");
        RequireActivation(inputActivation, "conv2d input gradient");
    }

    /// <summary>dy [b, Outputs], x [b, Inputs], weightsGrad [OutChannels, InChannels, 3, 3], biasGrad [OutChannels].</summary>
    public static void Conv2dParameterGradients(Conv2dGeometry g, Tensor<float> dy, Tensor<float> x, Tensor<float> weightsGrad, Tensor<float> biasGrad)
    {
        Conv2dImages(g, x, "x", g.Inputs, dy, "dy", g.Outputs);
        Conv2dWeights(g, weightsGrad, "weightsGrad");
        RequireLength(biasGrad, "biasGrad", g.OutChannels, $"one per output channel of {g}");
    }

    /// <summary>Positive sizes; a [b, …] to [b, …] pair of batches whose rows hold one image each.</summary>
    private static void Conv2dImages(Conv2dGeometry g, Tensor<float> from, string fromName, int fromRow, Tensor<float> to, string toName, int toRow)
    {
        if (g.InChannels < 1 || g.OutChannels < 1 || g.Height < 1 || g.Width < 1)
            throw new ArgumentException($"conv2d {g}: every channel count and side must be at least 1", nameof(g));
        RequireRows(from, fromName);
        RequireRows(to, toName);
        if (from.RowLength != fromRow || to.RowLength != toRow || from.Rows != to.Rows)
            throw new ArgumentException(
                $"conv2d {g}: {fromName} {from.Shape} and {toName} {to.Shape} must be [b, {fromRow}] and [b, {toRow}] (C·H·W per row, NCHW)");
    }

    private static void Conv2dWeights(Conv2dGeometry g, Tensor<float> weights, string name)
    {
        var d = weights.Shape;
        if (d.Rank != 4 || d[0] != g.OutChannels || d[1] != g.InChannels || d[2] != Conv2dGeometry.KernelSide || d[3] != Conv2dGeometry.KernelSide)
            throw new ArgumentException($"conv2d {g}: {name} {d} must be [{g.OutChannels}, {g.InChannels}, 3, 3] (out, in, kh, kw)", name);
    }

    private static void RequireActivation(Activation activation, string kernel)
    {
        if (!Enum.IsDefined(activation))
            throw new ArgumentOutOfRangeException(nameof(activation), activation, $"{kernel}: no such activation");
    }
}
