namespace ILGPUAE.Host.Activation;

using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using ILGPUAE.Activation;
using ILGPUAE.Backend;
using ILGPUAE.Host.Threading;

/// <summary>
/// The host's GEMM epilogues (<see cref="GemmEpilogue"/>), run after its product: Vector512 loops generic over the
/// activation struct (<see cref="IActivation"/>), rows (or element ranges) split across the pool. One job per
/// activation is made up front, so a launch allocates nothing.
/// </summary>
internal sealed unsafe class HostActivation
{
    private const long MinimumElementsPerPart = 1 << 14;

    private readonly HostBackend backend;
    private readonly WorkerPool pool;

    // Indexed by Backend.Activation.
    private readonly BiasActivateJob[] biasActivate;
    private readonly BackwardJob[] backward;

    public HostActivation(HostBackend backend, WorkerPool pool)
    {
        this.backend = backend;
        this.pool = pool;
        biasActivate = [.. Activations.All.Select(a => Activations.Visit(a, new BiasActivateJobMaker()))];
        backward = [.. Activations.All.Select(a => Activations.Visit(a, new BackwardJobMaker()))];
    }

    /// <summary>x[M,N] ← act(x + bias[N]).</summary>
    public void BiasActivate(Tensor<float> x, Tensor<float> bias, Backend.Activation activation)
    {
        Shapes.BiasActivate(x, bias);
        var job = JobOf(biasActivate, activation);
        job.Set(backend.PointerOf(x, nameof(x)), backend.PointerOf(bias, nameof(bias)), x.Shape[0], x.Shape[1]);
        if (x.Length > 0)
            pool.Run(job, pool.PartsFor(x.Length, MinimumElementsPerPart));
    }

    /// <summary>grad ← grad ⊙ act′(y), element-wise, y the activation's output.</summary>
    public void Backward(Tensor<float> grad, Tensor<float> y, Backend.Activation activation)
    {
        Shapes.RequireSame(grad, nameof(grad), y, nameof(y));
        var job = JobOf(backward, activation);
        var pg = backend.PointerOf(grad, nameof(grad));
        var py = backend.PointerOf(y, nameof(y));
        // The identity's derivative is 1: nothing to do.
        if (activation == Backend.Activation.Identity || grad.Length == 0)
            return;
        job.Set(pg, py, grad.Length);
        pool.Run(job, pool.PartsFor(grad.Length, MinimumElementsPerPart));
    }

    private static TJob JobOf<TJob>(TJob[] jobs, Backend.Activation activation) =>
        (uint)activation < (uint)jobs.Length ? jobs[(int)activation] : throw new ArgumentOutOfRangeException(nameof(activation), activation, null);

    /// <summary>x[M,N] ← act(x + bias[N]), rows [start, end).</summary>
    private abstract class BiasActivateJob : RangeJob
    {
        protected float* X, Bias;
        protected int N;

        public void Set(float* x, float* bias, int m, int n)
        {
            X = x;
            Bias = bias;
            N = n;
            Count = m;
        }
    }

    private sealed class BiasActivateJob<TAct> : BiasActivateJob where TAct : struct, IActivation
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        protected override void Run(int start, int end)
        {
            var bias = Bias;
            var n = N;
            for (var i = start; i < end; i++)
            {
                var row = X + (long)i * n;
                var j = 0;
                for (; j + 16 <= n; j += 16)
                    default(TAct).Apply(Vector512.Load(row + j) + Vector512.Load(bias + j)).Store(row + j);
                for (; j < n; j++)
                    row[j] = default(TAct).Apply(row[j] + bias[j]);
            }
        }
    }

    /// <summary>grad ← grad ⊙ act′(y) (<see cref="IActivation.Backward(float, float)"/>), elements [start, end).</summary>
    private abstract class BackwardJob : RangeJob
    {
        protected float* Grad, Y;

        public void Set(float* grad, float* y, int length)
        {
            Grad = grad;
            Y = y;
            Count = length;
            Grain = 16;
        }
    }

    private sealed class BackwardJob<TAct> : BackwardJob where TAct : struct, IActivation
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        protected override void Run(int start, int end)
        {
            var grad = Grad;
            var y = Y;
            var i = start;
            for (; i + 16 <= end; i += 16)
                default(TAct).Backward(Vector512.Load(grad + i), Vector512.Load(y + i)).Store(grad + i);
            for (; i < end; i++)
                grad[i] = default(TAct).Backward(grad[i], y[i]);
        }
    }

    private sealed class BiasActivateJobMaker : IActivationVisitor<BiasActivateJob>
    {
        public BiasActivateJob Visit<TAct>() where TAct : struct, IActivation => new BiasActivateJob<TAct>();
    }

    private sealed class BackwardJobMaker : IActivationVisitor<BackwardJob>
    {
        public BackwardJob Visit<TAct>() where TAct : struct, IActivation => new BackwardJob<TAct>();
    }
}
