namespace ILGPUAE.Parzen;

/// <summary>Reference for <see cref="Backend.IParzen"/>, in double, from the same float inputs the kernels read.</summary>
public static class ParzenReference
{
    /// <summary>x [M,K]: Σ_k x[m,k]² per row.</summary>
    public static double[] SquaredNorms(int m, int k, ReadOnlySpan<double> x)
    {
        var norms = new double[m];
        for (var i = 0; i < m; i++)
        {
            double sum = 0;
            for (var j = 0; j < k; j++)
                sum += x[i * k + j] * x[i * k + j];
            norms[i] = sum;
        }
        return norms;
    }

    /// <summary>
    /// logDensities [M,S] from products [M,N], queryNorms [M], centreNorms [N] and sigmas [S], as IParzen.LogDensities defines them:
    /// d² = max(0, ‖x‖² + ‖μ‖² − 2 x·μ), then log-mean-exp of −d²/(2σ²) with the largest exponent taken out, minus dimension·log(σ√(2π)).
    /// </summary>
    public static double[] LogDensities(int m, int n, ReadOnlySpan<double> products, ReadOnlySpan<double> queryNorms, ReadOnlySpan<double> centreNorms,
        ReadOnlySpan<double> sigmas, int dimension)
    {
        var s = sigmas.Length;
        var result = new double[m * s];
        var exponents = new double[n];
        for (var i = 0; i < m; i++)
            for (var w = 0; w < s; w++)
            {
                var largest = double.NegativeInfinity;
                for (var j = 0; j < n; j++)
                {
                    var d2 = Math.Max(0, queryNorms[i] + centreNorms[j] - 2 * products[i * n + j]);
                    exponents[j] = -d2 / (2 * sigmas[w] * sigmas[w]);
                    largest = Math.Max(largest, exponents[j]);
                }
                result[i * s + w] = LogMeanExp(exponents, largest) - dimension * Math.Log(sigmas[w] * Math.Sqrt(2 * Math.PI));
            }
        return result;
    }

    /// <summary>log((1/N) Σ exp(a_j)), with the largest a taken out first.</summary>
    public static double LogMeanExp(ReadOnlySpan<double> exponents, double largest)
    {
        double sum = 0;
        foreach (var a in exponents)
            sum += Math.Exp(a - largest);
        return largest + Math.Log(sum) - Math.Log(exponents.Length);
    }
}
