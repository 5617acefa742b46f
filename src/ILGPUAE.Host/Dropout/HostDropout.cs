namespace ILGPUAE.Host.Dropout;

using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using ILGPUAE.Activation;
using ILGPUAE.Backend;
using ILGPUAE.Dropout;
using ILGPUAE.Host.Corruption;
using ILGPUAE.Host.Threading;
using ILGPUAE.Random;

/// <summary>
/// <see cref="IDropout"/> on the host: rows split across the pool; 16 elements at a time, the mask's keep bits (the same
/// <see cref="CounterRng.Hash32"/> values as the ILGPU kernels, 16 at a time from the row's prefix: <see cref="HostCorruption.KeepBits16"/>) ANDed onto Vector512 products that round as
/// the kernels' scalar ones do.
/// </summary>
internal sealed unsafe class HostDropout : IDropout
{
    /// <summary>An element costs four SplitMix rounds, as a corruption mask's.</summary>
    private const long MinimumPerPart = 1 << 12;

    private readonly HostBackend backend;
    private readonly WorkerPool pool;
    private readonly DropoutJob forward = new DropoutJob<Forwarding>();
    // Indexed by Backend.Activation, made up front so a call allocates nothing.
    private readonly DropoutJob[] backward = [.. Activations.All.Select(a => Activations.Visit(a, new BackwardMaker()))];

    public HostDropout(HostBackend backend, WorkerPool pool)
    {
        this.backend = backend;
        this.pool = pool;
    }

    public void Forward(Tensor<float> x, Tensor<int> indices, NoiseKey key, float probability, Tensor<float> destination)
    {
        Shapes.Dropout(x, indices, probability, destination);
        Run(forward, backend.PointerOf(x, nameof(x)), null, backend.PointerOf(indices, nameof(indices)), backend.PointerOf(destination, nameof(destination)),
            key, probability, x.Shape[0], x.RowLength);
    }

    public void Backward(Tensor<float> delta, Tensor<float> input, Activation inputActivation, Tensor<int> indices, NoiseKey key, float probability,
        Tensor<float> destination)
    {
        Shapes.DropoutBackward(delta, input, inputActivation, indices, probability, destination);
        Run(backward[(int)inputActivation], backend.PointerOf(delta, nameof(delta)), backend.PointerOf(input, nameof(input)),
            backend.PointerOf(indices, nameof(indices)), backend.PointerOf(destination, nameof(destination)), key, probability, delta.Shape[0],
            delta.RowLength);
    }

    private void Run(DropoutJob job, float* values, float* input, int* indices, float* destination, NoiseKey key, float probability, int m, int n)
    {
        if ((long)m * n == 0)
            return;
        job.Set(values, input, indices, destination, key, CounterRng.BernoulliThreshold(probability), DropoutMath.Scale(probability), m, n);
        pool.Run(job, pool.PartsFor((long)m * n, MinimumPerPart));
    }

    /// <summary>What a kept element becomes: x·scale forward, act′ of (δ·scale) through the input backward.</summary>
    private interface IKeptValue
    {
        float Apply(float value, float input, float scale);

        Vector512<float> Apply(Vector512<float> value, Vector512<float> input, Vector512<float> scale);
    }

    private readonly struct Forwarding : IKeptValue
    {
        public float Apply(float value, float input, float scale) => value * scale;

        public Vector512<float> Apply(Vector512<float> value, Vector512<float> input, Vector512<float> scale) => value * scale;
    }

    private readonly struct Backwarding<TAct> : IKeptValue where TAct : struct, IActivation
    {
        public float Apply(float value, float input, float scale) => default(TAct).Backward(value * scale, input);

        public Vector512<float> Apply(Vector512<float> value, Vector512<float> input, Vector512<float> scale) =>
            default(TAct).Backward(value * scale, input);
    }

    /// <summary>Rows [start, end) of destination [M,N]: the kept value of Values (and Input backward), or 0 where the mask of (key, indices[m], j) drops it.</summary>
    private abstract class DropoutJob : RangeJob
    {
        protected float* Values, Input, Destination;
        protected int* Indices;
        protected NoiseKey Key;
        protected ulong Threshold;
        protected float Scale;
        protected int N;

        public void Set(float* values, float* input, int* indices, float* destination, NoiseKey key, ulong threshold, float scale, int m, int n)
        {
            Values = values;
            Input = input;
            Indices = indices;
            Destination = destination;
            (Key, Threshold, Scale, N, Count) = (key, threshold, scale, n, m);
        }
    }

    private sealed class DropoutJob<TKept> : DropoutJob where TKept : struct, IKeptValue
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        protected override void Run(int start, int end)
        {
            var (n, key, threshold, scale) = (N, Key, Threshold, Scale);
            var vScale = Vector512.Create(scale);
            // Forward has no second operand: it reads its values again, which the kept value ignores.
            var input = Input == null ? Values : Input;
            for (var m = start; m < end; m++)
            {
                var offset = (long)m * n;
                var values = Values + offset;
                var inputs = input + offset;
                var destination = Destination + offset;
                var prefix = CounterRng.Prefix(key.Seed, (uint)key.Stream, key.Epoch, (uint)Indices[m]);
                var j = 0;
                for (; j + 16 <= n; j += 16)
                {
                    var v = default(TKept).Apply(Vector512.Load(values + j), Vector512.Load(inputs + j), vScale);
                    (v.AsInt32() & HostCorruption.KeepBits16(prefix, j, threshold)).AsSingle().Store(destination + j);
                }
                for (; j < n; j++)
                {
                    var v = default(TKept).Apply(values[j], inputs[j], scale);
                    var bits = HostCorruption.KeepBits((uint)(CounterRng.Last(prefix, (uint)j) >> 32), threshold);
                    destination[j] = BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(v) & bits);
                }
            }
        }
    }

    private sealed class BackwardMaker : IActivationVisitor<DropoutJob>
    {
        public DropoutJob Visit<TAct>() where TAct : struct, IActivation => new DropoutJob<Backwarding<TAct>>();
    }
}
