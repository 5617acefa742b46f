namespace ILGPUAE.MatVec;

using ILGPU;
using ILGPU.Runtime;
using ILGPUAE.Backend;
using ILGPUAE.Ilgpu;

/// <summary>Loads the GEMM kernels once and launches them on tensors of one <see cref="IlgpuBackend"/>.</summary>
public sealed class GemmLauncher : IGemm
{
    private readonly IlgpuBackend backend;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmLayout, GridStride> tile4x4;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmLayout, GridStride> strip1x4;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, int, float, GridStride> columnSums;

    public GemmLauncher(IlgpuBackend backend)
    {
        this.backend = backend;
        var acc = backend.Accelerator;
        tile4x4 = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmLayout, GridStride>(GemmKernels.Tile4x4);
        strip1x4 = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmLayout, GridStride>(GemmKernels.Strip1x4);
        columnSums = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, float, GridStride>(GemmKernels.ColumnSums);
    }

    public void Gemm(Transpose transA, Transpose transB, float alpha, Tensor<float> a, Tensor<float> b, float beta, Tensor<float> c)
    {
        var (m, n, k) = Shapes.Gemm(transA, transB, a, b, c);
        if (m == 0 || n == 0)
            return;
        var (aRow, aCol) = transA == Transpose.None ? (k, 1) : (1, m);
        var (bRow, bCol) = transB == Transpose.None ? (n, 1) : (1, k);
        var layout = new GemmLayout(m, n, k, aRow, aCol, bRow, bCol, alpha, beta);
        var av = backend.ViewOf(a, nameof(a)).AsContiguous();
        var bv = backend.ViewOf(b, nameof(b)).AsContiguous();
        var cv = backend.ViewOf(c, nameof(c)).AsContiguous();
        var tilesN = (n + GemmKernels.TileCols - 1) / GemmKernels.TileCols;
        if (m < GemmKernels.TileRows)
        {
            var g = backend.Stride(m * tilesN);
            strip1x4(g.Stride, av, bv, cv, layout, g);
        }
        else
        {
            var g = backend.Stride((m + GemmKernels.TileRows - 1) / GemmKernels.TileRows * tilesN);
            tile4x4(g.Stride, av, bv, cv, layout, g);
        }
    }

    public void ColumnSums(Tensor<float> a, float beta, Tensor<float> sums)
    {
        Shapes.ColumnSums(a, sums);
        if (sums.Length == 0)
            return;
        var g = backend.Stride(sums.Length);
        columnSums(g.Stride, backend.ViewOf(a, nameof(a)).AsContiguous(), backend.ViewOf(sums, nameof(sums)).AsContiguous(), a.Shape[0], beta, g);
    }
}
