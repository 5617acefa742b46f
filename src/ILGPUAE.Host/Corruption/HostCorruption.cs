namespace ILGPUAE.Host.Corruption;

using System.Runtime.CompilerServices;
using ILGPUAE.Backend;
using ILGPUAE.Corruption;
using ILGPUAE.Host.Threading;
using ILGPUAE.Random;

/// <summary><see cref="ICorruption"/> on the host; rows split across the pool.</summary>
internal sealed unsafe class HostCorruption : ICorruption
{
    /// <summary>A row copy moves 16 floats per instruction; a mask element costs four SplitMix rounds.</summary>
    private const long MinimumCopiedPerPart = 1 << 16;
    private const long MinimumMaskedPerPart = 1 << 12;

    private readonly HostBackend backend;
    private readonly WorkerPool pool;
    private readonly GatherJob gather = new();
    private readonly MaskJob mask = new();
    private readonly GatherMaskJob gatherMask = new();
    private readonly NoiseJob<GaussianNoise> gaussian = new();
    private readonly NoiseJob<SaltAndPepperNoise> saltAndPepper = new();
    private readonly GatherNoiseJob<GaussianNoise> gatherGaussian = new();
    private readonly GatherNoiseJob<SaltAndPepperNoise> gatherSaltAndPepper = new();

    public HostCorruption(HostBackend backend, WorkerPool pool)
    {
        this.backend = backend;
        this.pool = pool;
    }

    public void Gather(Tensor<float> data, Tensor<int> indices, Tensor<float> destination)
    {
        Shapes.Gather(data, indices, destination);
        var pd = backend.PointerOf(data, nameof(data));
        var pi = backend.PointerOf(indices, nameof(indices));
        var pdst = backend.PointerOf(destination, nameof(destination));
        CheckIndices(pi, indices.Length, data.Shape[0]);
        gather.Set(pd, pi, pdst, destination.Shape[0], destination.RowLength);
        if (destination.Length > 0)
            pool.Run(gather, pool.PartsFor(destination.Length, MinimumCopiedPerPart));
    }

    public void Mask(Tensor<float> x, Tensor<int> indices, NoiseKey key, float probability, Tensor<float> destination)
    {
        Shapes.Mask(x, indices, destination);
        mask.Set(backend.PointerOf(x, nameof(x)), backend.PointerOf(indices, nameof(indices)), backend.PointerOf(destination, nameof(destination)),
            key, CounterRng.BernoulliThreshold(probability), x.Shape[0], x.RowLength);
        if (x.Length > 0)
            pool.Run(mask, pool.PartsFor(x.Length, MinimumMaskedPerPart));
    }

    /// <summary>
    /// Both at once: each row is gathered into clean, then masked from clean (still in L1) into masked: the very
    /// <see cref="MaskJob"/> arithmetic, so the result is bit for bit that of <see cref="Gather"/> then <see cref="Mask"/>.
    /// </summary>
    public void GatherMask(Tensor<float> data, Tensor<int> indices, NoiseKey key, float probability, Tensor<float> clean, Tensor<float> masked)
    {
        Shapes.GatherMask(data, indices, clean, masked);
        var pd = backend.PointerOf(data, nameof(data));
        var pi = backend.PointerOf(indices, nameof(indices));
        var pc = backend.PointerOf(clean, nameof(clean));
        var pm = backend.PointerOf(masked, nameof(masked));
        CheckIndices(pi, indices.Length, data.Shape[0]);
        gatherMask.Set(pd, pi, pc, pm, key, CounterRng.BernoulliThreshold(probability), clean.Shape[0], clean.RowLength);
        if (clean.Length > 0)
            pool.Run(gatherMask, pool.PartsFor(clean.Length, MinimumMaskedPerPart));
    }

    public void Corrupt(Tensor<float> x, Tensor<int> indices, NoiseKey key, CorruptionNoise corruption, Tensor<float> destination)
    {
        corruption.ThrowIfInvalid();
        switch (corruption.Kind)
        {
            case CorruptionKind.Masking:
                Mask(x, indices, key, corruption.Amount, destination);
                return;
            case CorruptionKind.Gaussian:
                Corrupt(gaussian, x, indices, key, new GaussianNoise(corruption.Amount), destination);
                return;
            case CorruptionKind.SaltAndPepper:
                Corrupt(saltAndPepper, x, indices, key, new SaltAndPepperNoise(CounterRng.BernoulliThreshold(corruption.Amount)), destination);
                return;
            default:
                throw new ArgumentOutOfRangeException(nameof(corruption), corruption.Kind, "unknown corruption kind");
        }
    }

    public void GatherCorrupt(Tensor<float> data, Tensor<int> indices, NoiseKey key, CorruptionNoise corruption, Tensor<float> clean, Tensor<float> corrupted)
    {
        corruption.ThrowIfInvalid();
        switch (corruption.Kind)
        {
            case CorruptionKind.Masking:
                GatherMask(data, indices, key, corruption.Amount, clean, corrupted);
                return;
            case CorruptionKind.Gaussian:
                GatherCorrupt(gatherGaussian, data, indices, key, new GaussianNoise(corruption.Amount), clean, corrupted);
                return;
            case CorruptionKind.SaltAndPepper:
                GatherCorrupt(gatherSaltAndPepper, data, indices, key, new SaltAndPepperNoise(CounterRng.BernoulliThreshold(corruption.Amount)), clean,
                    corrupted);
                return;
            default:
                throw new ArgumentOutOfRangeException(nameof(corruption), corruption.Kind, "unknown corruption kind");
        }
    }

    /// <summary>
    /// Masking and salt-and-pepper replace the elements that <see cref="Mask"/> hides at the same key and probability, so their
    /// gradient is <see cref="Mask"/> of delta; Gaussian noise passes delta through.
    /// </summary>
    public void CorruptBackward(Tensor<float> delta, Tensor<int> indices, NoiseKey key, CorruptionNoise corruption, Tensor<float> destination)
    {
        corruption.ThrowIfInvalid();
        Shapes.CorruptBackward(delta, indices, destination);
        if (corruption.Replaces)
        {
            Mask(delta, indices, key, corruption.Amount, destination);
            return;
        }
        var pd = backend.PointerOf(delta, nameof(delta));
        var pdst = backend.PointerOf(destination, nameof(destination));
        if (pd != pdst)
            new ReadOnlySpan<float>(pd, delta.Length).CopyTo(new Span<float>(pdst, destination.Length));
    }

    private void Corrupt<TNoise>(NoiseJob<TNoise> job, Tensor<float> x, Tensor<int> indices, NoiseKey key, TNoise noise, Tensor<float> destination)
        where TNoise : struct, IElementNoise
    {
        Shapes.Mask(x, indices, destination);
        job.Set(backend.PointerOf(x, nameof(x)), backend.PointerOf(indices, nameof(indices)), backend.PointerOf(destination, nameof(destination)),
            key, noise, x.Shape[0], x.RowLength);
        if (x.Length > 0)
            pool.Run(job, pool.PartsFor(x.Length, MinimumMaskedPerPart));
    }

    private void GatherCorrupt<TNoise>(GatherNoiseJob<TNoise> job, Tensor<float> data, Tensor<int> indices, NoiseKey key, TNoise noise,
        Tensor<float> clean, Tensor<float> corrupted)
        where TNoise : struct, IElementNoise
    {
        Shapes.GatherCorrupt(data, indices, clean, corrupted);
        var pd = backend.PointerOf(data, nameof(data));
        var pi = backend.PointerOf(indices, nameof(indices));
        var pc = backend.PointerOf(clean, nameof(clean));
        var pn = backend.PointerOf(corrupted, nameof(corrupted));
        CheckIndices(pi, indices.Length, data.Shape[0]);
        job.Set(pd, pi, pc, pn, key, noise, clean.Shape[0], clean.RowLength);
        if (clean.Length > 0)
            pool.Run(job, pool.PartsFor(clean.Length, MinimumMaskedPerPart));
    }

    /// <summary>A device kernel would read out of bounds; on the host that is memory corruption, so check first.</summary>
    private static void CheckIndices(int* indices, int count, int rows)
    {
        for (var m = 0; m < count; m++)
            if ((uint)indices[m] >= (uint)rows)
                throw new ArgumentOutOfRangeException(nameof(indices), indices[m], $"index {m} is outside data's {rows} rows");
    }

    /// <summary>destination[m, :] = data[indices[m], :] for rows [start, end).</summary>
    private sealed class GatherJob : RangeJob
    {
        private float* data, destination;
        private int* indices;
        private int n;

        public void Set(float* data, int* indices, float* destination, int m, int n)
        {
            this.data = data;
            this.indices = indices;
            this.destination = destination;
            this.n = n;
            Count = m;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        protected override void Run(int start, int end)
        {
            for (var m = start; m < end; m++)
                new ReadOnlySpan<float>(data + (long)indices[m] * n, n).CopyTo(new Span<float>(destination + (long)m * n, n));
        }
    }

    /// <summary>
    /// Masking noise for rows [start, end): the same <see cref="CounterRng.Hash32"/> call, with the same
    /// arguments, as the ILGPU kernel (CorruptionKernels.Mask), so a seed masks the same pixels on every backend.
    /// </summary>
    private sealed class MaskJob : RangeJob
    {
        private float* x, destination;
        private int* indices;
        private NoiseKey key;
        private ulong threshold;
        private int n;

        public void Set(float* x, int* indices, float* destination, NoiseKey key, ulong threshold, int m, int n)
        {
            this.x = x;
            this.indices = indices;
            this.destination = destination;
            this.key = key;
            this.threshold = threshold;
            this.n = n;
            Count = m;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        protected override void Run(int start, int end)
        {
            for (var m = start; m < end; m++)
                MaskRow(x + (long)m * n, destination + (long)m * n, n, (uint)indices[m], key, threshold);
        }

        /// <summary>destination[j] = x[j], or 0 where the mask of (key, example, j) hits.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void MaskRow(float* x, float* destination, int n, uint example, NoiseKey key, ulong threshold)
        {
            for (var j = 0; j < n; j++)
            {
                var h = CounterRng.Hash32(key.Seed, (uint)key.Stream, key.Epoch, example, (uint)j);
                // h < threshold ? 0f : x, without a branch: a coin-flip branch mispredicts a quarter of
                // the time and each miss throws away the hashes in flight (measured 2× slower).
                var keep = (int)~(((long)h - (long)threshold) >> 63);
                destination[j] = BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(x[j]) & keep);
            }
        }
    }

    /// <summary>Rows [start, end): clean[m,:] = data[indices[m],:], then masked[m,:] = <see cref="MaskJob.MaskRow"/> of it.</summary>
    private sealed class GatherMaskJob : RangeJob
    {
        private float* data, clean, masked;
        private int* indices;
        private NoiseKey key;
        private ulong threshold;
        private int n;

        public void Set(float* data, int* indices, float* clean, float* masked, NoiseKey key, ulong threshold, int m, int n)
        {
            this.data = data;
            this.indices = indices;
            this.clean = clean;
            this.masked = masked;
            this.key = key;
            this.threshold = threshold;
            this.n = n;
            Count = m;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        protected override void Run(int start, int end)
        {
            for (var m = start; m < end; m++)
            {
                var row = clean + (long)m * n;
                new ReadOnlySpan<float>(data + (long)indices[m] * n, n).CopyTo(new Span<float>(row, n));
                MaskJob.MaskRow(row, masked + (long)m * n, n, (uint)indices[m], key, threshold);
            }
        }
    }

    /// <summary>
    /// Rows [start, end) of destination = noise.Apply(x, Hash64(key, indices[m], j)): the arithmetic of the ILGPU kernel
    /// (CorruptionKernels.Corrupt) through the same <see cref="IElementNoise"/> struct.
    /// </summary>
    private sealed class NoiseJob<TNoise> : RangeJob where TNoise : struct, IElementNoise
    {
        private float* x, destination;
        private int* indices;
        private NoiseKey key;
        private TNoise noise;
        private int n;

        public void Set(float* x, int* indices, float* destination, NoiseKey key, TNoise noise, int m, int n)
        {
            this.x = x;
            this.indices = indices;
            this.destination = destination;
            this.key = key;
            this.noise = noise;
            this.n = n;
            Count = m;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        protected override void Run(int start, int end)
        {
            for (var m = start; m < end; m++)
                CorruptRow(x + (long)m * n, destination + (long)m * n, n, (uint)indices[m], key, noise);
        }

        /// <summary>destination[j] = noise.Apply(x[j], the draw of (key, example, j)); destination may be x.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void CorruptRow(float* x, float* destination, int n, uint example, NoiseKey key, TNoise noise)
        {
            for (var j = 0; j < n; j++)
                destination[j] = noise.Apply(x[j], CounterRng.Hash64(key.Seed, (uint)key.Stream, key.Epoch, example, (uint)j));
        }
    }

    /// <summary>Rows [start, end): clean[m,:] = data[indices[m],:], then corrupted[m,:] = <see cref="NoiseJob{TNoise}.CorruptRow"/> of it.</summary>
    private sealed class GatherNoiseJob<TNoise> : RangeJob where TNoise : struct, IElementNoise
    {
        private float* data, clean, corrupted;
        private int* indices;
        private NoiseKey key;
        private TNoise noise;
        private int n;

        public void Set(float* data, int* indices, float* clean, float* corrupted, NoiseKey key, TNoise noise, int m, int n)
        {
            this.data = data;
            this.indices = indices;
            this.clean = clean;
            this.corrupted = corrupted;
            this.key = key;
            this.noise = noise;
            this.n = n;
            Count = m;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        protected override void Run(int start, int end)
        {
            for (var m = start; m < end; m++)
            {
                var row = clean + (long)m * n;
                new ReadOnlySpan<float>(data + (long)indices[m] * n, n).CopyTo(new Span<float>(row, n));
                NoiseJob<TNoise>.CorruptRow(row, corrupted + (long)m * n, n, (uint)indices[m], key, noise);
            }
        }
    }
}
