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

    /// <summary>
    /// <paramref name="epilogue"/> on c as a block epilogue of the blocked GEMM (<see cref="MatVec.IBlockEpilogue"/>), its pointers set;
    /// null for none (and for the identity's backward, which changes nothing).
    /// </summary>
    public MatVec.IBlockEpilogue? Fused(Tensor<float> c, GemmEpilogue epilogue) =>
        c.Length == 0 || c.Shape.Rank != 2 ? null : Fused(c, epilogue, c.Shape[0], c.Shape[1]);

    /// <summary>
    /// <paramref name="epilogue"/> as a block epilogue of products [rows, columns] whose first c and operand start at those of
    /// <paramref name="c"/> and the epilogue's operand (a batched GEMM's items are reached through the shifts of
    /// <see cref="MatVec.IBlockEpilogue.Apply"/>); null for none.
    /// </summary>
    public MatVec.IBlockEpilogue? Fused(Tensor<float> c, GemmEpilogue epilogue, int rows, int columns)
    {
        switch (epilogue.Kind)
        {
            case GemmEpilogueKind.BiasActivate:
                var job = JobOf(biasActivate, epilogue.Activation);
                job.Set(backend.PointerOf(c, "c"), backend.PointerOf(epilogue.Operand!, "bias"), rows, columns);
                return job;
            case GemmEpilogueKind.ActivationBackward when epilogue.Activation != Backend.Activation.Identity:
                var backwardJob = JobOf(backward, epilogue.Activation);
                backwardJob.Set(backend.PointerOf(c, "c"), backend.PointerOf(epilogue.Operand!, "y"), rows * columns, columns);
                return backwardJob;
            default:
                return null;
        }
    }

    private static TJob JobOf<TJob>(TJob[] jobs, Backend.Activation activation) =>
        (uint)activation < (uint)jobs.Length ? jobs[(int)activation] : throw new ArgumentOutOfRangeException(nameof(activation), activation, null);

    /// <summary>x[M,N] ← act(x + bias[N]), rows [start, end).</summary>
    private abstract class BiasActivateJob : RangeJob, MatVec.IBlockEpilogue
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

        public abstract void Apply(long cShift, long operandShift, int row0, int rows, int col0, int cols);
    }

    private sealed class BiasActivateJob<TAct> : BiasActivateJob where TAct : struct, IActivation
    {
        protected override void Run(int start, int end) => Apply(0, 0, start, end - start, 0, N);

        /// <summary>x[i, j] ← act(x[i, j] + bias[j]) for rows [row0, row0 + rows) and columns [col0, col0 + cols), x and bias shifted.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override void Apply(long cShift, long operandShift, int row0, int rows, int col0, int cols)
        {
            var bias = Bias + operandShift + col0;
            for (var i = row0; i < row0 + rows; i++)
            {
                var row = X + cShift + (long)i * N + col0;
                var j = 0;
                for (; j + 16 <= cols; j += 16)
                    default(TAct).Apply(Vector512.Load(row + j) + Vector512.Load(bias + j)).Store(row + j);
                for (; j < cols; j++)
                    row[j] = default(TAct).Apply(row[j] + bias[j]);
            }
        }
    }

    /// <summary>grad ← grad ⊙ act′(y) (<see cref="IActivation.Backward(float, float)"/>), elements [start, end).</summary>
    private abstract class BackwardJob : RangeJob, MatVec.IBlockEpilogue
    {
        protected float* Grad, Y;
        protected int N;

        /// <param name="n">The row length, when the job is also a block epilogue of a [length / n, n] product.</param>
        public void Set(float* grad, float* y, int length, int n = 0)
        {
            Grad = grad;
            Y = y;
            Count = length;
            Grain = 16;
            N = n;
        }

        /// <summary>grad[i, j] ← grad[i, j]·act′(y[i, j]) for rows [row0, row0 + rows) and columns [col0, col0 + cols) of the [·, N] matrices, grad and y shifted.</summary>
        public void Apply(long cShift, long operandShift, int row0, int rows, int col0, int cols)
        {
            for (var i = row0; i < row0 + rows; i++)
            {
                var at = (long)i * N + col0;
                Elements(Grad + cShift + at, Y + operandShift + at, cols);
            }
        }

        protected abstract void Elements(float* grad, float* y, int count);
    }

    private sealed class BackwardJob<TAct> : BackwardJob where TAct : struct, IActivation
    {
        protected override void Run(int start, int end) => Elements(Grad + start, Y + start, end - start);

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        protected override void Elements(float* grad, float* y, int count)
        {
            var i = 0;
            for (; i + 16 <= count; i += 16)
                default(TAct).Backward(Vector512.Load(grad + i), Vector512.Load(y + i)).Store(grad + i);
            for (; i < count; i++)
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
