namespace ILGPUAE.Host.MatVec;

using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using ILGPUAE.Host.Threading;

/// <summary>
/// The K = 1 product, the weight gradient of per-example SGD: c[M,N] = alpha · u[M] ⊗ v[N] + beta · c.
/// With K = 1 both operands are contiguous vectors whatever their transposes. Parts split c's rows.
/// </summary>
internal sealed unsafe class OuterProductJob : RangeJob
{
    private const long MinimumElementsPerPart = 1 << 15;

    private readonly WorkerPool pool;
    private float* u, v, c;
    private int n;
    private float alpha, beta;

    public OuterProductJob(WorkerPool pool) => this.pool = pool;

    public void Multiply(int m, int n, float alpha, float* u, float* v, float beta, float* c)
    {
        this.u = u;
        this.v = v;
        this.c = c;
        this.n = n;
        this.alpha = alpha;
        this.beta = beta;
        Count = m;
        pool.Run(this, pool.PartsFor((long)m * n, MinimumElementsPerPart));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Run(int start, int end)
    {
        var vb = Vector512.Create(beta);
        for (var i = start; i < end; i++)
        {
            var scale = alpha * u[i];
            var vs = Vector512.Create(scale);
            var row = c + (long)i * n;
            var j = 0;
            for (; j + 16 <= n; j += 16)
            {
                var product = vs * Vector512.Load(v + j);
                if (beta != 0f)
                    product = Vector512.FusedMultiplyAdd(vb, Vector512.Load(row + j), product);
                product.Store(row + j);
            }
            for (; j < n; j++)
                row[j] = scale * v[j] + (beta == 0f ? 0f : beta * row[j]);
        }
    }
}
