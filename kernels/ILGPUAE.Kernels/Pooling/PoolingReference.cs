namespace ILGPUAE.Pooling;

using ILGPUAE.Activation;

/// <summary>Reference for <see cref="Backend.IPooling"/> in double, from the same float inputs; planes = b·C, each H × W, NCHW.</summary>
public static class PoolingReference
{
    /// <summary>y and argmax [planes, ⌊H/2⌋·⌊W/2⌋]: each window's first maximum (<see cref="PoolMath.Beats(double, double)"/>) and its index h·W + w.</summary>
    public static (double[] Y, int[] Argmax) MaxPool2d(int planes, int height, int width, ReadOnlySpan<double> x)
    {
        var (ph, pw) = (height / 2, width / 2);
        var y = new double[planes * ph * pw];
        var argmax = new int[y.Length];
        for (var p = 0; p < planes; p++)
            for (var i = 0; i < ph; i++)
                for (var j = 0; j < pw; j++)
                {
                    var o = (p * ph + i) * pw + j;
                    var arg = -1;
                    var best = 0.0;
                    for (var di = 0; di < 2; di++)
                        for (var dj = 0; dj < 2; dj++)
                        {
                            var at = (2 * i + di) * width + 2 * j + dj;
                            var v = x[p * height * width + at];
                            if (arg < 0 || PoolMath.Beats(v, best))
                                (best, arg) = (v, at);
                        }
                    (y[o], argmax[o]) = (best, arg);
                }
        return (y, argmax);
    }

    /// <summary>inputDelta [planes, H·W]: each window's delta at its argmax, 0 elsewhere, then ⊙ act′ written through input.</summary>
    public static double[] MaxPool2dBackward(int planes, int height, int width, ReadOnlySpan<double> delta, ReadOnlySpan<int> argmax,
        ReadOnlySpan<double> input, Backend.Activation inputActivation)
    {
        var pooled = height / 2 * (width / 2);
        var result = new double[planes * height * width];
        for (var p = 0; p < planes; p++)
            for (var o = 0; o < pooled; o++)
                result[p * height * width + argmax[p * pooled + o]] = delta[p * pooled + o];
        ActivationReference.Backward(result, input, inputActivation);
        return result;
    }

    /// <summary>y [planes, 2H·2W]: pixel (h, w) repeated into the block at (2h, 2w).</summary>
    public static double[] Upsample2d(int planes, int height, int width, ReadOnlySpan<double> x)
    {
        var y = new double[planes * 4 * height * width];
        for (var p = 0; p < planes; p++)
            for (var r = 0; r < 2 * height; r++)
                for (var c = 0; c < 2 * width; c++)
                    y[(p * 2 * height + r) * 2 * width + c] = x[(p * height + r / 2) * width + c / 2];
        return y;
    }

    /// <summary>inputDelta [planes, H·W]: the sum of delta's 2×2 block at (2h, 2w), then ⊙ act′ written through input.</summary>
    public static double[] Upsample2dBackward(int planes, int height, int width, ReadOnlySpan<double> delta, ReadOnlySpan<double> input,
        Backend.Activation inputActivation)
    {
        var result = new double[planes * height * width];
        for (var p = 0; p < planes; p++)
            for (var r = 0; r < 2 * height; r++)
                for (var c = 0; c < 2 * width; c++)
                    result[(p * height + r / 2) * width + c / 2] += delta[(p * 2 * height + r) * 2 * width + c];
        ActivationReference.Backward(result, input, inputActivation);
        return result;
    }
}
