namespace ILGPUAE.Host.Activation;

using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using ILGPUAE.Activation;
using ILGPUAE.Backend;
using ILGPUAE.Host.Threading;

/// <summary>
/// The host's GEMM epilogues (<see cref="GemmEpilogue"/>), run after its product: Vector512 loops, rows (or element ranges)
/// split across the pool.
/// </summary>
internal sealed unsafe class HostActivation
{
    private const long MinimumElementsPerPart = 1 << 14;

    private readonly HostBackend backend;
    private readonly WorkerPool pool;
    private readonly BiasActivateJob biasActivate = new();
    private readonly SigmoidBackwardJob sigmoidBackward = new();

    public HostActivation(HostBackend backend, WorkerPool pool)
    {
        this.backend = backend;
        this.pool = pool;
    }

    public void BiasActivate(Tensor<float> x, Tensor<float> bias, Backend.Activation activation)
    {
        Shapes.BiasActivate(x, bias);
        if (activation is not (Backend.Activation.Sigmoid or Backend.Activation.Identity))
            throw new ArgumentOutOfRangeException(nameof(activation), activation, null);
        biasActivate.Set(backend.PointerOf(x, nameof(x)), backend.PointerOf(bias, nameof(bias)), x.Shape[0], x.Shape[1], activation);
        if (x.Length > 0)
            pool.Run(biasActivate, pool.PartsFor(x.Length, MinimumElementsPerPart));
    }

    public void Backward(Tensor<float> grad, Tensor<float> y, Backend.Activation activation)
    {
        Shapes.RequireSame(grad, nameof(grad), y, nameof(y));
        var pg = backend.PointerOf(grad, nameof(grad));
        var py = backend.PointerOf(y, nameof(y));
        if (activation == Backend.Activation.Identity || grad.Length == 0)
            return;
        if (activation != Backend.Activation.Sigmoid)
            throw new ArgumentOutOfRangeException(nameof(activation), activation, null);
        sigmoidBackward.Set(pg, py, grad.Length);
        pool.Run(sigmoidBackward, pool.PartsFor(grad.Length, MinimumElementsPerPart));
    }

    /// <summary>x[M,N] ← act(x + bias[N]), rows [start, end).</summary>
    private sealed class BiasActivateJob : RangeJob
    {
        private float* x, bias;
        private int n;
        private Backend.Activation activation;

        public void Set(float* x, float* bias, int m, int n, Backend.Activation activation)
        {
            this.x = x;
            this.bias = bias;
            this.n = n;
            this.activation = activation;
            Count = m;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        protected override void Run(int start, int end)
        {
            var sigmoid = activation == Backend.Activation.Sigmoid;
            for (var i = start; i < end; i++)
            {
                var row = x + (long)i * n;
                var j = 0;
                for (; j + 16 <= n; j += 16)
                {
                    var v = Vector512.Load(row + j) + Vector512.Load(bias + j);
                    if (sigmoid)
                        v = Vector512<float>.One / (Vector512<float>.One + Vector512.Exp(-v));
                    v.Store(row + j);
                }
                for (; j < n; j++)
                {
                    var v = row[j] + bias[j];
                    row[j] = sigmoid ? ActivationKernels.Sigmoid(v) : v;
                }
            }
        }
    }

    /// <summary>grad ← grad · y(1 − y), elements [start, end).</summary>
    private sealed class SigmoidBackwardJob : RangeJob
    {
        private float* grad, y;

        public void Set(float* grad, float* y, int length)
        {
            this.grad = grad;
            this.y = y;
            Count = length;
            Grain = 16;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        protected override void Run(int start, int end)
        {
            var i = start;
            for (; i + 16 <= end; i += 16)
            {
                var v = Vector512.Load(y + i);
                (Vector512.Load(grad + i) * v * (Vector512<float>.One - v)).Store(grad + i);
            }
            for (; i < end; i++)
                grad[i] = grad[i] * y[i] * (1f - y[i]);
        }
    }
}
