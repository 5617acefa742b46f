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
}
