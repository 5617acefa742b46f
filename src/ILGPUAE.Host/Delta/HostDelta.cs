namespace ILGPUAE.Host.Delta;

using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using ILGPUAE.Backend;
using ILGPUAE.Delta;
using ILGPUAE.Host.Threading;

/// <summary><see cref="IDelta"/> on the host: delta and the row's loss in one pass per row; rows split across the pool.</summary>
internal sealed unsafe class HostDelta : IDelta
{
    private const long MinimumElementsPerPart = 1 << 14;

    private readonly HostBackend backend;
    private readonly WorkerPool pool;
    private readonly OutputDeltaJob job = new();

    public HostDelta(HostBackend backend, WorkerPool pool)
    {
        this.backend = backend;
        this.pool = pool;
    }

    public void SigmoidOutputDelta(LossKind loss, Tensor<float> z, Tensor<float> x, float scale, Tensor<float> delta, Tensor<float> losses)
    {
        Shapes.OutputDelta(z, x, delta, losses);
        if (loss is not (LossKind.SquaredError or LossKind.CrossEntropy))
            throw new ArgumentOutOfRangeException(nameof(loss), loss, null);
        job.Set(loss, backend.PointerOf(z, nameof(z)), backend.PointerOf(x, nameof(x)), scale,
            backend.PointerOf(delta, nameof(delta)), backend.PointerOf(losses, nameof(losses)), z.Shape[0], z.RowLength);
        if (z.Length > 0)
            pool.Run(job, pool.PartsFor(z.Length, MinimumElementsPerPart));
    }

    /// <summary>For rows [start, end) of z, x, delta [M,N]: delta = scale·∂loss/∂a and losses[m] = loss of row m.</summary>
    private sealed class OutputDeltaJob : RangeJob
    {
        private LossKind loss;
        private float* z, x, delta, losses;
        private float scale;
        private int n;

        public void Set(LossKind loss, float* z, float* x, float scale, float* delta, float* losses, int m, int n)
        {
            this.loss = loss;
            this.z = z;
            this.x = x;
            this.scale = scale;
            this.delta = delta;
            this.losses = losses;
            this.n = n;
            Count = m;
        }

        protected override void Run(int start, int end)
        {
            for (var i = start; i < end; i++)
            {
                var offset = (long)i * n;
                losses[i] = loss == LossKind.SquaredError
                    ? SquaredErrorRow(z + offset, x + offset, delta + offset)
                    : CrossEntropyRow(z + offset, x + offset, delta + offset);
            }
        }

        /// <summary>delta = scale·(z − x)·z(1 − z); returns ½Σ(z − x)².</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private float SquaredErrorRow(float* z, float* x, float* delta)
        {
            var vs = Vector512.Create(scale);
            var sum = Vector512<float>.Zero;
            var j = 0;
            for (; j + 16 <= n; j += 16)
            {
                var zj = Vector512.Load(z + j);
                var d = zj - Vector512.Load(x + j);
                (vs * d * zj * (Vector512<float>.One - zj)).Store(delta + j);
                sum = Vector512.FusedMultiplyAdd(d, d, sum);
            }
            var total = Vector512.Sum(sum);
            for (; j < n; j++)
            {
                var d = z[j] - x[j];
                delta[j] = scale * d * z[j] * (1f - z[j]);
                total += d * d;
            }
            return 0.5f * total;
        }

        /// <summary>delta = scale·(z − x); returns −Σ[x log z + (1 − x) log(1 − z)], logs clamped at −100.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private float CrossEntropyRow(float* z, float* x, float* delta)
        {
            var vs = Vector512.Create(scale);
            var sum = Vector512<float>.Zero;
            var j = 0;
            for (; j + 16 <= n; j += 16)
            {
                var zj = Vector512.Load(z + j);
                var xj = Vector512.Load(x + j);
                (vs * (zj - xj)).Store(delta + j);
                sum += xj * ClampedLog(zj) + (Vector512<float>.One - xj) * ClampedLog(Vector512<float>.One - zj);
            }
            var total = Vector512.Sum(sum);
            for (; j < n; j++)
            {
                delta[j] = scale * (z[j] - x[j]);
                total += x[j] * LossMath.ClampedLog(z[j]) + (1f - x[j]) * LossMath.ClampedLog(1f - z[j]);
            }
            return -total;
        }

        /// <summary>
        /// <see cref="LossMath.ClampedLog"/> per lane: log v, at least −100 (so log 0 = −100), and NaN
        /// where v is NaN or negative, so that a diverged model reports a NaN loss.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<float> ClampedLog(Vector512<float> v)
        {
            var log = Vector512.Max(Vector512.Log(v), Vector512.Create(-100f));
            return Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(v, Vector512<float>.Zero), log, Vector512.Create(float.NaN));
        }
    }
}
