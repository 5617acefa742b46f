namespace ILGPUAE.Host.Optimizer;

using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using ILGPUAE.Backend;
using ILGPUAE.Host.Threading;

/// <summary><see cref="IOptimizer"/> on the host: one pass over param, grad (and velocity); ranges split across the pool.</summary>
internal sealed unsafe class HostOptimizer : IOptimizer
{
    private const long MinimumElementsPerPart = 1 << 15;

    private readonly HostBackend backend;
    private readonly WorkerPool pool;
    private readonly SgdJob job = new();

    public HostOptimizer(HostBackend backend, WorkerPool pool)
    {
        this.backend = backend;
        this.pool = pool;
    }

    public void Sgd(Tensor<float> param, Tensor<float> grad, Tensor<float>? velocity, float learningRate, float momentum)
    {
        Shapes.Sgd(param, grad, velocity, momentum);
        var pv = momentum != 0f ? backend.PointerOf(velocity!, nameof(velocity)) : null;
        job.Set(backend.PointerOf(param, nameof(param)), backend.PointerOf(grad, nameof(grad)), pv, learningRate, momentum, param.Length);
        if (param.Length > 0)
            pool.Run(job, pool.PartsFor(param.Length, MinimumElementsPerPart));
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
}
