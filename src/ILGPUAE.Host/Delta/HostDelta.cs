namespace ILGPUAE.Host.Delta;

using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using ILGPUAE.Activation;
using ILGPUAE.Backend;
using ILGPUAE.Delta;
using ILGPUAE.Host.Threading;

/// <summary>
/// <see cref="IDelta"/> on the host: delta and the row's loss in one pass per row; rows split across the pool. The activity
/// L1 pass is generic over the activation struct, one job per activation made up front, so a call allocates nothing.
/// </summary>
internal sealed unsafe class HostDelta : IDelta
{
    private const long MinimumElementsPerPart = 1 << 14;

    private readonly HostBackend backend;
    private readonly WorkerPool pool;
    private readonly OutputDeltaJob job = new();
    private readonly ContractiveUnitsJob contractiveUnits = new();
    private readonly ContractiveRowsJob contractiveRows = new();

    // Indexed by Backend.Activation.
    private readonly RangeJob<ActivityL1Args>[] activityL1;
    private readonly RangeJob<KlSparsityArgs>[] klSparsity;

    public HostDelta(HostBackend backend, WorkerPool pool)
    {
        this.backend = backend;
        this.pool = pool;
        activityL1 = [.. Activations.All.Select(a => Activations.Visit(a, new ActivityL1JobMaker()))];
        klSparsity = [.. Activations.All.Select(a => Activations.Visit(a, new KlSparsityJobMaker()))];
    }

    public void SigmoidOutputDelta(LossKind loss, Tensor<float> z, Tensor<float> x, float scale, Tensor<float> delta, Tensor<float> losses)
    {
        Shapes.OutputDelta(z, x, delta, losses);
        if (loss is not (LossKind.SquaredError or LossKind.CrossEntropy))
            throw new ArgumentOutOfRangeException(nameof(loss), loss, null);
        job.Set(new OutputDeltaArgs(loss, backend.PointerOf(z, nameof(z)), backend.PointerOf(x, nameof(x)), scale,
            backend.PointerOf(delta, nameof(delta)), backend.PointerOf(losses, nameof(losses)), z.RowLength, z.Shape[0]), z.Shape[0]);
        pool.Run(job, z.Length, MinimumElementsPerPart);
    }

    /// <summary><see cref="SigmoidOutputDelta"/>'s row job with no delta to store: the same sums, so the same losses bit for bit.</summary>
    public void SigmoidOutputLosses(LossKind loss, Tensor<float> z, Tensor<float> x, Tensor<float> losses)
    {
        Shapes.OutputLosses(z, x, losses);
        if (loss is not (LossKind.SquaredError or LossKind.CrossEntropy))
            throw new ArgumentOutOfRangeException(nameof(loss), loss, null);
        job.Set(new OutputDeltaArgs(loss, backend.PointerOf(z, nameof(z)), backend.PointerOf(x, nameof(x)), 0f, null,
            backend.PointerOf(losses, nameof(losses)), z.RowLength, x.Shape[0]), z.Shape[0]);
        pool.Run(job, z.Length, MinimumElementsPerPart);
    }

    /// <summary>One pass on the calling thread: the smooth step runs on ANAMO's codes (a few hundred values a row), too few to split.</summary>
    public void SmoothStep(Tensor<float> x, float epsilon, Tensor<float> y)
    {
        Shapes.SmoothStep(x, epsilon, y, nameof(y));
        var xp = backend.PointerOf(x, nameof(x));
        var yp = backend.PointerOf(y, nameof(y));
        var inverse = 1f / epsilon;
        for (var i = 0; i < x.Length; i++)
            yp[i] = ILGPUAE.Activation.SmoothStep.Value(xp[i], inverse);
    }

    public void SmoothStepBackward(Tensor<float> x, Tensor<float> delta, float epsilon, Tensor<float> inputDelta)
    {
        Shapes.SmoothStep(x, epsilon, delta, nameof(delta));
        Shapes.SmoothStep(x, epsilon, inputDelta, nameof(inputDelta));
        var xp = backend.PointerOf(x, nameof(x));
        var dp = backend.PointerOf(delta, nameof(delta));
        var ip = backend.PointerOf(inputDelta, nameof(inputDelta));
        var inverse = 1f / epsilon;
        for (var i = 0; i < x.Length; i++)
            ip[i] = dp[i] * ILGPUAE.Activation.SmoothStep.Slope(xp[i], inverse);
    }

    public void ActivityL1(Tensor<float> y, Tensor<float> delta, Backend.Activation inputActivation, float lambda, float scale,
        Tensor<float> inputDelta, Tensor<float> losses)
    {
        Shapes.ActivityL1(y, delta, inputActivation, inputDelta, losses);
        var job = activityL1[(int)inputActivation];
        job.Set(new ActivityL1Args(backend.PointerOf(y, nameof(y)), backend.PointerOf(delta, nameof(delta)), lambda, scale * lambda,
            backend.PointerOf(inputDelta, nameof(inputDelta)), backend.PointerOf(losses, nameof(losses)), y.RowLength), y.Shape[0]);
        pool.Run(job, y.Length, MinimumElementsPerPart);
    }

    /// <summary>
    /// The KL sum once, here (N terms, in order, in float: what each row of the ILGPU kernel sums), then per row its loss and δ.
    /// </summary>
    public void KlSparsity(Tensor<float> y, Tensor<float> delta, Tensor<float> meanActivation, Backend.Activation inputActivation, float rho,
        float beta, float scale, Tensor<float> inputDelta, Tensor<float> losses)
    {
        Shapes.KlSparsity(y, delta, meanActivation, inputActivation, inputDelta, losses);
        var n = y.Shape[1];
        var mean = backend.PointerOf(meanActivation, nameof(meanActivation));
        var sum = 0f;
        for (var j = 0; j < n; j++)
            sum += LossMath.KlDivergence(rho, LossMath.KlClamp(mean[j]));
        var job = klSparsity[(int)inputActivation];
        job.Set(new KlSparsityArgs(backend.PointerOf(y, nameof(y)), backend.PointerOf(delta, nameof(delta)), mean,
            backend.PointerOf(inputDelta, nameof(inputDelta)), backend.PointerOf(losses, nameof(losses)), n, rho, scale * beta, beta * sum), y.Shape[0]);
        pool.Run(job, y.Length, MinimumElementsPerPart);
    }

    /// <summary>
    /// For rows [start, end) of y, delta, inputDelta [M,N]: losses[m] += loss (β·ΣKL, the same for every row) and
    /// inputDelta = act′ through y of (delta + penalty·KL′(ρ, r_j)), r = the clamped mean activations [N]. Each element of delta is
    /// loaded before inputDelta's is stored, so they may be one tensor.
    /// </summary>
    private readonly struct KlSparsityArgs(float* y, float* delta, float* meanActivation, float* inputDelta, float* losses, int n, float rho,
        float penalty, float loss)
    {
        public readonly float* Y = y, Delta = delta, MeanActivation = meanActivation, InputDelta = inputDelta, Losses = losses;
        public readonly int N = n;
        public readonly float Rho = rho, Penalty = penalty, Loss = loss;
    }

    private sealed class KlSparsityJob<TAct> : RangeJob<KlSparsityArgs> where TAct : struct, IActivation
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        protected override void Run(int start, int end)
        {
            var (n, rho, penalty) = (Args.N, Args.Rho, Args.Penalty);
            var mean = Args.MeanActivation;
            var (vRho, vOneMinusRho, vPenalty) = (Vector512.Create(rho), Vector512.Create(1f - rho), Vector512.Create(penalty));
            var (low, high) = (Vector512.Create(LossMath.KlClampLow), Vector512.Create(LossMath.KlClampHigh));
            for (var i = start; i < end; i++)
            {
                var offset = (long)i * n;
                var y = Args.Y + offset;
                var delta = Args.Delta + offset;
                var inputDelta = Args.InputDelta + offset;
                var j = 0;
                for (; j + 16 <= n; j += 16)
                {
                    // LossMath.KlClamp and KlGradient lane by lane, the same operations in the same order.
                    var m = Vector512.Load(mean + j);
                    var r = Vector512.ConditionalSelect(Vector512.LessThan(m, low), low, Vector512.ConditionalSelect(Vector512.GreaterThan(m, high), high, m));
                    var gradient = vOneMinusRho / (Vector512<float>.One - r) - vRho / r;
                    default(TAct).Backward(Vector512.Load(delta + j) + vPenalty * gradient, Vector512.Load(y + j)).Store(inputDelta + j);
                }
                for (; j < n; j++)
                    inputDelta[j] = default(TAct).Backward(delta[j] + penalty * LossMath.KlGradient(rho, LossMath.KlClamp(mean[j])), y[j]);
                Args.Losses[i] += Args.Loss;
            }
        }
    }

    private sealed class KlSparsityJobMaker : IActivationVisitor<RangeJob<KlSparsityArgs>>
    {
        public RangeJob<KlSparsityArgs> Visit<TAct>() where TAct : struct, IActivation => new KlSparsityJob<TAct>();
    }

    /// <summary>Two passes: per unit the row norms and W's direct term, then per example the loss and the δ, which read the norms.</summary>
    public void ContractiveSigmoid(Tensor<float> h, Tensor<float> delta, Tensor<float> weights, float lambda, float scale, Tensor<float> preDelta,
        Tensor<float> weightsGrad, float gradientBeta, Tensor<float> rowNorms, Tensor<float> losses)
    {
        Shapes.ContractiveSigmoid(h, delta, weights, preDelta, weightsGrad, rowNorms, losses);
        var (m, n, k) = (h.Shape[0], h.Shape[1], weights.Shape[1]);
        var hp = backend.PointerOf(h, nameof(h));
        var ap = backend.PointerOf(rowNorms, nameof(rowNorms));
        var twoLambdaScale = 2f * lambda * scale;
        contractiveUnits.Set(new ContractiveUnitsArgs(hp, backend.PointerOf(weights, nameof(weights)),
            backend.PointerOf(weightsGrad, nameof(weightsGrad)), ap, m, n, k, twoLambdaScale, gradientBeta), n);
        // Not Run(job, work, …): a layer of no inputs (k = 0) still has its norms, 0, written.
        if (n > 0)
            pool.Run(contractiveUnits, pool.PartsFor((long)n * (m + 2L * k), MinimumElementsPerPart));
        contractiveRows.Set(new ContractiveRowsArgs(hp, backend.PointerOf(delta, nameof(delta)), ap, backend.PointerOf(preDelta, nameof(preDelta)),
            backend.PointerOf(losses, nameof(losses)), n, lambda, twoLambdaScale), m);
        pool.Run(contractiveRows, h.Length, MinimumElementsPerPart);
    }

    /// <summary>
    /// For units [start, end) of h [M,N] and W [N,K]: a_j = Σ_k W[j,k]² into rowNorms, and W's direct term
    /// weightsGrad[j,:] = beta·weightsGrad[j,:] + twoLambdaScale·(Σ_m s[m,j]²)·W[j,:], s = h(1 − h), the old row unread at beta 0. The column of h is strided: N is a layer's width, small.
    /// </summary>
    private readonly struct ContractiveUnitsArgs(float* h, float* weights, float* weightsGrad, float* rowNorms, int m, int n, int k,
        float twoLambdaScale, float beta)
    {
        public readonly float* H = h, Weights = weights, WeightsGrad = weightsGrad, RowNorms = rowNorms;
        public readonly int M = m, N = n, K = k;
        public readonly float TwoLambdaScale = twoLambdaScale, Beta = beta;
    }

    private sealed class ContractiveUnitsJob : RangeJob<ContractiveUnitsArgs>
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        protected override void Run(int start, int end)
        {
            float* h = Args.H, weights = Args.Weights, weightsGrad = Args.WeightsGrad, rowNorms = Args.RowNorms;
            var (m, n, k, twoLambdaScale, beta) = (Args.M, Args.N, Args.K, Args.TwoLambdaScale, Args.Beta);
            for (var j = start; j < end; j++)
            {
                var w = weights + (long)j * k;
                var g = weightsGrad + (long)j * k;
                var sum = Vector512<float>.Zero;
                var c = 0;
                for (; c + 16 <= k; c += 16)
                {
                    var wc = Vector512.Load(w + c);
                    sum = Vector512.FusedMultiplyAdd(wc, wc, sum);
                }
                var a = Vector512.Sum(sum);
                for (; c < k; c++)
                    a += w[c] * w[c];
                var squares = 0f;
                for (var i = 0; i < m; i++)
                {
                    var hv = h[(long)i * n + j];
                    var sv = hv * (1f - hv);
                    squares += sv * sv;
                }
                rowNorms[j] = a;
                var factor = twoLambdaScale * squares;
                var vf = Vector512.Create(factor);
                c = 0;
                if (beta == 0f)
                {
                    for (; c + 16 <= k; c += 16)
                        (vf * Vector512.Load(w + c)).Store(g + c);
                    for (; c < k; c++)
                        g[c] = factor * w[c];
                    continue;
                }
                var vb = Vector512.Create(beta);
                for (; c + 16 <= k; c += 16)
                    Vector512.FusedMultiplyAdd(vf, Vector512.Load(w + c), vb * Vector512.Load(g + c)).Store(g + c);
                for (; c < k; c++)
                    g[c] = beta * g[c] + factor * w[c];
            }
        }
    }

    /// <summary>
    /// For rows [start, end) of h, delta, preDelta [M,N]: losses[m] += lambda·Σ_j a_j·s² and
    /// preDelta = delta·s + twoLambdaScale·a·s²·(1 − 2h), s = h(1 − h), in one pass; delta is loaded before preDelta is stored.
    /// </summary>
    private readonly struct ContractiveRowsArgs(float* h, float* delta, float* rowNorms, float* preDelta, float* losses, int n, float lambda,
        float twoLambdaScale)
    {
        public readonly float* H = h, Delta = delta, RowNorms = rowNorms, PreDelta = preDelta, Losses = losses;
        public readonly int N = n;
        public readonly float Lambda = lambda, TwoLambdaScale = twoLambdaScale;
    }

    private sealed class ContractiveRowsJob : RangeJob<ContractiveRowsArgs>
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        protected override void Run(int start, int end)
        {
            float* h = Args.H, delta = Args.Delta, rowNorms = Args.RowNorms, preDelta = Args.PreDelta, losses = Args.Losses;
            var (n, lambda, twoLambdaScale) = (Args.N, Args.Lambda, Args.TwoLambdaScale);
            var one = Vector512<float>.One;
            var two = Vector512.Create(2f);
            var vt = Vector512.Create(twoLambdaScale);
            for (var i = start; i < end; i++)
            {
                var offset = (long)i * n;
                var hr = h + offset;
                var dr = delta + offset;
                var pr = preDelta + offset;
                var sum = Vector512<float>.Zero;
                var j = 0;
                for (; j + 16 <= n; j += 16)
                {
                    var hv = Vector512.Load(hr + j);
                    var sv = hv * (one - hv);
                    var a = Vector512.Load(rowNorms + j);
                    var as2 = a * sv * sv;
                    sum += as2;
                    (Vector512.Load(dr + j) * sv + vt * as2 * (one - two * hv)).Store(pr + j);
                }
                var total = Vector512.Sum(sum);
                for (; j < n; j++)
                {
                    var hv = hr[j];
                    var sv = hv * (1f - hv);
                    var as2 = rowNorms[j] * sv * sv;
                    total += as2;
                    pr[j] = dr[j] * sv + twoLambdaScale * as2 * (1f - 2f * hv);
                }
                losses[i] += lambda * total;
            }
        }
    }

    /// <summary>
    /// For rows [start, end) of y, delta, inputDelta [M,N]: losses[m] += lambda·Σ_j |y[m,j]| and inputDelta = act′ through y of
    /// (delta + penalty·sign(y)), in one pass. Each element of delta is loaded before inputDelta's is stored, so they may be one tensor.
    /// </summary>
    private readonly struct ActivityL1Args(float* y, float* delta, float lambda, float penalty, float* inputDelta, float* losses, int n)
    {
        public readonly float* Y = y, Delta = delta, InputDelta = inputDelta, Losses = losses;
        public readonly float Lambda = lambda, Penalty = penalty;
        public readonly int N = n;
    }

    private sealed class ActivityL1Job<TAct> : RangeJob<ActivityL1Args> where TAct : struct, IActivation
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        protected override void Run(int start, int end)
        {
            var n = Args.N;
            var penalty = Args.Penalty;
            var vp = Vector512.Create(penalty);
            for (var i = start; i < end; i++)
            {
                var offset = (long)i * n;
                var y = Args.Y + offset;
                var delta = Args.Delta + offset;
                var inputDelta = Args.InputDelta + offset;
                var sum = Vector512<float>.Zero;
                var j = 0;
                for (; j + 16 <= n; j += 16)
                {
                    var yj = Vector512.Load(y + j);
                    sum += Vector512.Abs(yj);
                    default(TAct).Backward(Vector512.Load(delta + j) + vp * Sign(yj), yj).Store(inputDelta + j);
                }
                var total = Vector512.Sum(sum);
                for (; j < n; j++)
                {
                    total += MathF.Abs(y[j]);
                    inputDelta[j] = default(TAct).Backward(LossMath.L1Gradient(delta[j], penalty, y[j]), y[j]);
                }
                Args.Losses[i] += Args.Lambda * total;
            }
        }

        /// <summary><see cref="LossMath.Sign"/> per lane: 1, −1, or v itself (±0, NaN).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<float> Sign(Vector512<float> v) =>
            Vector512.ConditionalSelect(Vector512.GreaterThan(v, Vector512<float>.Zero), Vector512<float>.One,
                Vector512.ConditionalSelect(Vector512.LessThan(v, Vector512<float>.Zero), Vector512.Create(-1f), v));
    }

    private sealed class ActivityL1JobMaker : IActivationVisitor<RangeJob<ActivityL1Args>>
    {
        public RangeJob<ActivityL1Args> Visit<TAct>() where TAct : struct, IActivation => new ActivityL1Job<TAct>();
    }

    /// <summary>
    /// For rows [start, end) of z, delta [M,N] and x [XRows,N]: delta = scale·∂loss/∂a (none when delta is null) and losses[m] = loss of
    /// z's row m against x's row m mod XRows.
    /// </summary>
    private readonly struct OutputDeltaArgs(LossKind loss, float* z, float* x, float scale, float* delta, float* losses, int n, int xRows)
    {
        public readonly LossKind Loss = loss;
        public readonly float* Z = z, X = x, Delta = delta, Losses = losses;
        public readonly float Scale = scale;
        public readonly int N = n, XRows = xRows;
    }

    private sealed class OutputDeltaJob : RangeJob<OutputDeltaArgs>
    {
        protected override void Run(int start, int end)
        {
            var (loss, n) = (Args.Loss, Args.N);
            float* z = Args.Z, x = Args.X, delta = Args.Delta, losses = Args.Losses;
            for (var i = start; i < end; i++)
            {
                var offset = (long)i * n;
                var xOffset = (long)(i % Args.XRows) * n;
                var rowDelta = delta == null ? null : delta + offset;
                losses[i] = loss == LossKind.SquaredError
                    ? SquaredErrorRow(z + offset, x + xOffset, rowDelta)
                    : CrossEntropyRow(z + offset, x + xOffset, rowDelta);
            }
        }

        /// <summary>delta = scale·(z − x)·z(1 − z) unless delta is null; returns ½Σ(z − x)².</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private float SquaredErrorRow(float* z, float* x, float* delta)
        {
            var vs = Vector512.Create(Args.Scale);
            var sum = Vector512<float>.Zero;
            var j = 0;
            for (; j + 16 <= Args.N; j += 16)
            {
                var zj = Vector512.Load(z + j);
                var d = zj - Vector512.Load(x + j);
                if (delta != null)
                    (vs * d * zj * (Vector512<float>.One - zj)).Store(delta + j);
                sum = Vector512.FusedMultiplyAdd(d, d, sum);
            }
            var total = Vector512.Sum(sum);
            for (; j < Args.N; j++)
            {
                var d = z[j] - x[j];
                if (delta != null)
                    delta[j] = Args.Scale * d * z[j] * (1f - z[j]);
                total += d * d;
            }
            return 0.5f * total;
        }

        /// <summary>delta = scale·(z − x) unless delta is null; returns −Σ[x log z + (1 − x) log(1 − z)], logs clamped at −100.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private float CrossEntropyRow(float* z, float* x, float* delta)
        {
            var vs = Vector512.Create(Args.Scale);
            var sum = Vector512<float>.Zero;
            var j = 0;
            for (; j + 16 <= Args.N; j += 16)
            {
                var zj = Vector512.Load(z + j);
                var xj = Vector512.Load(x + j);
                if (delta != null)
                    (vs * (zj - xj)).Store(delta + j);
                sum += xj * ClampedLog(zj) + (Vector512<float>.One - xj) * ClampedLog(Vector512<float>.One - zj);
            }
            var total = Vector512.Sum(sum);
            for (; j < Args.N; j++)
            {
                if (delta != null)
                    delta[j] = Args.Scale * (z[j] - x[j]);
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
