namespace ILGPUAE.Host.MatVec;

using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using ILGPUAE.Host.Threading;
using ILGPUAE.MatVec;

/// <summary>
/// The M = 1 product of per-example SGD: y[N] = alpha · x[K] · op(b) + beta · y, with x contiguous whatever
/// its transpose. Packing would cost as much as the product, so b is read in place: op(b) = b [K,N] is an
/// axpy over rows of b (decode y·W), op(b) = bᵀ with b [N,K] a dot product per row of b (encode x·Wᵀ).
/// Parts split y's columns.
/// </summary>
internal sealed unsafe class VectorMatrixJob : RangeJob
{
    /// <summary>Columns of y per axpy chunk: four Vector512 accumulators, doubled by unrolling K.</summary>
    private const int Chunk = 64;
    private const long MinimumMacsPerPart = 1 << 15;

    private readonly WorkerPool pool;
    private GemmLayout layout;
    private float* x, b, y;

    public VectorMatrixJob(WorkerPool pool) => this.pool = pool;

    public void Multiply(in GemmLayout l, float* x, float* b, float* y)
    {
        layout = l;
        this.x = x;
        this.b = b;
        this.y = y;
        Count = l.N;
        Grain = l.BCol == 1 ? Chunk : 4;
        pool.Run(this, pool.PartsFor((long)l.N * l.K, MinimumMacsPerPart));
    }

    protected override void Run(int start, int end)
    {
        var l = layout;
        if (l.BCol == 1)
            Axpy(start, end, l.BRow);
        else
            Dot(start, end, l.BCol);
    }

    /// <summary>y[j] for j in [start, end) = alpha · Σ_p x[p] · b[p·ldb + j] + beta · y[j].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Axpy(int start, int end, int ldb)
    {
        var l = layout;
        var j = start;
        for (; j + Chunk <= end; j += Chunk)
        {
            Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
            Vector512<float> t0 = default, t1 = default, t2 = default, t3 = default;
            var row = b + j;
            var p = 0;
            // Two rows of b per step: eight independent FMA chains.
            for (; p + 2 <= l.K; p += 2, row += 2 * (long)ldb)
            {
                var xp = Vector512.Create(x[p]);
                s0 = Vector512.FusedMultiplyAdd(xp, Vector512.Load(row), s0);
                s1 = Vector512.FusedMultiplyAdd(xp, Vector512.Load(row + 16), s1);
                s2 = Vector512.FusedMultiplyAdd(xp, Vector512.Load(row + 32), s2);
                s3 = Vector512.FusedMultiplyAdd(xp, Vector512.Load(row + 48), s3);
                var xq = Vector512.Create(x[p + 1]);
                var next = row + ldb;
                t0 = Vector512.FusedMultiplyAdd(xq, Vector512.Load(next), t0);
                t1 = Vector512.FusedMultiplyAdd(xq, Vector512.Load(next + 16), t1);
                t2 = Vector512.FusedMultiplyAdd(xq, Vector512.Load(next + 32), t2);
                t3 = Vector512.FusedMultiplyAdd(xq, Vector512.Load(next + 48), t3);
            }
            if (p < l.K)
            {
                var xp = Vector512.Create(x[p]);
                s0 = Vector512.FusedMultiplyAdd(xp, Vector512.Load(row), s0);
                s1 = Vector512.FusedMultiplyAdd(xp, Vector512.Load(row + 16), s1);
                s2 = Vector512.FusedMultiplyAdd(xp, Vector512.Load(row + 32), s2);
                s3 = Vector512.FusedMultiplyAdd(xp, Vector512.Load(row + 48), s3);
            }
            Store(y + j, s0 + t0, l.Alpha, l.Beta);
            Store(y + j + 16, s1 + t1, l.Alpha, l.Beta);
            Store(y + j + 32, s2 + t2, l.Alpha, l.Beta);
            Store(y + j + 48, s3 + t3, l.Alpha, l.Beta);
        }
        for (; j + 16 <= end; j += 16)
        {
            var s = Vector512<float>.Zero;
            var row = b + j;
            for (var p = 0; p < l.K; p++, row += ldb)
                s = Vector512.FusedMultiplyAdd(Vector512.Create(x[p]), Vector512.Load(row), s);
            Store(y + j, s, l.Alpha, l.Beta);
        }
        for (; j < end; j++)
        {
            var s = 0f;
            for (var p = 0; p < l.K; p++)
                s += x[p] * b[(long)p * ldb + j];
            y[j] = l.Alpha * s + (l.Beta == 0f ? 0f : l.Beta * y[j]);
        }
    }

    /// <summary>y[j] for j in [start, end) = alpha · dot(x, b[j·ldb .. +K)) + beta · y[j], four rows of b at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Dot(int start, int end, int ldb)
    {
        var l = layout;
        var j = start;
        for (; j + 4 <= end; j += 4)
        {
            var r0 = b + (long)j * ldb;
            var r1 = r0 + ldb;
            var r2 = r1 + ldb;
            var r3 = r2 + ldb;
            Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
            Vector512<float> t0 = default, t1 = default, t2 = default, t3 = default;
            var p = 0;
            for (; p + 32 <= l.K; p += 32)
            {
                var x0 = Vector512.Load(x + p);
                var x1 = Vector512.Load(x + p + 16);
                s0 = Vector512.FusedMultiplyAdd(x0, Vector512.Load(r0 + p), s0);
                s1 = Vector512.FusedMultiplyAdd(x0, Vector512.Load(r1 + p), s1);
                s2 = Vector512.FusedMultiplyAdd(x0, Vector512.Load(r2 + p), s2);
                s3 = Vector512.FusedMultiplyAdd(x0, Vector512.Load(r3 + p), s3);
                t0 = Vector512.FusedMultiplyAdd(x1, Vector512.Load(r0 + p + 16), t0);
                t1 = Vector512.FusedMultiplyAdd(x1, Vector512.Load(r1 + p + 16), t1);
                t2 = Vector512.FusedMultiplyAdd(x1, Vector512.Load(r2 + p + 16), t2);
                t3 = Vector512.FusedMultiplyAdd(x1, Vector512.Load(r3 + p + 16), t3);
            }
            if (p + 16 <= l.K)
            {
                var x0 = Vector512.Load(x + p);
                s0 = Vector512.FusedMultiplyAdd(x0, Vector512.Load(r0 + p), s0);
                s1 = Vector512.FusedMultiplyAdd(x0, Vector512.Load(r1 + p), s1);
                s2 = Vector512.FusedMultiplyAdd(x0, Vector512.Load(r2 + p), s2);
                s3 = Vector512.FusedMultiplyAdd(x0, Vector512.Load(r3 + p), s3);
                p += 16;
            }
            float d0 = Vector512.Sum(s0 + t0), d1 = Vector512.Sum(s1 + t1), d2 = Vector512.Sum(s2 + t2), d3 = Vector512.Sum(s3 + t3);
            for (; p < l.K; p++)
            {
                d0 += x[p] * r0[p];
                d1 += x[p] * r1[p];
                d2 += x[p] * r2[p];
                d3 += x[p] * r3[p];
            }
            Store(y + j, d0, l.Alpha, l.Beta);
            Store(y + j + 1, d1, l.Alpha, l.Beta);
            Store(y + j + 2, d2, l.Alpha, l.Beta);
            Store(y + j + 3, d3, l.Alpha, l.Beta);
        }
        for (; j < end; j++)
        {
            var row = b + (long)j * ldb;
            var s = Vector512<float>.Zero;
            var p = 0;
            for (; p + 16 <= l.K; p += 16)
                s = Vector512.FusedMultiplyAdd(Vector512.Load(x + p), Vector512.Load(row + p), s);
            var d = Vector512.Sum(s);
            for (; p < l.K; p++)
                d += x[p] * row[p];
            Store(y + j, d, l.Alpha, l.Beta);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* y, Vector512<float> sum, float alpha, float beta)
    {
        var result = Vector512.Create(alpha) * sum;
        if (beta != 0f)
            result = Vector512.FusedMultiplyAdd(Vector512.Create(beta), Vector512.Load(y), result);
        result.Store(y);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* y, float sum, float alpha, float beta) =>
        *y = alpha * sum + (beta == 0f ? 0f : beta * *y);
}
