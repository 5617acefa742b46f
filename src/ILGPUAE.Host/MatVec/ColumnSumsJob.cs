namespace ILGPUAE.Host.MatVec;

using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using ILGPUAE.Host.Threading;

/// <summary>sums[N] = alpha · Σ_m a[m, :] + beta · sums for a [M,N] (bias gradients or updates); parts split the columns.</summary>
internal sealed unsafe class ColumnSumsJob : RangeJob
{
    private const int Chunk = 64;
    private const long MinimumElementsPerPart = 1 << 15;

    private readonly WorkerPool pool;
    private float* a, sums;
    private int m, n;
    private float alpha, beta;

    public ColumnSumsJob(WorkerPool pool) => this.pool = pool;

    public void Sum(int m, int n, float alpha, float* a, float beta, float* sums)
    {
        this.alpha = alpha;
        this.a = a;
        this.sums = sums;
        this.m = m;
        this.n = n;
        this.beta = beta;
        Count = n;
        Grain = Chunk;
        pool.Run(this, pool.PartsFor((long)m * n, MinimumElementsPerPart));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Run(int start, int end)
    {
        var j = start;
        for (; j + Chunk <= end; j += Chunk)
        {
            Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
            var row = a + j;
            for (var i = 0; i < m; i++, row += n)
            {
                s0 += Vector512.Load(row);
                s1 += Vector512.Load(row + 16);
                s2 += Vector512.Load(row + 32);
                s3 += Vector512.Load(row + 48);
            }
            Store(sums + j, s0);
            Store(sums + j + 16, s1);
            Store(sums + j + 32, s2);
            Store(sums + j + 48, s3);
        }
        for (; j + 16 <= end; j += 16)
        {
            var s = Vector512<float>.Zero;
            var row = a + j;
            for (var i = 0; i < m; i++, row += n)
                s += Vector512.Load(row);
            Store(sums + j, s);
        }
        for (; j < end; j++)
        {
            var s = 0f;
            for (var i = 0; i < m; i++)
                s += a[(long)i * n + j];
            sums[j] = alpha * s + (beta == 0f ? 0f : beta * sums[j]);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Store(float* destination, Vector512<float> sum)
    {
        if (alpha != 1f)
            sum *= Vector512.Create(alpha);
        if (beta != 0f)
            sum = Vector512.FusedMultiplyAdd(Vector512.Create(beta), Vector512.Load(destination), sum);
        sum.Store(destination);
    }
}
