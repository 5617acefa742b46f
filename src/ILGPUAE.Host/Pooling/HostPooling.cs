namespace ILGPUAE.Host.Pooling;

using System.Runtime.CompilerServices;
using ILGPUAE.Activation;
using ILGPUAE.Backend;
using ILGPUAE.Host.Threading;
using ILGPUAE.Pooling;

/// <summary>
/// <see cref="IPooling"/> on the host: the b·C planes split across the pool, each plane's pixels in the ILGPU kernels' order and
/// arithmetic (PoolingKernels), so both backends give the same floats. Scalar loops: each op touches every value once with one
/// compare or add, so memory, not arithmetic, bounds it, and 2×2 strided windows would cost Vector512 more in shuffles than they save.
/// </summary>
internal sealed unsafe class HostPooling : IPooling
{
    /// <summary>A pixel costs a few operations: parts of some thousands of pixels are worth a hand-off.</summary>
    private const long MinimumPixelsPerPart = 1 << 14;

    private readonly HostBackend backend;
    private readonly WorkerPool pool;
    private readonly MaxPoolJob maxPool = new();
    private readonly UpsampleJob upsample = new();
    // Indexed by Backend.Activation, one job per activation made up front, so a call allocates nothing.
    private readonly PlaneJob[] maxPoolBackward = [.. Activations.All.Select(a => Activations.Visit(a, new MaxPoolBackwardMaker()))];
    private readonly PlaneJob[] upsampleBackward = [.. Activations.All.Select(a => Activations.Visit(a, new UpsampleBackwardMaker()))];

    public HostPooling(HostBackend backend, WorkerPool pool)
    {
        this.backend = backend;
        this.pool = pool;
    }

    public void MaxPool2d(Tensor<float> x, int channels, int height, int width, Tensor<float> y, Tensor<int> argmax)
    {
        Shapes.MaxPool2d(x, channels, height, width, y, argmax);
        Run(maxPool, backend.PointerOf(x, nameof(x)), null, backend.PointerOf(y, nameof(y)), backend.PointerOf(argmax, nameof(argmax)),
            x.Shape[0] * channels, height, width, y.Length);
    }

    public void MaxPool2dBackward(Tensor<float> delta, Tensor<int> argmax, Tensor<float> input, Activation inputActivation, int channels, int height,
        int width, Tensor<float> inputDelta)
    {
        Shapes.MaxPool2dBackward(delta, argmax, input, inputActivation, channels, height, width, inputDelta);
        Run(maxPoolBackward[(int)inputActivation], backend.PointerOf(delta, nameof(delta)), backend.PointerOf(input, nameof(input)),
            backend.PointerOf(inputDelta, nameof(inputDelta)), backend.PointerOf(argmax, nameof(argmax)), input.Shape[0] * channels, height, width,
            input.Length);
    }

    public void Upsample2d(Tensor<float> x, int channels, int height, int width, Tensor<float> y)
    {
        Shapes.Upsample2d(x, channels, height, width, y);
        Run(upsample, backend.PointerOf(x, nameof(x)), null, backend.PointerOf(y, nameof(y)), null, x.Shape[0] * channels, height, width, y.Length);
    }

    public void Upsample2dBackward(Tensor<float> delta, Tensor<float> input, Activation inputActivation, int channels, int height, int width,
        Tensor<float> inputDelta)
    {
        Shapes.Upsample2dBackward(delta, input, inputActivation, channels, height, width, inputDelta);
        Run(upsampleBackward[(int)inputActivation], backend.PointerOf(delta, nameof(delta)), backend.PointerOf(input, nameof(input)),
            backend.PointerOf(inputDelta, nameof(inputDelta)), null, input.Shape[0] * channels, height, width, input.Length);
    }

    private void Run(PlaneJob job, float* a, float* b, float* output, int* argmax, int planes, int height, int width, int elements)
    {
        if (elements == 0)
            return;
        job.Set(a, b, output, argmax, planes, height, width);
        pool.Run(job, pool.PartsFor(elements, MinimumPixelsPerPart));
    }

    /// <summary>
    /// Planes [start, end) of one op. A is the op's first operand (x forward, delta backward), B the second (the input, backward),
    /// Output its result and Argmax the max-pool's indices; Height × Width is the input plane, PooledHeight × PooledWidth ⌊H/2⌋ × ⌊W/2⌋.
    /// </summary>
    private abstract class PlaneJob : RangeJob
    {
        protected float* A, B, Output;
        protected int* Argmax;
        protected int Height, Width, PooledHeight, PooledWidth;

        public void Set(float* a, float* b, float* output, int* argmax, int planes, int height, int width)
        {
            A = a;
            B = b;
            Output = output;
            Argmax = argmax;
            (Height, Width, PooledHeight, PooledWidth) = (height, width, height / 2, width / 2);
            Count = planes;
        }
    }

    /// <summary>
    /// Output, Argmax [planes, Ho·Wo] from A [planes, H·W]: each window's winner by <see cref="PoolMath.Beats(float, float)"/>, taken
    /// without branches (which of four values wins is data, not a pattern a branch predictor learns): each comparison is a 0 or −1
    /// mask that selects the bits of the value and its index.
    /// </summary>
    private sealed class MaxPoolJob : PlaneJob
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        protected override void Run(int start, int end)
        {
            var width = Width;
            for (var plane = start; plane < end; plane++)
            {
                var x = A + (long)plane * Height * width;
                var o = (long)plane * PooledHeight * PooledWidth;
                for (var oh = 0; oh < PooledHeight; oh++)
                {
                    var first = 2 * oh * width;
                    for (var ow = 0; ow < PooledWidth; ow++, o++, first += 2)
                    {
                        var best = x[first];
                        var arg = first;
                        Take(x[first + 1], first + 1, ref best, ref arg);
                        Take(x[first + width], first + width, ref best, ref arg);
                        Take(x[first + width + 1], first + width + 1, ref best, ref arg);
                        Output[o] = best;
                        Argmax[o] = arg;
                    }
                }
            }
        }

        /// <summary>(best, arg) = (v, at) where <see cref="PoolMath.Beats(float, float)"/>(v, best), by masks (the same rule, no branch).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Take(float v, int at, ref float best, ref int arg)
        {
            var beats = (v > best) | (float.IsNaN(v) & !float.IsNaN(best));
            var mask = -Unsafe.As<bool, byte>(ref beats);
            best = BitConverter.Int32BitsToSingle((BitConverter.SingleToInt32Bits(v) & mask) | (BitConverter.SingleToInt32Bits(best) & ~mask));
            arg = (at & mask) | (arg & ~mask);
        }
    }

    /// <summary>
    /// Output [planes, H·W] = A [planes, Ho·Wo] at the argmax·act′(B), else 0: window by window, the winner's value computed (B read)
    /// before the window's four pixels are written, so Output may be B; a last odd row or column, in no window, is 0.
    /// </summary>
    private sealed class MaxPoolBackwardJob<TAct> : PlaneJob where TAct : struct, IActivation
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        protected override void Run(int start, int end)
        {
            var (width, height) = (Width, Height);
            for (var plane = start; plane < end; plane++)
            {
                var input = B + (long)plane * height * width;
                var output = Output + (long)plane * height * width;
                var o = (long)plane * PooledHeight * PooledWidth;
                for (var oh = 0; oh < PooledHeight; oh++)
                {
                    var first = 2 * oh * width;
                    for (var ow = 0; ow < PooledWidth; ow++, o++, first += 2)
                    {
                        var at = Argmax[o];
                        var value = default(TAct).Backward(A[o], input[at]);
                        output[first] = output[first + 1] = output[first + width] = output[first + width + 1] = 0f;
                        output[at] = value;
                    }
                    // After the row's windows, first is the odd last column (2·Wo) of row 2·oh.
                    if ((width & 1) != 0)
                        output[first] = output[first + width] = 0f;
                }
                if ((height & 1) != 0)
                    new Span<float>(output + (long)(height - 1) * width, width).Clear();
            }
        }
    }

    /// <summary>Output [planes, 2H·2W]: each pixel of A [planes, H·W] into its 2×2 block, one output row at a time.</summary>
    private sealed class UpsampleJob : PlaneJob
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        protected override void Run(int start, int end)
        {
            var wide = 2 * Width;
            for (var plane = start; plane < end; plane++)
            {
                var y = Output + (long)plane * 4 * Height * Width;
                for (var r = 0; r < 2 * Height; r++, y += wide)
                {
                    var x = A + ((long)plane * Height + (r >> 1)) * Width;
                    for (var c = 0; c < Width; c++)
                        y[2 * c] = y[2 * c + 1] = x[c];
                }
            }
        }
    }

    /// <summary>Output [planes, H·W] = (((d00 + d01) + d10) + d11)·act′(B) over A's 2×2 block at (2h, 2w) (Output may be B).</summary>
    private sealed class UpsampleBackwardJob<TAct> : PlaneJob where TAct : struct, IActivation
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        protected override void Run(int start, int end)
        {
            var wide = 2 * Width;
            for (var plane = start; plane < end; plane++)
            {
                var i = (long)plane * Height * Width;
                for (var h = 0; h < Height; h++)
                {
                    var top = A + (long)plane * 4 * Height * Width + 2L * h * wide;
                    for (var w = 0; w < Width; w++, i++)
                    {
                        var sum = top[2 * w] + top[2 * w + 1] + top[wide + 2 * w] + top[wide + 2 * w + 1];
                        Output[i] = default(TAct).Backward(sum, B[i]);
                    }
                }
            }
        }
    }

    private sealed class MaxPoolBackwardMaker : IActivationVisitor<PlaneJob>
    {
        public PlaneJob Visit<TAct>() where TAct : struct, IActivation => new MaxPoolBackwardJob<TAct>();
    }

    private sealed class UpsampleBackwardMaker : IActivationVisitor<PlaneJob>
    {
        public PlaneJob Visit<TAct>() where TAct : struct, IActivation => new UpsampleBackwardJob<TAct>();
    }
}
