namespace ILGPUAE.NonFinite;

using ILGPU;
using ILGPU.Runtime;
using ILGPUAE.Backend;
using ILGPUAE.Ilgpu;

public sealed class NonFiniteLauncher : INonFinite
{
    private readonly IlgpuBackend backend;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<int>, int, GridStride> flag;

    public NonFiniteLauncher(IlgpuBackend backend)
    {
        this.backend = backend;
        flag = backend.Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, int, GridStride>(NonFiniteKernels.Flag);
    }

    public void Flag(Tensor<float> x, int code, Tensor<int> flag)
    {
        Shapes.RequireLength(flag, nameof(flag), 1, $"one int");
        if (code == 0)
            throw new ArgumentOutOfRangeException(nameof(code), "code 0 means no non-finite value was found; expected a non-zero code");
        if (x.Length == 0)
            return;
        var g = backend.Stride(x.Length);
        this.flag(g.Stride, backend.ViewOf(x, nameof(x)).AsContiguous(), backend.ViewOf(flag, nameof(flag)).AsContiguous(), code, g);
    }
}
