namespace ILGPUAE.Host.Parzen;

using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using ILGPUAE.Backend;
using ILGPUAE.Host.Threading;

/// <summary>
/// <see cref="IParzen"/> on the host: rows split across the pool, each row's loops in Vector512. The log-densities recompute d²
/// on each pass (three operations) rather than keep a row of them, so a launch needs no scratch memory.
/// </summary>
internal sealed unsafe class HostParzen : IParzen
{
    /// <summary>An exp costs some twenty operations: a part of a few thousand is worth a hand-off.</summary>
    private const long MinimumElementsPerPart = 1 << 14;

    private readonly HostBackend backend;
    private readonly WorkerPool pool;
    private readonly SquaredNormsJob squaredNorms = new();
    private readonly LogDensitiesJob logDensities = new();

    public HostParzen(HostBackend backend, WorkerPool pool)
    {
        this.backend = backend;
        this.pool = pool;
    }

    public void SquaredNorms(Tensor<float> x, Tensor<float> norms)
    {
        Shapes.SquaredNorms(x, norms);
        squaredNorms.Set(backend.PointerOf(x, nameof(x)), backend.PointerOf(norms, nameof(norms)), x.Shape[0], x.Shape[1]);
        if (x.Shape[0] > 0)
            pool.Run(squaredNorms, pool.PartsFor(x.Length, MinimumElementsPerPart));
    }

    public void LogDensities(Tensor<float> products, Tensor<float> queryNorms, Tensor<float> centreNorms, Tensor<float> sigmas, int dimension,
        Tensor<float> logDensities)
    {
        Shapes.ParzenLogDensities(products, queryNorms, centreNorms, sigmas, dimension, logDensities);
        this.logDensities.Set(backend.PointerOf(products, nameof(products)), backend.PointerOf(queryNorms, nameof(queryNorms)),
            backend.PointerOf(centreNorms, nameof(centreNorms)), backend.PointerOf(sigmas, nameof(sigmas)), backend.PointerOf(logDensities, nameof(logDensities)),
            products.Shape[0], products.Shape[1], sigmas.Length, dimension);
        if (logDensities.Length > 0)
            pool.Run(this.logDensities, pool.PartsFor((long)products.Length * sigmas.Length, MinimumElementsPerPart));
    }

    /// <summary>norms[m] = Σ_k x[m,k]², rows [start, end).</summary>
    private sealed class SquaredNormsJob : RangeJob
    {
        private float* x, norms;
        private int k;

        public void Set(float* x, float* norms, int m, int k)
        {
            this.x = x;
            this.norms = norms;
            this.k = k;
            Count = m;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        protected override void Run(int start, int end)
        {
            for (var m = start; m < end; m++)
            {
                var row = x + (long)m * k;
                var acc = Vector512<float>.Zero;
                var j = 0;
                for (; j + Vector512<float>.Count <= k; j += Vector512<float>.Count)
                {
                    var v = Vector512.Load(row + j);
                    acc += v * v;
                }
                var sum = Vector512.Sum(acc);
                for (; j < k; j++)
                    sum += row[j] * row[j];
                norms[m] = sum;
            }
        }
    }

    /// <summary>
    /// logDensities[m,s] for rows [start, end): the smallest d² of the row, then per width Σ exp((d²min − d²)/(2σ²)) (every term ≤ 1,
    /// one of them 1), as the ILGPU kernel (ParzenKernels.LogDensities) computes it.
    /// </summary>
    private sealed class LogDensitiesJob : RangeJob
    {
        private float* products, queryNorms, centreNorms, sigmas, logDensities;
        private int n, widths;
        private float dimension, logCentres;

        public void Set(float* products, float* queryNorms, float* centreNorms, float* sigmas, float* logDensities, int m, int n, int widths, int dimension)
        {
            this.products = products;
            this.queryNorms = queryNorms;
            this.centreNorms = centreNorms;
            this.sigmas = sigmas;
            this.logDensities = logDensities;
            this.n = n;
            this.widths = widths;
            this.dimension = dimension;
            logCentres = (float)Math.Log(n);
            Count = m;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        protected override void Run(int start, int end)
        {
            const float SqrtTwoPi = 2.50662827463f;
            for (var m = start; m < end; m++)
            {
                var row = products + (long)m * n;
                var qn = queryNorms[m];
                var nearest = Nearest(row, qn);
                for (var s = 0; s < widths; s++)
                {
                    var sigma = sigmas[s];
                    var scale = 1f / (2f * sigma * sigma);
                    logDensities[(long)m * widths + s] = MathF.Log(SumExp(row, qn, nearest, scale)) - nearest * scale - logCentres
                        - dimension * MathF.Log(sigma * SqrtTwoPi);
                }
            }
        }

        /// <summary>min_n max(0, qn + ‖μ_n‖² − 2·row[n]).</summary>
        private float Nearest(float* row, float qn)
        {
            var vq = Vector512.Create(qn);
            var best = Vector512.Create(float.PositiveInfinity);
            var j = 0;
            for (; j + Vector512<float>.Count <= n; j += Vector512<float>.Count)
                best = Vector512.Min(best, Vector512.Max(Vector512<float>.Zero, vq + Vector512.Load(centreNorms + j) - Vector512.Create(2f) * Vector512.Load(row + j)));
            var result = float.PositiveInfinity;
            for (var l = 0; l < Vector512<float>.Count; l++)
                result = MathF.Min(result, best[l]);
            for (; j < n; j++)
                result = MathF.Min(result, MathF.Max(0f, qn + centreNorms[j] - 2f * row[j]));
            return result;
        }

        /// <summary>Σ_n exp((nearest − d²_n)·scale).</summary>
        private float SumExp(float* row, float qn, float nearest, float scale)
        {
            var vq = Vector512.Create(qn);
            var vNearest = Vector512.Create(nearest);
            var vScale = Vector512.Create(scale);
            var acc = Vector512<float>.Zero;
            var j = 0;
            for (; j + Vector512<float>.Count <= n; j += Vector512<float>.Count)
            {
                var d2 = Vector512.Max(Vector512<float>.Zero, vq + Vector512.Load(centreNorms + j) - Vector512.Create(2f) * Vector512.Load(row + j));
                acc += Vector512.Exp((vNearest - d2) * vScale);
            }
            var sum = Vector512.Sum(acc);
            for (; j < n; j++)
                sum += MathF.Exp((nearest - MathF.Max(0f, qn + centreNorms[j] - 2f * row[j])) * scale);
            return sum;
        }
    }
}
