namespace ILGPUAE.Delta;

using ILGPUAE.Activation;
using ILGPUAE.Backend;

/// <summary>Double-precision reference for <see cref="IDelta"/> and the per-example losses.</summary>
public static class DeltaReference
{
    /// <summary>PyTorch's BCELoss clamps each log at −100 so that a saturated unit gives a finite loss.</summary>
    public const double LogFloor = -100.0;

    /// <summary>log v clamped below at <see cref="LogFloor"/>; NaN (and a negative v) gives NaN, as torch.clamp does.</summary>
    public static double ClampedLog(double v) => v > 0 ? Math.Max(Math.Log(v), LogFloor) : v == 0 ? LogFloor : double.NaN;

    /// <summary>Loss of one example: x and z are [N].</summary>
    public static double Loss(LossKind loss, ReadOnlySpan<double> x, ReadOnlySpan<double> z)
    {
        double sum = 0;
        for (var j = 0; j < x.Length; j++)
        {
            sum += loss switch
            {
                LossKind.SquaredError => 0.5 * (z[j] - x[j]) * (z[j] - x[j]),
                LossKind.CrossEntropy => -(x[j] * ClampedLog(z[j]) + (1 - x[j]) * ClampedLog(1 - z[j])),
                _ => throw new ArgumentOutOfRangeException(nameof(loss), loss, null),
            };
        }
        return sum;
    }

    /// <summary>∂loss/∂a for z = sigmoid(a), element-wise.</summary>
    public static double SigmoidOutputDelta(LossKind loss, double z, double x) => loss switch
    {
        LossKind.SquaredError => (z - x) * z * (1 - z),
        LossKind.CrossEntropy => z - x,
        _ => throw new ArgumentOutOfRangeException(nameof(loss), loss, null),
    };

    /// <summary>z [M,N], x [B,N] with M a multiple of B: losses[m] = loss of z's row m against x's row m mod B (<see cref="IDelta.SigmoidOutputLosses"/>).</summary>
    public static void SigmoidOutputLosses(LossKind loss, int m, int b, int n, ReadOnlySpan<double> z, ReadOnlySpan<double> x, Span<double> losses)
    {
        for (var i = 0; i < m; i++)
            losses[i] = Loss(loss, x.Slice(i % b * n, n), z.Slice(i * n, n));
    }

    /// <summary>z, x, delta are [M,N]; losses is [M].</summary>
    public static void SigmoidOutputDelta(LossKind loss, int m, int n, ReadOnlySpan<double> z, ReadOnlySpan<double> x,
        double scale, Span<double> delta, Span<double> losses)
    {
        for (var i = 0; i < m; i++)
        {
            losses[i] = Loss(loss, x.Slice(i * n, n), z.Slice(i * n, n));
            for (var j = 0; j < n; j++)
                delta[i * n + j] = scale * SigmoidOutputDelta(loss, z[i * n + j], x[i * n + j]);
        }
    }

    /// <summary>sign v: 1, −1, or v itself at ±0 and NaN (<see cref="LossMath.Sign"/>).</summary>
    public static double Sign(double v) => v > 0 ? 1 : v < 0 ? -1 : v;

    /// <summary>
    /// <see cref="IDelta.ActivityL1"/> for y, delta, inputDelta [M,N] and losses [M]: losses[m] += lambda·Σ_j |y[m,j]|,
    /// inputDelta = (delta + scale·lambda·sign(y)) · act′(y). inputDelta may be delta.
    /// </summary>
    public static void ActivityL1(int m, int n, ReadOnlySpan<double> y, ReadOnlySpan<double> delta, Backend.Activation inputActivation, double lambda,
        double scale, Span<double> inputDelta, Span<double> losses)
    {
        var act = Activations.Of(inputActivation);
        for (var i = 0; i < m; i++)
        {
            double sum = 0;
            for (var j = 0; j < n; j++)
            {
                var k = i * n + j;
                sum += Math.Abs(y[k]);
                inputDelta[k] = (delta[k] + scale * lambda * Sign(y[k])) * act.DerivativeFromOutputReference(y[k]);
            }
            losses[i] += lambda * sum;
        }
    }

    /// <summary>
    /// <see cref="IDelta.ContractiveSigmoid"/> for h, delta, preDelta [M,N], weights, weightsGrad [N,K], rowNorms [N], losses [M]:
    /// s = h(1 − h), a_j = Σ_k W[j,k]²; losses[m] += λ·Σ_j a_j s²; preDelta = delta·s + scale·2λ·a_j·s²·(1 − 2h);
    /// weightsGrad[j,k] = gradientBeta·weightsGrad[j,k] + scale·2λ·(Σ_m s[m,j]²)·W[j,k] (old contents ignored at beta 0). preDelta may be delta.
    /// </summary>
    public static void ContractiveSigmoid(int m, int n, int k, ReadOnlySpan<double> h, ReadOnlySpan<double> delta, ReadOnlySpan<double> weights,
        double lambda, double scale, Span<double> preDelta, Span<double> weightsGrad, double gradientBeta, Span<double> rowNorms, Span<double> losses)
    {
        for (var j = 0; j < n; j++)
        {
            double a = 0, squares = 0;
            for (var c = 0; c < k; c++)
                a += weights[j * k + c] * weights[j * k + c];
            for (var i = 0; i < m; i++)
            {
                var hv = h[i * n + j];
                var sv = hv * (1 - hv);
                squares += sv * sv;
            }
            rowNorms[j] = a;
            for (var c = 0; c < k; c++)
                weightsGrad[j * k + c] = (gradientBeta == 0 ? 0 : gradientBeta * weightsGrad[j * k + c]) + scale * 2 * lambda * squares * weights[j * k + c];
        }
        for (var i = 0; i < m; i++)
        {
            double sum = 0;
            for (var j = 0; j < n; j++)
            {
                var e = i * n + j;
                var sv = h[e] * (1 - h[e]);
                sum += rowNorms[j] * sv * sv;
                preDelta[e] = delta[e] * sv + scale * 2 * lambda * rowNorms[j] * sv * sv * (1 - 2 * h[e]);
            }
            losses[i] += lambda * sum;
        }
    }

    /// <summary>ANAMO's smooth step in double, by its cases: 0 for u ≤ 0, 1 for u ≥ ε, 3(u/ε)² − 2(u/ε)³ between.</summary>
    public static double SmoothStep(double u, double epsilon) =>
        u <= 0 ? 0 : u >= epsilon ? 1 : 3 * (u / epsilon) * (u / epsilon) - 2 * Math.Pow(u / epsilon, 3);

    /// <summary>Its derivative: 6(u/ε − (u/ε)²)/ε between 0 and ε, 0 outside.</summary>
    public static double SmoothStepSlope(double u, double epsilon) =>
        u <= 0 || u >= epsilon ? 0 : 6 * (u / epsilon - (u / epsilon) * (u / epsilon)) / epsilon;

    /// <summary><see cref="LossMath.KlClamp"/> in double: r clamped to the same float ends [KlClampLow, KlClampHigh], NaN kept.</summary>
    public static double KlClamp(double r) => r < LossMath.KlClampLow ? LossMath.KlClampLow : r > LossMath.KlClampHigh ? LossMath.KlClampHigh : r;

    /// <summary>
    /// <see cref="IDelta.KlSparsity"/> for y, delta, inputDelta [M,N], meanActivation [N] and losses [M]: with r_j = KlClamp(ρ̂_j),
    /// losses[m] += beta·Σ_j [ρ log(ρ/r_j) + (1 − ρ) log((1 − ρ)/(1 − r_j))] and
    /// inputDelta = (delta + scale·beta·(−ρ/r_j + (1 − ρ)/(1 − r_j)))·act′(y). inputDelta may be delta.
    /// </summary>
    public static void KlSparsity(int m, int n, ReadOnlySpan<double> y, ReadOnlySpan<double> delta, ReadOnlySpan<double> meanActivation,
        Backend.Activation inputActivation, double rho, double beta, double scale, Span<double> inputDelta, Span<double> losses)
    {
        var act = Activations.Of(inputActivation);
        double kl = 0;
        for (var j = 0; j < n; j++)
        {
            var r = KlClamp(meanActivation[j]);
            kl += rho * Math.Log(rho / r) + (1 - rho) * Math.Log((1 - rho) / (1 - r));
        }
        for (var i = 0; i < m; i++)
        {
            for (var j = 0; j < n; j++)
            {
                var r = KlClamp(meanActivation[j]);
                var k = i * n + j;
                inputDelta[k] = (delta[k] + scale * beta * (-rho / r + (1 - rho) / (1 - r))) * act.DerivativeFromOutputReference(y[k]);
            }
            losses[i] += beta * kl;
        }
    }
}
