namespace ILGPUAE.Svm;

/// <summary>
/// Reference for <see cref="Backend.ISvm"/> in double, and a double-precision solver of the same one-vs-rest problem by
/// another method (dual coordinate descent), against which the device's primal Newton solver is checked.
/// </summary>
public static class SvmReference
{
    /// <summary>+1 when the example's label is class k, else −1.</summary>
    public static double Sign(int label, int k) => label == k ? 1.0 : -1.0;

    /// <summary><see cref="Backend.ISvm.SquaredHinge"/> for scores [m,k] (direction and steps null, or [m,k] and [k]).</summary>
    public static void SquaredHinge(int m, int k, ReadOnlySpan<double> scores, ReadOnlySpan<double> direction, ReadOnlySpan<double> steps,
        ReadOnlySpan<int> labels, Span<double> residual, Span<double> losses)
    {
        for (var i = 0; i < m; i++)
            for (var c = 0; c < k; c++)
            {
                var e = i * k + c;
                var z = direction.IsEmpty ? scores[e] : scores[e] + steps[c] * direction[e];
                var y = Sign(labels[i], c);
                var slack = 1 - y * z;
                residual[e] = slack > 0 ? z - y : 0;
                losses[e] = slack > 0 ? slack * slack : 0;
            }
    }

    /// <summary><see cref="Backend.ISvm.ActiveSet"/>.</summary>
    public static void ActiveSet(ReadOnlySpan<double> residual, ReadOnlySpan<double> x, Span<double> destination)
    {
        for (var i = 0; i < x.Length; i++)
            destination[i] = residual[i] != 0 ? x[i] : 0;
    }

    /// <summary><see cref="Backend.ISvm.RowDots"/> for a, b [k, width].</summary>
    public static void RowDots(int k, int width, ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> dots)
    {
        for (var r = 0; r < k; r++)
        {
            double sum = 0;
            for (var j = 0; j < width; j++)
                sum += a[r * width + j] * b[r * width + j];
            dots[r] = sum;
        }
    }

    /// <summary><see cref="Backend.ISvm.RowAxpby"/> for x, y [k, width].</summary>
    public static void RowAxpby(int k, int width, ReadOnlySpan<double> alpha, ReadOnlySpan<double> x, ReadOnlySpan<double> beta, Span<double> y)
    {
        for (var r = 0; r < k; r++)
            for (var j = 0; j < width; j++)
            {
                var e = r * width + j;
                y[e] = alpha[r] * x[e] + (beta[r] == 0 ? 0 : beta[r] * y[e]);
            }
    }

    /// <summary>
    /// Per class k, f_k(w) = ½‖w_k‖² + C·Σ_i max(0, 1 − y_ik·w_k·x_i)² and its gradient w_k + 2C·Σ_active (w_k·x_i − y_ik)·x_i, for
    /// x [n, d] (the intercept, if any, already a column of x), weights [classes, d]; objectives [classes], gradient [classes, d].
    /// </summary>
    public static void Objective(int n, int d, int classes, ReadOnlySpan<double> x, ReadOnlySpan<int> labels, double c, ReadOnlySpan<double> weights,
        Span<double> objectives, Span<double> gradient)
    {
        for (var k = 0; k < classes; k++)
        {
            var w = weights.Slice(k * d, d);
            var g = gradient.Slice(k * d, d);
            double f = 0;
            for (var j = 0; j < d; j++)
            {
                f += 0.5 * w[j] * w[j];
                g[j] = w[j];
            }
            for (var i = 0; i < n; i++)
            {
                var xi = x.Slice(i * d, d);
                double z = 0;
                for (var j = 0; j < d; j++)
                    z += w[j] * xi[j];
                var y = Sign(labels[i], k);
                var slack = 1 - y * z;
                if (slack <= 0)
                    continue;
                f += c * slack * slack;
                for (var j = 0; j < d; j++)
                    g[j] += 2 * c * (z - y) * xi[j];
            }
            objectives[k] = f;
        }
    }

    /// <summary>
    /// The minimiser of <see cref="Objective"/> for every class by dual coordinate descent (Hsieh et al. 2008, LIBLINEAR's -s 1):
    /// per class, α ≥ 0 with w = Σ α_i·y_i·x_i, sweeping the examples in order until every projected dual gradient is below
    /// <paramref name="tolerance"/> or <paramref name="maxSweeps"/> sweeps are done. Returns the weights [classes, d].
    /// </summary>
    public static double[] Solve(int n, int d, int classes, ReadOnlySpan<double> x, ReadOnlySpan<int> labels, double c, double tolerance = 1e-12,
        int maxSweeps = 200_000)
    {
        var weights = new double[classes * d];
        var diagonal = 1 / (2 * c);
        var norms = new double[n];
        for (var i = 0; i < n; i++)
        {
            double s = 0;
            for (var j = 0; j < d; j++)
                s += x[i * d + j] * x[i * d + j];
            norms[i] = s + diagonal;
        }
        for (var k = 0; k < classes; k++)
        {
            var w = weights.AsSpan(k * d, d);
            var alpha = new double[n];
            for (var sweep = 0; sweep < maxSweeps; sweep++)
            {
                double worst = 0;
                for (var i = 0; i < n; i++)
                {
                    var xi = x.Slice(i * d, d);
                    var y = Sign(labels[i], k);
                    double z = 0;
                    for (var j = 0; j < d; j++)
                        z += w[j] * xi[j];
                    var gradient = y * z - 1 + diagonal * alpha[i];
                    var projected = alpha[i] > 0 ? gradient : Math.Min(gradient, 0);
                    worst = Math.Max(worst, Math.Abs(projected));
                    if (projected == 0)
                        continue;
                    var next = Math.Max(alpha[i] - gradient / norms[i], 0);
                    var step = (next - alpha[i]) * y;
                    alpha[i] = next;
                    for (var j = 0; j < d; j++)
                        w[j] += step * xi[j];
                }
                if (worst < tolerance)
                    break;
            }
        }
        return weights;
    }
}
