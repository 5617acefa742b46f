namespace ILGPUAE.Host.Optimizer;

using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using ILGPUAE.Backend;
using ILGPUAE.Host.Threading;
using ILGPUAE.Optimizer;

/// <summary>
/// <see cref="IOptimizer"/> on the host: one pass over param, grad and the state tensors, ranges split across the pool.
/// One job object per rule, set before each run, so a step allocates nothing.
/// </summary>
internal sealed unsafe class HostOptimizer : IOptimizer
{
    private const long MinimumElementsPerPart = 1 << 15;

    private readonly HostBackend backend;
    private readonly WorkerPool pool;
    private readonly SgdJob job = new();
    private readonly ElementJob<SgdRuleUpdate> sgdRule = new();
    private readonly ElementJob<RmsPropUpdate> rmsProp = new();
    private readonly ElementJob<AdamUpdate> adam = new();
    private readonly ElementJob<FistaUpdate> fista = new();
    private readonly SquaredNormJob squaredNorm;
    private readonly ScaleJob scale = new();

    public HostOptimizer(HostBackend backend, WorkerPool pool)
    {
        this.backend = backend;
        this.pool = pool;
        squaredNorm = new SquaredNormJob(pool.Workers);
    }

    public void Sgd(Tensor<float> param, Tensor<float> grad, Tensor<float>? velocity, float learningRate, float momentum)
    {
        Shapes.Sgd(param, grad, velocity, momentum);
        var pv = momentum != 0f ? backend.PointerOf(velocity!, nameof(velocity)) : null;
        job.Set(backend.PointerOf(param, nameof(param)), backend.PointerOf(grad, nameof(grad)), pv, learningRate, momentum, param.Length);
        if (param.Length > 0)
            pool.Run(job, pool.PartsFor(param.Length, MinimumElementsPerPart));
    }

    public void Sgd(Tensor<float> param, Tensor<float> grad, Tensor<float>? momentumBuffer, SgdSettings settings, long step)
    {
        Shapes.SgdRule(param, grad, momentumBuffer, settings, step);
        var p = backend.PointerOf(param, nameof(param));
        sgdRule.Set(new SgdRuleUpdate(p, backend.PointerOf(grad, nameof(grad)),
            StateOrNull(settings.Momentum != 0f ? momentumBuffer : null, "momentum_buffer"), new SgdStep(settings, step)), param.Length);
        Run(sgdRule, param.Length);
    }

    public void RmsProp(Tensor<float> param, Tensor<float> grad, Tensor<float> squareAvg, Tensor<float>? gradAvg, Tensor<float>? momentumBuffer,
        RmsPropSettings settings)
    {
        Shapes.RmsProp(param, grad, squareAvg, gradAvg, momentumBuffer, settings);
        rmsProp.Set(new RmsPropUpdate(backend.PointerOf(param, nameof(param)), backend.PointerOf(grad, nameof(grad)), backend.PointerOf(squareAvg, "square_avg"),
            StateOrNull(settings.Centered ? gradAvg : null, "grad_avg"), StateOrNull(settings.Momentum > 0f ? momentumBuffer : null, "momentum_buffer"),
            new RmsPropStep(settings)), param.Length);
        Run(rmsProp, param.Length);
    }

    public void Adam(Tensor<float> param, Tensor<float> grad, Tensor<float> expAvg, Tensor<float> expAvgSq, AdamSettings settings, long step)
    {
        Shapes.Adam(param, grad, expAvg, expAvgSq, step);
        adam.Set(new AdamUpdate(backend.PointerOf(param, nameof(param)), backend.PointerOf(grad, nameof(grad)), backend.PointerOf(expAvg, "exp_avg"),
            backend.PointerOf(expAvgSq, "exp_avg_sq"), new AdamStep(settings, step)), param.Length);
        Run(adam, param.Length);
    }

    public void Fista(Tensor<float> param, Tensor<float> grad, Tensor<float> previous, FistaSettings settings, long step)
    {
        Shapes.Fista(param, grad, previous, settings, step);
        fista.Set(new FistaUpdate(backend.PointerOf(param, nameof(param)), backend.PointerOf(grad, nameof(grad)), backend.PointerOf(previous, nameof(previous)),
            new FistaStep(settings, step)), param.Length);
        Run(fista, param.Length);
    }

    /// <summary>
    /// Per gradient, one squared-norm partial per part (double); their sum in part order gives norm [2], written through its
    /// pointer as a device would, then every gradient is scaled by norm[1].
    /// </summary>
    public void ClipGradNorm(IReadOnlyList<Tensor<float>> grads, float maxNorm, Tensor<float> norm)
    {
        Shapes.ClipGradNorm(grads, maxNorm, norm);
        var nv = backend.PointerOf(norm, nameof(norm));
        var total = 0.0;
        for (var k = 0; k < grads.Count; k++)
        {
            var length = grads[k].Length;
            if (length == 0)
                continue;
            var parts = pool.PartsFor(length, MinimumElementsPerPart);
            squaredNorm.Set(backend.PointerOf(grads[k], nameof(grads)), length);
            pool.Run(squaredNorm, parts);
            total += squaredNorm.Sum(parts);
        }
        var n = (float)Math.Sqrt(total);
        nv[0] = n;
        nv[1] = MathF.Min(1f, maxNorm / (n + OptimizerMath.ClipEpsilon));
        for (var k = 0; k < grads.Count; k++)
        {
            scale.Set(backend.PointerOf(grads[k], nameof(grads)), nv[1], grads[k].Length);
            Run(scale, grads[k].Length);
        }
    }

    private float* StateOrNull(Tensor<float>? state, string name) => state is null ? null : backend.PointerOf(state, name);

    private void Run(RangeJob rangeJob, int length)
    {
        if (length > 0)
            pool.Run(rangeJob, pool.PartsFor(length, MinimumElementsPerPart));
    }

    /// <summary>PyTorch's SGD on elements [start, end): v ← μv + g, p ← p − lr·v; or p ← p − lr·g when μ = 0.</summary>
    private sealed class SgdJob : RangeJob
    {
        private float* param, grad, velocity;
        private float learningRate, momentum;

        public void Set(float* param, float* grad, float* velocity, float learningRate, float momentum, int length)
        {
            this.param = param;
            this.grad = grad;
            this.velocity = velocity;
            this.learningRate = learningRate;
            this.momentum = momentum;
            Count = length;
            Grain = 16;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        protected override void Run(int start, int end)
        {
            var lr = Vector512.Create(learningRate);
            var mu = Vector512.Create(momentum);
            var i = start;
            if (velocity is null)
            {
                for (; i + 16 <= end; i += 16)
                    (Vector512.Load(param + i) - lr * Vector512.Load(grad + i)).Store(param + i);
                for (; i < end; i++)
                    param[i] -= learningRate * grad[i];
                return;
            }
            for (; i + 16 <= end; i += 16)
            {
                var v = Vector512.FusedMultiplyAdd(mu, Vector512.Load(velocity + i), Vector512.Load(grad + i));
                v.Store(velocity + i);
                (Vector512.Load(param + i) - lr * v).Store(param + i);
            }
            for (; i < end; i++)
            {
                var v = momentum * velocity[i] + grad[i];
                velocity[i] = v;
                param[i] -= learningRate * v;
            }
        }
    }

    /// <summary>
    /// One element's update of a rule, by index: the rule's per-element arithmetic (its <c>Update</c> in Contracts) on its
    /// tensors; <see cref="Apply16"/> runs the same arithmetic on elements [i, i + 16) (its Vector512 overload, the same bits).
    /// </summary>
    private interface IElementUpdate
    {
        void Apply(int i);

        void Apply16(int i);
    }

    /// <summary>A rule's update on elements [start, end): the ILGPU kernel's arithmetic, 16 lanes at a time, then the tail one by one.</summary>
    private sealed class ElementJob<TUpdate> : RangeJob where TUpdate : struct, IElementUpdate
    {
        private TUpdate update;

        public void Set(TUpdate update, int length)
        {
            this.update = update;
            Count = length;
            Grain = 16;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        protected override void Run(int start, int end)
        {
            var i = start;
            for (; i + 16 <= end; i += 16)
                update.Apply16(i);
            for (; i < end; i++)
                update.Apply(i);
        }
    }

    /// <summary>torch.optim.SGD; buf null when μ = 0.</summary>
    private readonly struct SgdRuleUpdate(float* param, float* grad, float* buf, SgdStep s) : IElementUpdate
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Apply(int i)
        {
            var b = buf is null ? 0f : buf[i];
            param[i] = s.Update(param[i], grad[i], ref b);
            if (buf is not null)
                buf[i] = b;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Apply16(int i)
        {
            var b = buf is null ? Vector512<float>.Zero : Vector512.Load(buf + i);
            s.Update(Vector512.Load(param + i), Vector512.Load(grad + i), ref b).Store(param + i);
            if (buf is not null)
                b.Store(buf + i);
        }
    }

    /// <summary>torch.optim.RMSprop; gradAvg null unless centered, buf null unless μ &gt; 0.</summary>
    private readonly struct RmsPropUpdate(float* param, float* grad, float* squareAvg, float* gradAvg, float* buf, RmsPropStep s) : IElementUpdate
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Apply(int i)
        {
            var m = gradAvg is null ? 0f : gradAvg[i];
            var b = buf is null ? 0f : buf[i];
            param[i] = s.Update(param[i], grad[i], ref squareAvg[i], ref m, ref b);
            if (gradAvg is not null)
                gradAvg[i] = m;
            if (buf is not null)
                buf[i] = b;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Apply16(int i)
        {
            var m = gradAvg is null ? Vector512<float>.Zero : Vector512.Load(gradAvg + i);
            var b = buf is null ? Vector512<float>.Zero : Vector512.Load(buf + i);
            var v = Vector512.Load(squareAvg + i);
            s.Update(Vector512.Load(param + i), Vector512.Load(grad + i), ref v, ref m, ref b).Store(param + i);
            v.Store(squareAvg + i);
            if (gradAvg is not null)
                m.Store(gradAvg + i);
            if (buf is not null)
                b.Store(buf + i);
        }
    }

    /// <summary>torch.optim.Adam / AdamW, bias corrections precomputed for step t.</summary>
    private readonly struct AdamUpdate(float* param, float* grad, float* expAvg, float* expAvgSq, AdamStep s) : IElementUpdate
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Apply(int i) => param[i] = s.Update(param[i], grad[i], ref expAvg[i], ref expAvgSq[i]);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Apply16(int i)
        {
            var m = Vector512.Load(expAvg + i);
            var v = Vector512.Load(expAvgSq + i);
            s.Update(Vector512.Load(param + i), Vector512.Load(grad + i), ref m, ref v).Store(param + i);
            m.Store(expAvg + i);
            v.Store(expAvgSq + i);
        }
    }

    /// <summary>FISTA iteration k: param y_k → y_{k+1}, previous x_{k−1} → x_k.</summary>
    private readonly struct FistaUpdate(float* param, float* grad, float* previous, FistaStep s) : IElementUpdate
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Apply(int i) => param[i] = s.Update(param[i], grad[i], ref previous[i]);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Apply16(int i)
        {
            var x = Vector512.Load(previous + i);
            s.Update(Vector512.Load(param + i), Vector512.Load(grad + i), ref x).Store(param + i);
            x.Store(previous + i);
        }
    }

    /// <summary>Σ grad² per part, in 16 float lanes then double; partials [workers] allocated once.</summary>
    private sealed class SquaredNormJob(int workers) : IParallelJob
    {
        private readonly double[] partials = new double[workers];
        private float* grad;
        private int count;

        public void Set(float* grad, int length)
        {
            this.grad = grad;
            count = length;
        }

        /// <summary>The partials of the last run's <paramref name="parts"/> parts, summed in part order.</summary>
        public double Sum(int parts)
        {
            var sum = 0.0;
            for (var p = 0; p < parts; p++)
                sum += partials[p];
            return sum;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int part, int parts)
        {
            var (start, end) = Partition.Range(count, 16, part, parts);
            var acc = Vector512<float>.Zero;
            var i = start;
            for (; i + 16 <= end; i += 16)
            {
                var g = Vector512.Load(grad + i);
                acc = Vector512.FusedMultiplyAdd(g, g, acc);
            }
            var sum = 0.0;
            for (var l = 0; l < 16; l++)
                sum += acc.GetElement(l);
            for (; i < end; i++)
                sum += (double)grad[i] * grad[i];
            partials[part] = sum;
        }
    }

    /// <summary>grad[i] ← grad[i] · coefficient on elements [start, end).</summary>
    private sealed class ScaleJob : RangeJob
    {
        private float* grad;
        private float coefficient;

        public void Set(float* grad, float coefficient, int length)
        {
            this.grad = grad;
            this.coefficient = coefficient;
            Count = length;
            Grain = 16;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        protected override void Run(int start, int end)
        {
            var c = Vector512.Create(coefficient);
            var i = start;
            for (; i + 16 <= end; i += 16)
                (Vector512.Load(grad + i) * c).Store(grad + i);
            for (; i < end; i++)
                grad[i] *= coefficient;
        }
    }
}
