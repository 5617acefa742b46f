namespace ILGPUAE.Host.Convolution;

using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using ILGPUAE.Activation;
using ILGPUAE.Backend;
using ILGPUAE.Host.Threading;

/// <summary>
/// <see cref="IConv2d"/> on the host: a direct convolution, images split across the pool. Each image's channels are first copied
/// into zero-padded planes, three per channel — as is, with its last column zeroed, with its first column zeroed — so that every
/// one of the nine taps is a flat shift of a plane by (i − 1)·W + (j − 1): a row's wrap into its neighbour then reads the zeroed
/// column, and the rows above and below the image read the padding. The pixels then run in Vector512 chunks, four output channels'
/// accumulators at once. The input gradient is the same loop over δ with the filters transposed and flipped; the parameter
/// gradients are per-part sums (nine tap accumulators per channel pair) that the caller adds in part order.
/// </summary>
internal sealed unsafe class HostConv2d : IConv2d
{
    /// <summary>A convolution costs 9·Cin·Cout operations a pixel: a part of a few thousand of them is worth a hand-off.</summary>
    private const long MinimumWorkPerPart = 1 << 15;

    private readonly HostBackend backend;
    private readonly WorkerPool pool;

    // Indexed by Backend.Activation.
    private readonly ConvolveJob[] convolve;
    private readonly GradientsJob gradients;

    /// <summary>The filters as <see cref="ConvolveJob"/> reads them: [out, in, 9] forward, transposed and flipped for the input gradient.</summary>
    private float[] packed = [];

    public HostConv2d(HostBackend backend, WorkerPool pool)
    {
        this.backend = backend;
        this.pool = pool;
        convolve = [.. Activations.All.Select(a => Activations.Visit(a, new ConvolveJobMaker(pool.Workers)))];
        gradients = new GradientsJob(pool.Workers);
    }

    public void Forward(Conv2dGeometry geometry, Tensor<float> x, Tensor<float> weights, Tensor<float> bias, Backend.Activation activation, Tensor<float> y)
    {
        Shapes.Conv2dForward(geometry, x, weights, bias, activation, y);
        var w = backend.PointerOf(weights, nameof(weights));
        var filters = Packed(geometry.WeightLength);
        new Span<float>(w, geometry.WeightLength).CopyTo(filters);
        fixed (float* pf = filters)
        {
            var job = convolve[(int)activation];
            job.Set(backend.PointerOf(x, nameof(x)), pf, backend.PointerOf(bias, nameof(bias)), null, backend.PointerOf(y, nameof(y)),
                geometry.InChannels, geometry.OutChannels, geometry.Height, geometry.Width, x.Rows);
            Run(job, x.Rows, geometry);
        }
    }

    public void InputGradient(Conv2dGeometry geometry, Tensor<float> dy, Tensor<float> weights, Tensor<float> input, Backend.Activation inputActivation,
        Tensor<float> dx)
    {
        Shapes.Conv2dInputGradient(geometry, dy, weights, input, inputActivation, dx);
        var w = backend.PointerOf(weights, nameof(weights));
        var (cin, cout) = (geometry.InChannels, geometry.OutChannels);
        var filters = Packed(geometry.WeightLength);
        // dx[c] = Σ_o Σ_t′ W[o, c, 8 − t′] · dy[o] shifted by tap t′: a convolution of δ with filters [in, out, 9], each flipped.
        for (var o = 0; o < cout; o++)
            for (var c = 0; c < cin; c++)
                for (var t = 0; t < Conv2dGeometry.Taps; t++)
                    filters[(c * cout + o) * Conv2dGeometry.Taps + Conv2dGeometry.Taps - 1 - t] = w[(o * cin + c) * Conv2dGeometry.Taps + t];
        fixed (float* pf = filters)
        {
            var job = convolve[(int)inputActivation];
            job.Set(backend.PointerOf(dy, nameof(dy)), pf, null, backend.PointerOf(input, nameof(input)), backend.PointerOf(dx, nameof(dx)),
                cout, cin, geometry.Height, geometry.Width, dy.Rows);
            Run(job, dy.Rows, geometry);
        }
    }

    public void ParameterGradients(Conv2dGeometry geometry, Tensor<float> dy, Tensor<float> x, Tensor<float> weightsGrad, float weightsBeta,
        Tensor<float> biasGrad, float biasBeta)
    {
        Shapes.Conv2dParameterGradients(geometry, dy, x, weightsGrad, biasGrad);
        var parts = x.Rows == 0 ? 1 : pool.PartsFor((long)x.Rows * geometry.Pixels * geometry.WeightLength, MinimumWorkPerPart);
        parts = Math.Min(parts, Math.Max(1, x.Rows));
        gradients.Set(backend.PointerOf(dy, nameof(dy)), backend.PointerOf(x, nameof(x)), geometry.InChannels, geometry.OutChannels, geometry.Height,
            geometry.Width, x.Rows, parts);
        pool.Run(gradients, parts);
        var dw = backend.PointerOf(weightsGrad, nameof(weightsGrad));
        var db = backend.PointerOf(biasGrad, nameof(biasGrad));
        var count = geometry.WeightLength + geometry.OutChannels;
        for (var j = 0; j < count; j++)
        {
            var sum = 0f;
            for (var part = 0; part < parts; part++)
                sum += gradients.Partial(part)[j];
            var target = j < geometry.WeightLength ? dw + j : db + (j - geometry.WeightLength);
            var beta = j < geometry.WeightLength ? weightsBeta : biasBeta;
            *target = beta == 0f ? sum : sum + beta * *target;
        }
    }

    private void Run(ConvolveJob job, int batch, Conv2dGeometry geometry)
    {
        if (batch == 0)
            return;
        var parts = pool.PartsFor((long)batch * geometry.Pixels * geometry.WeightLength, MinimumWorkPerPart);
        pool.Run(job, Math.Min(parts, batch));
    }

    private float[] Packed(int length)
    {
        if (packed.Length < length)
            packed = GC.AllocateArray<float>(length, pinned: true);
        return packed;
    }

    /// <summary>
    /// Zero-padded copies of one image's channels (<paramref name="channels"/> planes of H·W from <paramref name="image"/>) into
    /// <paramref name="planes"/>: per channel three planes of <see cref="PlaneLength"/> floats, the image starting <see cref="Lead"/> in —
    /// as is (taps j = 1), its last column zeroed (j = 0, which reads w − 1), its first column zeroed (j = 2, which reads w + 1).
    /// </summary>
    private static void Pad(float* image, int channels, int height, int width, float* planes)
    {
        var pixels = height * width;
        var (lead, length) = (Lead(width), PlaneLength(height, width));
        for (var c = 0; c < channels; c++)
        {
            var source = image + (long)c * pixels;
            for (var variant = 0; variant < 3; variant++)
            {
                var plane = planes + ((long)c * 3 + variant) * length;
                new Span<float>(plane, lead).Clear();
                new Span<float>(source, pixels).CopyTo(new Span<float>(plane + lead, pixels));
                new Span<float>(plane + lead + pixels, length - lead - pixels).Clear();
                if (variant == 0)
                    for (var h = 0; h < height; h++)
                        plane[lead + h * width + width - 1] = 0f;
                else if (variant == 2)
                    for (var h = 0; h < height; h++)
                        plane[lead + h * width] = 0f;
            }
        }
    }

    /// <summary>Zeros before a padded plane's image: one row and one value, what tap (0, 0) reads for pixel 0.</summary>
    private static int Lead(int width) => width + 1;

    /// <summary>A padded plane: the lead, the pixels rounded up to whole vectors (a last partial chunk reads them), a row and one value after.</summary>
    private static int PlaneLength(int height, int width) =>
        Lead(width) + (height * width + Vector512<float>.Count - 1) / Vector512<float>.Count * Vector512<float>.Count + width + 1;

    /// <summary>
    /// offsets[t] = where tap t of a padded channel starts relative to its first plane's pixel 0: the plane its column needs, shifted
    /// by (i − 1)·W + (j − 1) for t = 3i + j.
    /// </summary>
    private static void TapOffsets(int height, int width, int* offsets)
    {
        var length = PlaneLength(height, width);
        for (var t = 0; t < Conv2dGeometry.Taps; t++)
        {
            var (i, j) = (t / 3, t % 3);
            var variant = j == 1 ? 1 : j == 0 ? 0 : 2;
            offsets[t] = variant * length + (i - 1) * width + (j - 1);
        }
    }

    /// <summary>Pixel 0 of padded channel c's first plane.</summary>
    private static float* Channel(float* planes, int c, int height, int width) => planes + (long)c * 3 * PlaneLength(height, width) + Lead(width);

    /// <summary>Per-part scratch, grown (never shrunk) when a larger image first needs it, so launches after the first allocate nothing.</summary>
    private static float[] Grow(float[][] scratch, int part, int length)
    {
        if (scratch[part] is not { } s || s.Length < length)
            scratch[part] = s = GC.AllocateArray<float>(length, pinned: true);
        return s;
    }

    private sealed class ConvolveJobMaker(int workers) : IActivationVisitor<ConvolveJob>
    {
        public ConvolveJob Visit<TAct>() where TAct : struct, IActivation => new ConvolveJob<TAct>(workers);
    }

    /// <summary>
    /// out[b, o] = epilogue(Σ_c Σ_t filters[o, c, t] · in[b, c] shifted by tap t) for images [start, end) of a part, with
    /// <c>From</c> input channels and <c>To</c> output channels. Forward: epilogue = act(· + bias[o]); input gradient (bias null):
    /// act′ through <c>Through</c>.
    /// </summary>
    private abstract class ConvolveJob(int workers) : IParallelJob
    {
        protected readonly float[][] Scratch = new float[workers][];
        protected float* In, Filters, Bias, Through, Out;
        protected int From, To, Height, Width, Batch;

        public void Set(float* input, float* filters, float* bias, float* through, float* output, int from, int to, int height, int width, int batch)
        {
            In = input;
            Filters = filters;
            Bias = bias;
            Through = through;
            Out = output;
            (From, To, Height, Width, Batch) = (from, to, height, width, batch);
        }

        public void Execute(int part, int parts)
        {
            var (start, end) = Partition.Range(Batch, 1, part, parts);
            if (start >= end)
                return;
            var planes = Grow(Scratch, part, From * 3 * PlaneLength(Height, Width));
            fixed (float* p = planes)
                for (var b = start; b < end; b++)
                    Image(b, p);
        }

        protected abstract void Image(int b, float* planes);
    }

    private sealed class ConvolveJob<TAct>(int workers) : ConvolveJob(workers) where TAct : struct, IActivation
    {
        private const int V = 16;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        protected override void Image(int b, float* planes)
        {
            var pixels = Height * Width;
            Pad(In + (long)b * From * pixels, From, Height, Width, planes);
            var output = Out + (long)b * To * pixels;
            var through = Through == null ? null : Through + (long)b * To * pixels;
            var offsets = stackalloc int[Conv2dGeometry.Taps];
            TapOffsets(Height, Width, offsets);
            var o = 0;
            for (; o + 4 <= To; o += 4)
                for (var p = 0; p < pixels; p += V)
                {
                    var a0 = Vector512<float>.Zero;
                    var a1 = Vector512<float>.Zero;
                    var a2 = Vector512<float>.Zero;
                    var a3 = Vector512<float>.Zero;
                    var f0 = Filters + (long)o * From * 9;
                    var stride = From * 9;
                    for (var c = 0; c < From; c++)
                    {
                        var channel = Channel(planes, c, Height, Width) + p;
                        for (var t = 0; t < 9; t++)
                        {
                            var v = Vector512.Load(channel + offsets[t]);
                            var k = c * 9 + t;
                            a0 += Vector512.Create(f0[k]) * v;
                            a1 += Vector512.Create(f0[stride + k]) * v;
                            a2 += Vector512.Create(f0[2 * stride + k]) * v;
                            a3 += Vector512.Create(f0[3 * stride + k]) * v;
                        }
                    }
                    Store(a0, o, p, pixels, output, through);
                    Store(a1, o + 1, p, pixels, output, through);
                    Store(a2, o + 2, p, pixels, output, through);
                    Store(a3, o + 3, p, pixels, output, through);
                }
            for (; o < To; o++)
                for (var p = 0; p < pixels; p += V)
                {
                    var a0 = Vector512<float>.Zero;
                    var f0 = Filters + (long)o * From * 9;
                    for (var c = 0; c < From; c++)
                    {
                        var channel = Channel(planes, c, Height, Width) + p;
                        for (var t = 0; t < 9; t++)
                            a0 += Vector512.Create(f0[c * 9 + t]) * Vector512.Load(channel + offsets[t]);
                    }
                    Store(a0, o, p, pixels, output, through);
                }
        }

        /// <summary>Pixels [p, p + 16) of output channel o (fewer in the last chunk), through the epilogue.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void Store(Vector512<float> sum, int o, int p, int pixels, float* output, float* through)
        {
            var at = (long)o * pixels + p;
            Vector512<float> result;
            if (Bias != null)
                result = default(TAct).Apply(sum + Vector512.Create(Bias[o]));
            else if (p + V <= pixels)
                result = default(TAct).Backward(sum, Vector512.Load(through + at));
            else
            {
                // The last chunk: act′ for the pixels that exist, one at a time (reading past the image is not allowed).
                for (var l = 0; l < pixels - p; l++)
                    output[at + l] = default(TAct).Backward(sum[l], through[at + l]);
                return;
            }
            if (p + V <= pixels)
                result.Store(output + at);
            else
                for (var l = 0; l < pixels - p; l++)
                    output[at + l] = result[l];
        }
    }

    /// <summary>
    /// Per part, over images [start, end): partial[o, c, t] = Σ_b Σ_p dy[b, o, p] · x[b, c] shifted by tap t, and partial[Cout·Cin·9 + o]
    /// = Σ_b Σ_p dy[b, o, p]. δ is read in whole chunks while they last, the tail pixel by pixel.
    /// </summary>
    private sealed class GradientsJob(int workers) : IParallelJob
    {
        private const int V = 16;
        private readonly float[][] scratch = new float[workers][];
        private readonly float[][] partials = new float[workers][];
        private float* dy, x;
        private int cin, cout, height, width, batch, parts;

        public void Set(float* dy, float* x, int cin, int cout, int height, int width, int batch, int parts)
        {
            this.dy = dy;
            this.x = x;
            (this.cin, this.cout, this.height, this.width, this.batch, this.parts) = (cin, cout, height, width, batch, parts);
            for (var part = 0; part < parts; part++)
                Array.Clear(Grow(partials, part, cout * cin * 9 + cout));
        }

        public ReadOnlySpan<float> Partial(int part) => partials[part];

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int part, int parts)
        {
            var (start, end) = Partition.Range(batch, 1, part, parts);
            if (start >= end)
                return;
            var planes = Grow(scratch, part, cin * 3 * PlaneLength(height, width));
            var pixels = height * width;
            var full = pixels / V * V;
            var offsets = stackalloc int[Conv2dGeometry.Taps];
            TapOffsets(height, width, offsets);
            fixed (float* pp = planes)
            fixed (float* sums = partials[part])
                for (var b = start; b < end; b++)
                {
                    Pad(x + (long)b * cin * pixels, cin, height, width, pp);
                    for (var o = 0; o < cout; o++)
                    {
                        var d = dy + ((long)b * cout + o) * pixels;
                        var bias = Vector512<float>.Zero;
                        for (var p = 0; p < full; p += V)
                            bias += Vector512.Load(d + p);
                        var biasSum = Vector512.Sum(bias);
                        for (var p = full; p < pixels; p++)
                            biasSum += d[p];
                        sums[cout * cin * 9 + o] += biasSum;
                        for (var c = 0; c < cin; c++)
                            Taps(d, Channel(pp, c, height, width), offsets, pixels, full, sums + (o * cin + c) * 9);
                    }
                }
        }

        /// <summary>sums[t] += Σ_p d[p] · (the channel shifted by tap t)[p], nine accumulators over the chunks, then the tail.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Taps(float* d, float* channel, int* offsets, int pixels, int full, float* sums)
        {
            float* t0 = channel + offsets[0], t1 = channel + offsets[1], t2 = channel + offsets[2];
            float* t3 = channel + offsets[3], t4 = channel + offsets[4], t5 = channel + offsets[5];
            float* t6 = channel + offsets[6], t7 = channel + offsets[7], t8 = channel + offsets[8];
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default, a8 = default;
            for (var p = 0; p < full; p += V)
            {
                var v = Vector512.Load(d + p);
                a0 += v * Vector512.Load(t0 + p);
                a1 += v * Vector512.Load(t1 + p);
                a2 += v * Vector512.Load(t2 + p);
                a3 += v * Vector512.Load(t3 + p);
                a4 += v * Vector512.Load(t4 + p);
                a5 += v * Vector512.Load(t5 + p);
                a6 += v * Vector512.Load(t6 + p);
                a7 += v * Vector512.Load(t7 + p);
                a8 += v * Vector512.Load(t8 + p);
            }
            var s = stackalloc float[9]
            {
                Vector512.Sum(a0), Vector512.Sum(a1), Vector512.Sum(a2), Vector512.Sum(a3), Vector512.Sum(a4), Vector512.Sum(a5), Vector512.Sum(a6),
                Vector512.Sum(a7), Vector512.Sum(a8),
            };
            for (var p = full; p < pixels; p++)
            {
                var v = d[p];
                s[0] += v * t0[p];
                s[1] += v * t1[p];
                s[2] += v * t2[p];
                s[3] += v * t3[p];
                s[4] += v * t4[p];
                s[5] += v * t5[p];
                s[6] += v * t6[p];
                s[7] += v * t7[p];
                s[8] += v * t8[p];
            }
            for (var t = 0; t < 9; t++)
                sums[t] += s[t];
        }
    }
}
