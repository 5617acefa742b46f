namespace ILGPUAE.Delta;

using ILGPU;
using ILGPUAE.Activation;
using ILGPUAE.Backend;
using ILGPUAE.Ilgpu;

/// <summary>Output deltas and penalty deltas (grid-stride over elements) and per-example losses (grid-stride over rows, barrier-free).</summary>
public static class DeltaKernels
{
    /// <summary>∂loss/∂a for one sigmoid output z = s(a) with target x: (z − x)·z(1 − z) for squared error, z − x for cross-entropy.</summary>
    public static float SigmoidOutputDelta(int kind, float z, float x) => kind == (int)LossKind.SquaredError ? (z - x) * z * (1f - z) : z - x;

    /// <summary>One output's loss: ½(z − x)², or −[x log z + (1 − x) log(1 − z)] with the logs clamped.</summary>
    public static float ElementLoss(int kind, float z, float x)
    {
        if (kind == (int)LossKind.SquaredError)
        {
            var d = z - x;
            return 0.5f * d * d;
        }
        return -(x * LossMath.ClampedLog(z) + (1f - x) * LossMath.ClampedLog(1f - z));
    }

    /// <summary>delta[i] = scale · (z − x)·z(1 − z) (squared error through a sigmoid).</summary>
    public static void SquaredErrorSigmoid(Index1D index, ArrayView<float> z, ArrayView<float> x, ArrayView<float> delta, float scale, GridStride g)
    {
        for (int i = index; i < g.Items; i += g.Stride)
        {
            var zi = z[i];
            delta[i] = scale * (zi - x[i]) * zi * (1f - zi);
        }
    }

    /// <summary>delta[i] = scale · (z − x) (cross-entropy through a sigmoid).</summary>
    public static void CrossEntropySigmoid(Index1D index, ArrayView<float> z, ArrayView<float> x, ArrayView<float> delta, float scale, GridStride g)
    {
        for (int i = index; i < g.Items; i += g.Stride)
            delta[i] = scale * (z[i] - x[i]);
    }

    /// <summary>
    /// losses[m] = Σ_j loss(x[m mod xRows, j], z[m,j]) for z [M,N], x [xRows,N] (xRows = M but for many models' outputs scored on one
    /// minibatch); each row summed in order, in float.
    /// </summary>
    public static void RowLoss(Index1D index, ArrayView<float> z, ArrayView<float> x, ArrayView<float> losses, int n, int xRows, int kind, GridStride g)
    {
        for (int m = index; m < g.Items; m += g.Stride)
        {
            long row = (long)m * n;
            long xRow = (long)(m % xRows) * n;
            var sum = 0f;
            for (var j = 0; j < n; j++)
            {
                sum += ElementLoss(kind, z[row + j], x[xRow + j]);
            }
            losses[m] = sum;
        }
    }

    /// <summary>
    /// inputDelta[i] = (delta[i] + penalty·sign(y[i])) · act′(y[i]), penalty = scale·lambda, for the activation struct TAct
    /// (<see cref="IActivation.Backward(float, float)"/>). inputDelta may be delta: each element is read before it is written.
    /// </summary>
    public static void ActivityL1Delta<TAct>(Index1D index, ArrayView<float> y, ArrayView<float> delta, ArrayView<float> inputDelta, float penalty,
        GridStride g)
        where TAct : struct, IActivation
    {
        for (int i = index; i < g.Items; i += g.Stride)
        {
            var yi = y[i];
            inputDelta[i] = default(TAct).Backward(LossMath.L1Gradient(delta[i], penalty, yi), yi);
        }
    }

    /// <summary>losses[m] += lambda · Σ_j |y[m,j]| for y [M,N]; each row summed in order, in float.</summary>
    public static void ActivityL1Loss(Index1D index, ArrayView<float> y, ArrayView<float> losses, int n, float lambda, GridStride g)
    {
        for (int m = index; m < g.Items; m += g.Stride)
        {
            long row = (long)m * n;
            var sum = 0f;
            for (var j = 0; j < n; j++)
                sum += MathF.Abs(y[row + j]);
            losses[m] += lambda * sum;
        }
    }

    /// <summary>
    /// One thread per unit j of h [M,N] (barrier-free, as <see cref="RowLoss"/>): rowNorms[j] = a_j = Σ_k W[j,k]² for W [N,K],
    /// and weightsGrad[j,k] = beta·weightsGrad[j,k] + twoLambdaScale·(Σ_m s[m,j]²)·W[j,k], s = h(1 − h) (the old value unread at
    /// beta 0). Runs before the loss and δ kernels, which read a.
    /// </summary>
    public static void ContractiveRows(Index1D index, ArrayView<float> h, ArrayView<float> weights, ArrayView<float> weightsGrad,
        ArrayView<float> rowNorms, int m, int n, int k, float twoLambdaScale, float beta, GridStride g)
    {
        for (int j = index; j < g.Items; j += g.Stride)
        {
            long row = (long)j * k;
            var a = 0f;
            for (var c = 0; c < k; c++)
                a += weights[row + c] * weights[row + c];
            var squares = 0f;
            for (var i = 0; i < m; i++)
            {
                var hv = h[(long)i * n + j];
                var sv = hv * (1f - hv);
                squares += sv * sv;
            }
            rowNorms[j] = a;
            var factor = twoLambdaScale * squares;
            for (var c = 0; c < k; c++)
                weightsGrad[row + c] = (beta == 0f ? 0f : beta * weightsGrad[row + c]) + factor * weights[row + c];
        }
    }

    /// <summary>losses[m] += lambda · Σ_j a_j·s[m,j]² for h [M,N], s = h(1 − h), a = rowNorms [N]; each row summed in order, in float.</summary>
    public static void ContractiveLoss(Index1D index, ArrayView<float> h, ArrayView<float> rowNorms, ArrayView<float> losses, int n, float lambda,
        GridStride g)
    {
        for (int m = index; m < g.Items; m += g.Stride)
        {
            long row = (long)m * n;
            var sum = 0f;
            for (var j = 0; j < n; j++)
            {
                var hv = h[row + j];
                var sv = hv * (1f - hv);
                sum += rowNorms[j] * sv * sv;
            }
            losses[m] += lambda * sum;
        }
    }

    /// <summary>
    /// preDelta[i] = delta[i]·s + twoLambdaScale·a_j·s²·(1 − 2h) for h [M,N], s = h(1 − h), j = i mod N. preDelta may be delta:
    /// each element is read before it is written.
    /// </summary>
    public static void ContractiveDelta(Index1D index, ArrayView<float> h, ArrayView<float> delta, ArrayView<float> rowNorms, ArrayView<float> preDelta,
        int n, float twoLambdaScale, GridStride g)
    {
        for (int i = index; i < g.Items; i += g.Stride)
        {
            var hv = h[i];
            var sv = hv * (1f - hv);
            preDelta[i] = delta[i] * sv + twoLambdaScale * rowNorms[i % n] * sv * sv * (1f - 2f * hv);
        }
    }

    /// <summary>y[i] = s(x[i]), ANAMO's smooth step (<see cref="ILGPUAE.Activation.SmoothStep"/>); x, y [n].</summary>
    public static void SmoothStep(Index1D index, ArrayView<float> x, ArrayView<float> y, float inverseEpsilon, GridStride g)
    {
        for (int i = index; i < g.Items; i += g.Stride)
            y[i] = ILGPUAE.Activation.SmoothStep.Value(x[i], inverseEpsilon);
    }

    /// <summary>inputDelta[i] = delta[i]·s′(x[i]); x, delta, inputDelta [n].</summary>
    public static void SmoothStepBackward(Index1D index, ArrayView<float> x, ArrayView<float> delta, ArrayView<float> inputDelta, float inverseEpsilon, GridStride g)
    {
        for (int i = index; i < g.Items; i += g.Stride)
            inputDelta[i] = delta[i] * ILGPUAE.Activation.SmoothStep.Slope(x[i], inverseEpsilon);
    }

    /// <summary>
    /// inputDelta[i] = (delta[i] + penalty·KL′(ρ, r_j)) · act′(y[i]) for y [M,N], j = i mod N, r_j = the clamped meanActivation[j],
    /// penalty = scale·beta (<see cref="IDelta.KlSparsity"/>). inputDelta may be delta: each element is read before it is written.
    /// </summary>
    public static void KlSparsityDelta<TAct>(Index1D index, ArrayView<float> y, ArrayView<float> delta, ArrayView<float> meanActivation,
        ArrayView<float> inputDelta, int n, float rho, float penalty, GridStride g)
        where TAct : struct, IActivation
    {
        for (int i = index; i < g.Items; i += g.Stride)
        {
            var r = LossMath.KlClamp(meanActivation[i % n]);
            inputDelta[i] = default(TAct).Backward(delta[i] + penalty * LossMath.KlGradient(rho, r), y[i]);
        }
    }

    /// <summary>
    /// losses[m] += beta · Σ_j KL(ρ‖r_j) for rows m of [M] and r_j the clamped meanActivation [N]: every row adds the same sum,
    /// taken in order in float (so the host, which takes it once in that order, adds the same value).
    /// </summary>
    public static void KlSparsityLoss(Index1D index, ArrayView<float> meanActivation, ArrayView<float> losses, int n, float rho, float beta, GridStride g)
    {
        for (int m = index; m < g.Items; m += g.Stride)
        {
            var sum = 0f;
            for (var j = 0; j < n; j++)
                sum += LossMath.KlDivergence(rho, LossMath.KlClamp(meanActivation[j]));
            losses[m] += beta * sum;
        }
    }
}
