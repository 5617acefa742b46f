namespace ILGPUAE.Pooling;

using ILGPU;
using ILGPUAE.Activation;
using ILGPUAE.Ilgpu;

/// <summary>
/// 2×2 max-pool and upsampling kernels on [b, C·H·W] rows (NCHW), grid-stride and barrier-free. Forward passes run one item per
/// output element; backward passes one item per input element, each reading the one output element its pixel fed, so no two
/// items write the same place and nothing is scattered or accumulated atomically.
/// </summary>
public static class PoolingKernels
{
    /// <summary>Item i = (m, c, oh, ow) of y [b, C·Ho·Wo]: the window's winner by <see cref="PoolMath.Beats(float, float)"/> and its index oh'·W + ow' in the plane.</summary>
    public static void MaxPool2d(Index1D index, ArrayView<float> x, ArrayView<float> y, ArrayView<int> argmax, PoolParameters p, GridStride g)
    {
        for (int i = index; i < g.Items; i += g.Stride)
        {
            var plane = i / p.PooledPlane;
            var q = i - plane * p.PooledPlane;
            var oh = q / p.PooledWidth;
            var ow = q - oh * p.PooledWidth;
            var first = 2 * oh * p.Width + 2 * ow;
            var row = (long)plane * p.Plane;
            var best = x[row + first];
            var arg = first;
            // The other three in row-major window order: (0,1), (1,0), (1,1).
            for (var k = 1; k < 4; k++)
            {
                var at = first + (k >> 1) * p.Width + (k & 1);
                var v = x[row + at];
                if (PoolMath.Beats(v, best))
                {
                    best = v;
                    arg = at;
                }
            }
            y[i] = best;
            argmax[i] = arg;
        }
    }

    /// <summary>Item i = (m, c, h, w) of inputDelta [b, C·H·W]: delta of its window·act′(input) where argmax names (h, w), else 0.</summary>
    public static void MaxPool2dBackward<TAct>(Index1D index, ArrayView<float> delta, ArrayView<int> argmax, ArrayView<float> input,
        ArrayView<float> inputDelta, PoolParameters p, GridStride g)
        where TAct : struct, IActivation
    {
        for (int i = index; i < g.Items; i += g.Stride)
        {
            var plane = i / p.Plane;
            var q = i - plane * p.Plane;
            var h = q / p.Width;
            var w = q - h * p.Width;
            var oh = h >> 1;
            var ow = w >> 1;
            var result = 0f;
            if (oh < p.PooledHeight && ow < p.PooledWidth)
            {
                var o = (long)plane * p.PooledPlane + oh * p.PooledWidth + ow;
                if (argmax[o] == q)
                    result = default(TAct).Backward(delta[o], input[i]);
            }
            inputDelta[i] = result;
        }
    }

    /// <summary>Item i = (m, c, y, x) of y [b, C·2H·2W] = x[m, c, y/2, x/2].</summary>
    public static void Upsample2d(Index1D index, ArrayView<float> x, ArrayView<float> y, PoolParameters p, GridStride g)
    {
        var wideWidth = 2 * p.Width;
        var widePlane = 4 * p.Plane;
        for (int i = index; i < g.Items; i += g.Stride)
        {
            var plane = i / widePlane;
            var q = i - plane * widePlane;
            var r = q / wideWidth;
            var c = q - r * wideWidth;
            y[i] = x[(long)plane * p.Plane + (r >> 1) * p.Width + (c >> 1)];
        }
    }

    /// <summary>Item i = (m, c, h, w) of inputDelta [b, C·H·W]: ((d00 + d01) + d10) + d11 of delta's block at (2h, 2w), then ·act′(input).</summary>
    public static void Upsample2dBackward<TAct>(Index1D index, ArrayView<float> delta, ArrayView<float> input, ArrayView<float> inputDelta,
        PoolParameters p, GridStride g)
        where TAct : struct, IActivation
    {
        var wideWidth = 2 * p.Width;
        for (int i = index; i < g.Items; i += g.Stride)
        {
            var plane = i / p.Plane;
            var q = i - plane * p.Plane;
            var h = q / p.Width;
            var w = q - h * p.Width;
            var top = (long)plane * 4 * p.Plane + 2L * h * wideWidth + 2 * w;
            var sum = delta[top] + delta[top + 1] + delta[top + wideWidth] + delta[top + wideWidth + 1];
            inputDelta[i] = default(TAct).Backward(sum, input[i]);
        }
    }
}

/// <summary>The geometry of one launch: an input plane of Height × Width and the pooled plane ⌊H/2⌋ × ⌊W/2⌋ (planes are counted across rows and channels).</summary>
public readonly struct PoolParameters
{
    public PoolParameters(int height, int width)
    {
        Width = width;
        Plane = height * width;
        PooledHeight = height / 2;
        PooledWidth = width / 2;
        PooledPlane = PooledHeight * PooledWidth;
    }

    public int Width { get; }
    public int Plane { get; }
    public int PooledHeight { get; }
    public int PooledWidth { get; }
    public int PooledPlane { get; }
}
