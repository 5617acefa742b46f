namespace ILGPUAE.Host.Corruption;

using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using ILGPUAE.Activation;
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
    private readonly RowsJob<GatheredRows, NoNoise> gather = new();
    private readonly RowsJob<InputRows, MaskRows> mask = new();
    private readonly RowsJob<GatheredRows, MaskRows> gatherMask = new();
    private readonly RowsJob<InputRows, ElementRows<GaussianNoise>> gaussian = new();
    private readonly RowsJob<InputRows, ElementRows<SaltAndPepperNoise>> saltAndPepper = new();
    private readonly RowsJob<GatheredRows, ElementRows<GaussianNoise>> gatherGaussian = new();
    private readonly RowsJob<GatheredRows, ElementRows<SaltAndPepperNoise>> gatherSaltAndPepper = new();
    // Indexed by Backend.Activation, one job per activation made up front, so a call allocates nothing.
    private readonly RangeJob<ActivationBackwardArgs>[] activationBackward =
        [.. Activations.All.Select(a => Activations.Visit(a, new ActivationBackwardJobMaker()))];
    private readonly RowsJob<InputRows, ElementRows<BernoulliDraw>> bernoulli = new();

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
        gather.Set(new GatheredRows(pd, pdst), pi, pdst, default, destination.Shape[0], destination.RowLength);
        pool.Run(gather, destination.Length, MinimumCopiedPerPart);
    }

    public void Mask(Tensor<float> x, Tensor<int> indices, NoiseKey key, float probability, Tensor<float> destination)
    {
        Corrupt(mask, x, indices, new MaskRows(key, CounterRng.BernoulliThreshold(probability)), destination);
    }

    /// <summary>
    /// Both at once: each row is gathered into clean, then masked from clean (still in L1) into masked: the very
    /// <see cref="MaskRows"/> arithmetic, so the result is bit for bit that of <see cref="Gather"/> then <see cref="Mask"/>.
    /// </summary>
    public void GatherMask(Tensor<float> data, Tensor<int> indices, NoiseKey key, float probability, Tensor<float> clean, Tensor<float> masked)
    {
        Shapes.GatherMask(data, indices, clean, masked);
        GatherCorrupt(gatherMask, data, indices, new MaskRows(key, CounterRng.BernoulliThreshold(probability)), clean, masked);
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
                Corrupt(gaussian, x, indices, new ElementRows<GaussianNoise>(key, new GaussianNoise(corruption.Amount)), destination);
                return;
            case CorruptionKind.SaltAndPepper:
                Corrupt(saltAndPepper, x, indices,
                    new ElementRows<SaltAndPepperNoise>(key, new SaltAndPepperNoise(CounterRng.BernoulliThreshold(corruption.Amount))), destination);
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
                Shapes.GatherCorrupt(data, indices, clean, corrupted);
                GatherCorrupt(gatherGaussian, data, indices, new ElementRows<GaussianNoise>(key, new GaussianNoise(corruption.Amount)), clean, corrupted);
                return;
            case CorruptionKind.SaltAndPepper:
                Shapes.GatherCorrupt(data, indices, clean, corrupted);
                GatherCorrupt(gatherSaltAndPepper, data, indices,
                    new ElementRows<SaltAndPepperNoise>(key, new SaltAndPepperNoise(CounterRng.BernoulliThreshold(corruption.Amount))), clean, corrupted);
                return;
            default:
                throw new ArgumentOutOfRangeException(nameof(corruption), corruption.Kind, "unknown corruption kind");
        }
    }

    /// <summary>The element-wise draw of <see cref="BernoulliDraw"/>, as the ILGPU kernel makes it (the probability is the element itself).</summary>
    public void Bernoulli(Tensor<float> probabilities, Tensor<int> indices, NoiseKey key, Tensor<float> destination) =>
        Corrupt(bernoulli, probabilities, indices, new ElementRows<BernoulliDraw>(key, default), destination);

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

    /// <summary>One pass over the rows: delta·act′(input) 16 lanes at a time, the mask's elements (none for Gaussian noise) zeroed.</summary>
    public void CorruptBackward(Tensor<float> delta, Tensor<float> input, Backend.Activation inputActivation, Tensor<int> indices, NoiseKey key,
        CorruptionNoise corruption, Tensor<float> destination)
    {
        corruption.ThrowIfInvalid();
        Shapes.CorruptBackward(delta, input, inputActivation, indices, destination);
        var threshold = corruption.Replaces ? CounterRng.BernoulliThreshold(corruption.Amount) : 0UL;
        var job = activationBackward[(int)inputActivation];
        job.Set(new ActivationBackwardArgs(backend.PointerOf(delta, nameof(delta)), backend.PointerOf(input, nameof(input)),
            backend.PointerOf(indices, nameof(indices)), backend.PointerOf(destination, nameof(destination)), key, threshold, delta.RowLength),
            delta.Shape[0]);
        pool.Run(job, delta.Length, MinimumMaskedPerPart);
    }

    /// <summary>
    /// All ones where the mask of <paramref name="threshold"/> keeps an element whose draw is <paramref name="hash"/>, else 0: h &lt; threshold
    /// without a branch (a coin-flip branch mispredicts a quarter of the time and each miss throws away the hashes in flight; measured 2× slower).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int KeepBits(uint hash, ulong threshold) => (int)~(((long)hash - (long)threshold) >> 63);

    private static readonly Vector512<ulong> LaneCounters = Vector512.Create(1UL, 2, 3, 4, 5, 6, 7, 8);

    /// <summary>
    /// The keep bits of elements <paramref name="j"/> … j + 15 of a row, lane k = KeepBits(Hash32(key, example, j + k), threshold), from the
    /// row's <see cref="CounterRng.Prefix"/>: <see cref="CounterRng.Last"/> in 8 lanes of 64 bits twice, the same integer arithmetic.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<int> KeepBits16(ulong prefix, int j, ulong threshold)
    {
        var start = Vector512.Create(prefix) + Vector512.Create(CounterRng.Golden) * (Vector512.Create((ulong)(uint)j) + LaneCounters);
        var step = Vector512.Create(unchecked(CounterRng.Golden * 8));
        var bound = Vector512.Create(threshold);
        var low = Vector512.GreaterThanOrEqual(Vector512.ShiftRightLogical(Mix(start), 32), bound);
        var high = Vector512.GreaterThanOrEqual(Vector512.ShiftRightLogical(Mix(start + step), 32), bound);
        return Vector512.Narrow(low, high).AsInt32();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<ulong> Mix(Vector512<ulong> z)
    {
        z = (z ^ Vector512.ShiftRightLogical(z, 30)) * Vector512.Create(CounterRng.MixMultiplier1);
        z = (z ^ Vector512.ShiftRightLogical(z, 27)) * Vector512.Create(CounterRng.MixMultiplier2);
        return z ^ Vector512.ShiftRightLogical(z, 31);
    }

    /// <summary>Rows of <paramref name="x"/> corrupted by <paramref name="rows"/> into <paramref name="destination"/> (which may be x).</summary>
    private void Corrupt<TRows>(RowsJob<InputRows, TRows> job, Tensor<float> x, Tensor<int> indices, TRows rows, Tensor<float> destination)
        where TRows : struct, IRowNoise
    {
        Shapes.Mask(x, indices, destination);
        job.Set(new InputRows(backend.PointerOf(x, nameof(x))), backend.PointerOf(indices, nameof(indices)),
            backend.PointerOf(destination, nameof(destination)), rows, x.Shape[0], x.RowLength);
        pool.Run(job, x.Length, MinimumMaskedPerPart);
    }

    /// <summary>The gathered rows into <paramref name="clean"/> and, corrupted by <paramref name="rows"/>, into <paramref name="corrupted"/> (shapes checked by the caller).</summary>
    private void GatherCorrupt<TRows>(RowsJob<GatheredRows, TRows> job, Tensor<float> data, Tensor<int> indices, TRows rows, Tensor<float> clean,
        Tensor<float> corrupted)
        where TRows : struct, IRowNoise
    {
        var pd = backend.PointerOf(data, nameof(data));
        var pi = backend.PointerOf(indices, nameof(indices));
        var pc = backend.PointerOf(clean, nameof(clean));
        var pn = backend.PointerOf(corrupted, nameof(corrupted));
        CheckIndices(pi, indices.Length, data.Shape[0]);
        job.Set(new GatheredRows(pd, pc), pi, pn, rows, clean.Shape[0], clean.RowLength);
        pool.Run(job, clean.Length, MinimumMaskedPerPart);
    }

    private static void CheckIndices(int* indices, int count, int rows)
    {
        for (var m = 0; m < count; m++)
            if ((uint)indices[m] >= (uint)rows)
                throw new ArgumentOutOfRangeException(nameof(indices), indices[m], $"index {m} is outside data's {rows} rows");
    }

    /// <summary>How one row is corrupted: the draw of (key, the row's dataset example, j) applied to each element j.</summary>
    private interface IRowNoise
    {
        /// <summary>destination[j] = the corruption of x[j]; destination may be x.</summary>
        void Row(float* x, float* destination, int n, uint example);
    }

    /// <summary>No corruption: <see cref="Gather"/>'s rows as they are copied.</summary>
    private readonly struct NoNoise : IRowNoise
    {
        public void Row(float* x, float* destination, int n, uint example)
        {
        }
    }

    /// <summary>
    /// Masking noise: the same <see cref="CounterRng.Hash32"/> call, with the same arguments, as the ILGPU kernel
    /// (CorruptionKernels.Mask), so a seed masks the same pixels on every backend.
    /// </summary>
    private readonly struct MaskRows(NoiseKey key, ulong threshold) : IRowNoise
    {
        /// <summary>destination[j] = x[j], or 0 where the mask of (key, example, j) hits.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Row(float* x, float* destination, int n, uint example)
        {
            var prefix = CounterRng.Prefix(key.Seed, (uint)key.Stream, key.Epoch, example);
            var j = 0;
            for (; j + 16 <= n; j += 16)
                (Vector512.Load(x + j).AsInt32() & KeepBits16(prefix, j, threshold)).AsSingle().Store(destination + j);
            for (; j < n; j++)
            {
                var keep = KeepBits((uint)(CounterRng.Last(prefix, (uint)j) >> 32), threshold);
                destination[j] = BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(x[j]) & keep);
            }
        }
    }

    /// <summary>
    /// destination[j] = noise.Apply(x[j], Hash64(key, example, j)): the arithmetic of the ILGPU kernel (CorruptionKernels.Corrupt)
    /// through the same <see cref="IElementNoise"/> struct.
    /// </summary>
    private readonly struct ElementRows<TNoise>(NoiseKey key, TNoise noise) : IRowNoise where TNoise : struct, IElementNoise
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Row(float* x, float* destination, int n, uint example)
        {
            var prefix = CounterRng.Prefix(key.Seed, (uint)key.Stream, key.Epoch, example);
            for (var j = 0; j < n; j++)
                destination[j] = noise.Apply(x[j], CounterRng.Last(prefix, (uint)j));
        }
    }

    /// <summary>
    /// Rows [start, end) of destination [M,N] = delta·act′(input) (<see cref="IActivation.Backward(Vector512{float}, Vector512{float})"/>, the
    /// kernel's order of operations), and 0 where the mask of (key, indices[m], j) at threshold hits; threshold 0 draws nothing.
    /// </summary>
    private readonly struct ActivationBackwardArgs(float* delta, float* input, int* indices, float* destination, NoiseKey key, ulong threshold, int n)
    {
        public readonly float* Delta = delta, Input = input, Destination = destination;
        public readonly int* Indices = indices;
        public readonly NoiseKey Key = key;
        public readonly ulong Threshold = threshold;
        public readonly int N = n;
    }

    private sealed class ActivationBackwardJob<TAct> : RangeJob<ActivationBackwardArgs> where TAct : struct, IActivation
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        protected override void Run(int start, int end)
        {
            var (n, key, threshold) = (Args.N, Args.Key, Args.Threshold);
            for (var m = start; m < end; m++)
            {
                var offset = (long)m * n;
                var delta = Args.Delta + offset;
                var input = Args.Input + offset;
                var destination = Args.Destination + offset;
                var prefix = CounterRng.Prefix(key.Seed, (uint)key.Stream, key.Epoch, (uint)Args.Indices[m]);
                var j = 0;
                for (; j + 16 <= n; j += 16)
                {
                    var v = default(TAct).Backward(Vector512.Load(delta + j), Vector512.Load(input + j));
                    if (threshold != 0)
                        v = (v.AsInt32() & KeepBits16(prefix, j, threshold)).AsSingle();
                    v.Store(destination + j);
                }
                for (; j < n; j++)
                {
                    var v = default(TAct).Backward(delta[j], input[j]);
                    if (threshold != 0)
                        v = BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(v) & KeepBits((uint)(CounterRng.Last(prefix, (uint)j) >> 32), threshold));
                    destination[j] = v;
                }
            }
        }
    }

    private sealed class ActivationBackwardJobMaker : IActivationVisitor<RangeJob<ActivationBackwardArgs>>
    {
        public RangeJob<ActivationBackwardArgs> Visit<TAct>() where TAct : struct, IActivation => new ActivationBackwardJob<TAct>();
    }

    /// <summary>Where a <see cref="RowsJob{TSource, TRows}"/>'s row m comes from.</summary>
    private interface IRowSource
    {
        /// <summary>Row <paramref name="m"/> [n], whose dataset example is <paramref name="example"/>.</summary>
        float* Row(int m, int n, int example);
    }

    /// <summary>x's row m, read in place.</summary>
    private readonly struct InputRows(float* x) : IRowSource
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float* Row(int m, int n, int example) => x + (long)m * n;
    }

    /// <summary>data's row indices[m], first copied into clean's row m (then still in L1 for the noise).</summary>
    private readonly struct GatheredRows(float* data, float* clean) : IRowSource
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float* Row(int m, int n, int example)
        {
            var row = clean + (long)m * n;
            new ReadOnlySpan<float>(data + (long)example * n, n).CopyTo(new Span<float>(row, n));
            return row;
        }
    }

    /// <summary>
    /// Rows [start, end) of destination = <typeparamref name="TRows"/>' corruption of <typeparamref name="TSource"/>'s row m,
    /// keyed by example indices[m]: Gather (gathered rows, no noise), the corruptions in place, and gathered then corrupted.
    /// </summary>
    private sealed class RowsJob<TSource, TRows> : RangeJob where TSource : struct, IRowSource where TRows : struct, IRowNoise
    {
        private TSource source;
        private TRows rows;
        private int* indices;
        private float* destination;
        private int n;

        public void Set(TSource source, int* indices, float* destination, TRows rows, int m, int n)
        {
            this.source = source;
            this.indices = indices;
            this.destination = destination;
            this.rows = rows;
            this.n = n;
            Count = m;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        protected override void Run(int start, int end)
        {
            for (var m = start; m < end; m++)
            {
                var example = indices[m];
                rows.Row(source.Row(m, n, example), destination + (long)m * n, n, (uint)example);
            }
        }
    }
}
