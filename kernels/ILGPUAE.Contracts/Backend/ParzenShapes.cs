namespace ILGPUAE.Backend;

public static partial class Shapes
{
    /// <summary>x [M,K], norms [M].</summary>
    public static void SquaredNorms(Tensor<float> x, Tensor<float> norms)
    {
        RequireRank2(x, "x");
        RequireLength(norms, "norms", x.Shape[0], $"one per row of x {x.Shape}");
    }

    /// <summary>products [M,N], queryNorms [M], centreNorms [N], sigmas [S] (S ≥ 1), logDensities [M,S], dimension ≥ 1.</summary>
    public static void ParzenLogDensities(Tensor<float> products, Tensor<float> queryNorms, Tensor<float> centreNorms, Tensor<float> sigmas, int dimension,
        Tensor<float> logDensities)
    {
        RequireRank2(products, "products");
        RequireRank2(logDensities, "logDensities");
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        if (products.Shape[1] < 1)
            throw new ArgumentException($"products {products.Shape} has no centres; a Parzen window needs at least one", nameof(products));
        if (sigmas.Length < 1)
            throw new ArgumentException($"sigmas {sigmas.Shape} is empty; expected at least one window width", nameof(sigmas));
        RequireLength(queryNorms, "queryNorms", products.Shape[0], $"one per row of products {products.Shape}");
        RequireLength(centreNorms, "centreNorms", products.Shape[1], $"one per column of products {products.Shape}");
        if (logDensities.Shape[0] != products.Shape[0] || logDensities.Shape[1] != sigmas.Length)
            throw new ArgumentException(
                $"logDensities {logDensities.Shape} must be [queries, widths] = [{products.Shape[0]}, {sigmas.Length}] for products {products.Shape} and sigmas {sigmas.Shape}",
                nameof(logDensities));
    }
}
