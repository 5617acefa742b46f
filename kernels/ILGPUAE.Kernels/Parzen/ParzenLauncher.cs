namespace ILGPUAE.Parzen;

using ILGPU;
using ILGPU.Runtime;
using ILGPUAE.Backend;
using ILGPUAE.Ilgpu;

/// <summary><see cref="IParzen"/> on an ILGPU accelerator: kernels loaded once, shapes checked before each launch.</summary>
public sealed class ParzenLauncher : IParzen
{
    private readonly IlgpuBackend backend;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, int, GridStride> squaredNorms;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ParzenParameters, GridStride>
        logDensities;

    public ParzenLauncher(IlgpuBackend backend)
    {
        this.backend = backend;
        var acc = backend.Accelerator;
        squaredNorms = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, GridStride>(ParzenKernels.SquaredNorms);
        logDensities = acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ParzenParameters, GridStride>(ParzenKernels.LogDensities);
    }

    public void SquaredNorms(Tensor<float> x, Tensor<float> norms)
    {
        Shapes.SquaredNorms(x, norms);
        if (x.Shape[0] == 0)
            return;
        var g = backend.Stride(x.Shape[0]);
        squaredNorms(g.Stride, backend.ViewOf(x, nameof(x)).AsContiguous(), backend.ViewOf(norms, nameof(norms)).AsContiguous(), x.Shape[1], g);
    }

    public void LogDensities(Tensor<float> products, Tensor<float> queryNorms, Tensor<float> centreNorms, Tensor<float> sigmas, int dimension,
        Tensor<float> logDensities)
    {
        Shapes.ParzenLogDensities(products, queryNorms, centreNorms, sigmas, dimension, logDensities);
        if (logDensities.Length == 0)
            return;
        var g = backend.Stride(logDensities.Length);
        this.logDensities(g.Stride, backend.ViewOf(products, nameof(products)).AsContiguous(), backend.ViewOf(queryNorms, nameof(queryNorms)).AsContiguous(),
            backend.ViewOf(centreNorms, nameof(centreNorms)).AsContiguous(), backend.ViewOf(sigmas, nameof(sigmas)).AsContiguous(),
            backend.ViewOf(logDensities, nameof(logDensities)).AsContiguous(), new ParzenParameters(products.Shape[1], sigmas.Length, dimension), g);
    }
}
