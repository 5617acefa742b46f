namespace ILGPUAE.Host.Softmax;

using System.Runtime.CompilerServices;
using ILGPUAE.Backend;
using ILGPUAE.Delta;
using ILGPUAE.Host.Threading;

/// <summary>
/// <see cref="ISoftmax"/> on the host: plain loops, one row at a time, rows split across the pool when
/// there are enough of them. A classifier has ten classes: the row loops are too short for SIMD to pay.
/// </summary>
internal sealed unsafe class HostSoftmax : ISoftmax
{
    private const long MinimumElementsPerPart = 1 << 13;

    private readonly HostBackend backend;
    private readonly WorkerPool pool;
    private readonly BiasSoftmaxJob biasSoftmax = new();
    private readonly CrossEntropyDeltaJob crossEntropyDelta = new();
    private readonly ArgmaxJob argmax = new();

    public HostSoftmax(HostBackend backend, WorkerPool pool)
    {
        this.backend = backend;
        this.pool = pool;
    }

    public void BiasSoftmax(Tensor<float> x, Tensor<float> bias)
    {
        Shapes.RequireClassMatrix(x, nameof(x));
        Shapes.RequireLength(bias, nameof(bias), x.Shape[1], $"one per column of x {x.Shape}");
        biasSoftmax.Set(backend.PointerOf(x, nameof(x)), backend.PointerOf(bias, nameof(bias)), x.Shape[0], x.Shape[1]);
        if (x.Length > 0)
            pool.Run(biasSoftmax, pool.PartsFor(x.Length, MinimumElementsPerPart));
    }

    public void CrossEntropyDelta(Tensor<float> z, Tensor<int> labels, float scale, Tensor<float> delta, Tensor<float> losses)
    {
        Shapes.RequireClassMatrix(z, nameof(z));
        Shapes.RequireSame(z, nameof(z), delta, nameof(delta));
        Shapes.RequireLength(labels, nameof(labels), z.Shape[0], $"one per row of z {z.Shape}");
        Shapes.RequireLength(losses, nameof(losses), z.Shape[0], $"one per row of z {z.Shape}");
        crossEntropyDelta.Set(backend.PointerOf(z, nameof(z)), backend.PointerOf(labels, nameof(labels)), scale,
            backend.PointerOf(delta, nameof(delta)), backend.PointerOf(losses, nameof(losses)), z.Shape[0], z.Shape[1]);
        if (z.Length > 0)
            pool.Run(crossEntropyDelta, pool.PartsFor(z.Length, MinimumElementsPerPart));
    }

    public void Argmax(Tensor<float> scores, Tensor<int> labels, Tensor<int> predictions, Tensor<int> correct)
    {
        Shapes.RequireClassMatrix(scores, nameof(scores));
        Shapes.RequireLength(labels, nameof(labels), scores.Shape[0], $"one per row of scores {scores.Shape}");
        Shapes.RequireLength(predictions, nameof(predictions), scores.Shape[0], $"one per row of scores {scores.Shape}");
        Shapes.RequireLength(correct, nameof(correct), scores.Shape[0], $"one per row of scores {scores.Shape}");
        argmax.Set(backend.PointerOf(scores, nameof(scores)), backend.PointerOf(labels, nameof(labels)),
            backend.PointerOf(predictions, nameof(predictions)), backend.PointerOf(correct, nameof(correct)), scores.Shape[0], scores.Shape[1]);
        if (scores.Length > 0)
            pool.Run(argmax, pool.PartsFor(scores.Length, MinimumElementsPerPart));
    }

    /// <summary>x[m,:] ← softmax(x[m,:] + bias), max-subtracted, rows [start, end).</summary>
    private sealed class BiasSoftmaxJob : RangeJob
    {
        private float* x, bias;
        private int n;

        public void Set(float* x, float* bias, int m, int n)
        {
            this.x = x;
            this.bias = bias;
            this.n = n;
            Count = m;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        protected override void Run(int start, int end)
        {
            for (var i = start; i < end; i++)
            {
                var row = x + (long)i * n;
                var max = float.NegativeInfinity;
                for (var j = 0; j < n; j++)
                {
                    row[j] += bias[j];
                    max = MathF.Max(max, row[j]);
                }
                var sum = 0f;
                for (var j = 0; j < n; j++)
                {
                    row[j] = MathF.Exp(row[j] - max);
                    sum += row[j];
                }
                var inverse = 1f / sum;
                for (var j = 0; j < n; j++)
                    row[j] *= inverse;
            }
        }
    }

    /// <summary>delta = scale·(z − onehot), losses = −log z[label] (NaN for a label outside [0, C)), rows [start, end).</summary>
    private sealed class CrossEntropyDeltaJob : RangeJob
    {
        private float* z, delta, losses;
        private int* labels;
        private float scale;
        private int n;

        public void Set(float* z, int* labels, float scale, float* delta, float* losses, int m, int n)
        {
            this.z = z;
            this.labels = labels;
            this.scale = scale;
            this.delta = delta;
            this.losses = losses;
            this.n = n;
            Count = m;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        protected override void Run(int start, int end)
        {
            for (var i = start; i < end; i++)
            {
                var offset = (long)i * n;
                var label = labels[i];
                for (var j = 0; j < n; j++)
                    delta[offset + j] = scale * (z[offset + j] - (j == label ? 1f : 0f));
                losses[i] = (uint)label < (uint)n ? -LossMath.ClampedLog(z[offset + label]) : float.NaN;
            }
        }
    }

    /// <summary>First argmax of each row and whether it is the label, rows [start, end).</summary>
    private sealed class ArgmaxJob : RangeJob
    {
        private float* scores;
        private int* labels, predictions, correct;
        private int n;

        public void Set(float* scores, int* labels, int* predictions, int* correct, int m, int n)
        {
            this.scores = scores;
            this.labels = labels;
            this.predictions = predictions;
            this.correct = correct;
            this.n = n;
            Count = m;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        protected override void Run(int start, int end)
        {
            for (var i = start; i < end; i++)
            {
                var row = scores + (long)i * n;
                var best = 0;
                for (var j = 1; j < n; j++)
                    if (row[j] > row[best])
                        best = j;
                predictions[i] = best;
                correct[i] = best == labels[i] ? 1 : 0;
            }
        }
    }
}
