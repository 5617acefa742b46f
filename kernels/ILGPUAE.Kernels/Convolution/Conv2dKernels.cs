namespace ILGPUAE.Convolution;

using ILGPU;
using ILGPUAE.Activation;
using ILGPUAE.Backend;
using ILGPUAE.Ilgpu;

/// <summary>
/// The Convolution family's direct kernels, grid-stride and barrier-free (so ILGPU's CPU accelerator runs them without its costly
/// barriers): one thread per output value forward, one per input value backward, and the parameter gradients as partial sums over
/// slices of the batch's image rows, then a reduction in a fixed order. The filters are 3×3 with zero padding 1: a tap that falls
/// outside the image is skipped. x, dx are [b, Cin, H, W] and y, dy [b, Cout, H, W], flat; W is [Cout, Cin, 3, 3].
/// </summary>
public static class Conv2dKernels
{
    /// <summary>y[i] = act(bias[o] + Σ_c Σ_{ki,kj} W[o,c,ki,kj]·x[b,c,h+ki−1,w+kj−1]), i = ((b·Cout + o)·H + h)·W + w.</summary>
    public static void Forward<TAct>(Index1D index, ArrayView<float> x, ArrayView<float> weights, ArrayView<float> bias, ArrayView<float> y,
        Conv2dParameters p, GridStride g)
        where TAct : struct, IActivation
    {
        for (int i = index; i < g.Items; i += g.Stride)
        {
            var (b, o, h, w) = ImagePosition.Of(i, p.OutChannels, p);
            var sum = bias[o];
            var image = (long)b * p.InChannels * p.Pixels;
            var filter = o * p.InChannels * Conv2dGeometry.Taps;
            for (var c = 0; c < p.InChannels; c++)
                for (var ki = 0; ki < 3; ki++)
                {
                    var hi = h + ki - 1;
                    if (hi < 0 || hi >= p.Height)
                        continue;
                    var row = image + ((long)c * p.Height + hi) * p.Width;
                    var tap = filter + c * Conv2dGeometry.Taps + ki * 3;
                    for (var kj = 0; kj < 3; kj++)
                    {
                        var wj = w + kj - 1;
                        if (wj >= 0 && wj < p.Width)
                            sum += weights[tap + kj] * x[row + wj];
                    }
                }
            y[i] = default(TAct).Apply(sum);
        }
    }

    /// <summary>
    /// dx[i] = (Σ_o Σ_{ki,kj} W[o,c,ki,kj]·dy[b,o,h−ki+1,w−kj+1]) · act′ through input[i], i = ((b·Cin + c)·H + h)·W + w
    /// (<see cref="IActivation.Backward(float, float)"/>).
    /// </summary>
    public static void InputGradient<TAct>(Index1D index, ArrayView<float> dy, ArrayView<float> weights, ArrayView<float> input, ArrayView<float> dx,
        Conv2dParameters p, GridStride g)
        where TAct : struct, IActivation
    {
        for (int i = index; i < g.Items; i += g.Stride)
        {
            var (b, c, h, w) = ImagePosition.Of(i, p.InChannels, p);
            var sum = 0f;
            var image = (long)b * p.OutChannels * p.Pixels;
            for (var o = 0; o < p.OutChannels; o++)
                for (var ki = 0; ki < 3; ki++)
                {
                    var ho = h - ki + 1;
                    if (ho < 0 || ho >= p.Height)
                        continue;
                    var row = image + ((long)o * p.Height + ho) * p.Width;
                    var tap = (o * p.InChannels + c) * Conv2dGeometry.Taps + ki * 3;
                    for (var kj = 0; kj < 3; kj++)
                    {
                        var wo = w - kj + 1;
                        if (wo >= 0 && wo < p.Width)
                            sum += weights[tap + kj] * dy[row + wo];
                    }
                }
            dx[i] = default(TAct).Backward(sum, input[i]);
        }
    }

    /// <summary>
    /// partials [slices, K′] with K′ = Cout·Cin·9 + Cout, item i = s·K′ + j: the part of parameter j's gradient from image rows
    /// [s·R/slices, (s + 1)·R/slices) of the R = b·H rows; j &lt; Cout·Cin·9 is weight (o, c, ki, kj), the rest bias o.
    /// </summary>
    public static void ParameterPartials(Index1D index, ArrayView<float> dy, ArrayView<float> x, ArrayView<float> partials, Conv2dParameters p, int slices,
        GridStride g)
    {
        var weightCount = p.OutChannels * p.InChannels * Conv2dGeometry.Taps;
        var parameters = weightCount + p.OutChannels;
        var rows = p.Batch * p.Height;
        for (int i = index; i < g.Items; i += g.Stride)
        {
            var s = i / parameters;
            var j = i - s * parameters;
            var first = (int)((long)rows * s / slices);
            var last = (int)((long)rows * (s + 1) / slices);
            var sum = 0f;
            if (j < weightCount)
            {
                var kj = j % 3;
                var ki = j / 3 % 3;
                var c = j / Conv2dGeometry.Taps % p.InChannels;
                var o = j / Conv2dGeometry.Taps / p.InChannels;
                // Output columns w whose tap (ki, kj) lands inside the image: w + kj − 1 ∈ [0, W).
                var wFirst = kj == 0 ? 1 : 0;
                var wLast = kj == 2 ? p.Width - 1 : p.Width;
                for (var r = first; r < last; r++)
                {
                    var b = r / p.Height;
                    var h = r - b * p.Height;
                    var hi = h + ki - 1;
                    if (hi < 0 || hi >= p.Height)
                        continue;
                    var dyRow = ((long)b * p.OutChannels + o) * p.Pixels + (long)h * p.Width;
                    var xRow = ((long)b * p.InChannels + c) * p.Pixels + (long)hi * p.Width + kj - 1;
                    for (var w = wFirst; w < wLast; w++)
                        sum += dy[dyRow + w] * x[xRow + w];
                }
            }
            else
            {
                var o = j - weightCount;
                for (var r = first; r < last; r++)
                {
                    var b = r / p.Height;
                    var h = r - b * p.Height;
                    var dyRow = ((long)b * p.OutChannels + o) * p.Pixels + (long)h * p.Width;
                    for (var w = 0; w < p.Width; w++)
                        sum += dy[dyRow + w];
                }
            }
            partials[i] = sum;
        }
    }

    /// <summary>
    /// Parameter j of K′: the sum of its slices' partials in slice order, then weightsGrad[j] = sum + weightsBeta·weightsGrad[j] (or
    /// biasGrad[j − Cout·Cin·9] with biasBeta); a beta of 0 leaves the old value unread.
    /// </summary>
    public static void ParameterReduce(Index1D index, ArrayView<float> partials, ArrayView<float> weightsGrad, ArrayView<float> biasGrad, int weightCount,
        int slices, float weightsBeta, float biasBeta, GridStride g)
    {
        for (int j = index; j < g.Items; j += g.Stride)
        {
            var sum = 0f;
            for (var s = 0; s < slices; s++)
                sum += partials[(long)s * g.Items + j];
            if (j < weightCount)
                weightsGrad[j] = weightsBeta == 0f ? sum : sum + weightsBeta * weightsGrad[j];
            else
                biasGrad[j - weightCount] = biasBeta == 0f ? sum : sum + biasBeta * biasGrad[j - weightCount];
        }
    }
}

/// <summary>The sizes of one convolution launch: the batch and <see cref="Conv2dGeometry"/>'s four.</summary>
public readonly struct Conv2dParameters
{
    public Conv2dParameters(Conv2dGeometry geometry, int batch)
    {
        Batch = batch;
        InChannels = geometry.InChannels;
        OutChannels = geometry.OutChannels;
        Height = geometry.Height;
        Width = geometry.Width;
        Pixels = geometry.Pixels;
    }

    public int Batch { get; }
    public int InChannels { get; }
    public int OutChannels { get; }
    public int Height { get; }
    public int Width { get; }
    public int Pixels { get; }
}

/// <summary>Where flat index i of a [b, channels, H, W] tensor lies (a kernel's decode of its item: a plain struct, no allocation): i = ((Image·channels + Channel)·H + Row)·W + Column.</summary>
public readonly record struct ImagePosition(int Image, int Channel, int Row, int Column)
{
    /// <summary>Index <paramref name="i"/>'s position in a tensor of <paramref name="channels"/> channels of <paramref name="p"/>'s H×W images.</summary>
    public static ImagePosition Of(int i, int channels, Conv2dParameters p)
    {
        var t = i / p.Width;
        var plane = t / p.Height;
        return new ImagePosition(plane / channels, plane % channels, t % p.Height, i % p.Width);
    }
}
