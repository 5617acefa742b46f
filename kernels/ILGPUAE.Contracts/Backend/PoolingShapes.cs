namespace ILGPUAE.Backend;

public static partial class Shapes
{
    /// <summary>x [b, C·H·W]; y and argmax [b, C·⌊H/2⌋·⌊W/2⌋]; C, H, W ≥ 1.</summary>
    public static void MaxPool2d(Tensor<float> x, int channels, int height, int width, Tensor<float> y, Tensor<int> argmax)
    {
        RequireImages(x, "x", channels, height, width);
        RequireImages(y, "y", channels, height / 2, width / 2, x.Shape[0]);
        RequireSame(y, "y", argmax, "argmax");
    }

    /// <summary>delta and argmax [b, C·⌊H/2⌋·⌊W/2⌋]; input and inputDelta [b, C·H·W]; a defined activation.</summary>
    public static void MaxPool2dBackward(Tensor<float> delta, Tensor<int> argmax, Tensor<float> input, Activation inputActivation, int channels,
        int height, int width, Tensor<float> inputDelta)
    {
        RequireImages(input, "input", channels, height, width);
        RequireSame(input, "input", inputDelta, "inputDelta");
        RequireImages(delta, "delta", channels, height / 2, width / 2, input.Shape[0]);
        RequireSame(delta, "delta", argmax, "argmax");
        RequireActivation(inputActivation, "max-pool backward");
    }

    /// <summary>x [b, C·H·W], y [b, C·2H·2W].</summary>
    public static void Upsample2d(Tensor<float> x, int channels, int height, int width, Tensor<float> y)
    {
        RequireImages(x, "x", channels, height, width);
        RequireImages(y, "y", channels, 2 * height, 2 * width, x.Shape[0]);
    }

    /// <summary>delta [b, C·2H·2W]; input and inputDelta [b, C·H·W]; a defined activation.</summary>
    public static void Upsample2dBackward(Tensor<float> delta, Tensor<float> input, Activation inputActivation, int channels, int height, int width,
        Tensor<float> inputDelta)
    {
        RequireImages(input, "input", channels, height, width);
        RequireSame(input, "input", inputDelta, "inputDelta");
        RequireImages(delta, "delta", channels, 2 * height, 2 * width, input.Shape[0]);
        RequireActivation(inputActivation, "upsample backward");
    }

    /// <summary>x, destination [M, …] of one shape, indices [M], probability in [0, 1).</summary>
    public static void Dropout(Tensor<float> x, Tensor<int> indices, float probability, Tensor<float> destination)
    {
        Mask(x, indices, destination);
        RequireDropoutProbability(probability);
    }

    /// <summary>delta, input, destination [M, …] of one shape, indices [M], a defined activation, probability in [0, 1).</summary>
    public static void DropoutBackward(Tensor<float> delta, Tensor<float> input, Activation inputActivation, Tensor<int> indices, float probability,
        Tensor<float> destination)
    {
        CorruptBackward(delta, input, inputActivation, indices, destination);
        RequireDropoutProbability(probability);
    }

    /// <summary>
    /// A batch of <paramref name="rows"/> (any, when −1) images of C planes of H × W pixels: rank ≥ 2 with rows of C·H·W values.
    /// C, H and W must be ≥ 1 for an input; an output's pooled H or W may be 0 (a 1-pixel side pools to nothing).
    /// </summary>
    private static void RequireImages(Tensor<float> t, string name, int channels, int height, int width, int rows = -1) =>
        RequireImages<float>(t, name, channels, height, width, rows);

    private static void RequireImages<T>(Tensor<T> t, string name, int channels, int height, int width, int rows) where T : unmanaged
    {
        RequireRows(t, name);
        if (channels < 1 || height < 0 || width < 0 || (rows < 0 && (height < 1 || width < 1)))
            throw new ArgumentOutOfRangeException(name, $"{name}: an image of {channels}×{height}×{width} (channels × height × width) has no pixels to pool");
        if (rows >= 0 && t.Shape[0] != rows)
            throw new ArgumentException($"{name} {t.Shape} must have {rows} rows, one per image of the batch", name);
        if ((long)t.RowLength != (long)channels * height * width)
            throw new ArgumentException(
                $"{name} {t.Shape} must have rows of C·H·W = {channels}·{height}·{width} = {(long)channels * height * width} values", name);
    }

    private static void RequireDropoutProbability(float probability)
    {
        if (!(probability is >= 0f and < 1f))
            throw new ArgumentOutOfRangeException(nameof(probability), probability, "a dropout probability must be in [0, 1)");
    }
}
