namespace ILGPUAE.Bench.Baselines;

using ILGPU;
using ILGPU.Runtime;
using ILGPUAE.Backend;
using ILGPUAE.Ilgpu;
using ILGPUAE.MatVec;

/// <summary>
/// Benchmark baseline only, never used by the engine: the textbook GEMM kernel, one thread per element of c, each
/// summing its K products straight from global memory. W4 reports the CPU accelerator's GEMM against it in the same
/// run (the host-provider issue asks for ≥ 4×).
/// </summary>
public sealed class NaiveGemmBaseline : IReferenceGemm
{
    private readonly IlgpuBackend backend;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmLayout> kernel;

    public NaiveGemmBaseline(IlgpuBackend backend)
    {
        this.backend = backend;
        kernel = backend.Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmLayout>(OnePerOutput);
    }

    public string Name => "naive kernel";

    public string Description => "naive kernel: one ILGPU thread per element of c, no blocking";

    /// <summary>c[M,N] = alpha·op(a)·op(b) + beta·c; thread t computes c[t / N, t mod N].</summary>
    public static void OnePerOutput(Index1D t, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, GemmLayout l)
    {
        long i = t / l.N;
        long j = t % l.N;
        var sum = 0f;
        for (var p = 0; p < l.K; p++)
            sum += a[i * l.ARow + (long)p * l.ACol] * b[(long)p * l.BRow + j * l.BCol];
        c[t] = l.Alpha * sum + (l.Beta == 0f ? 0f : l.Beta * c[t]);
    }

    public void Gemm(Transpose transA, Transpose transB, float alpha, Tensor<float> a, Tensor<float> b, float beta, Tensor<float> c)
    {
        var (m, n, k) = Shapes.Gemm(transA, transB, a, b, c);
        if (m == 0 || n == 0)
            return;
        kernel(m * n, View(a), View(b), View(c), GemmLayout.RowMajor(transA, transB, m, n, k, alpha, beta));
    }

    private ArrayView<float> View(Tensor<float> t) =>
        t is IlgpuTensor<float> x ? x.Storage.AsContiguous() : throw new ArgumentException($"a tensor of shape {t.Shape} is not on '{backend.Name}'");

    public void Dispose()
    {
    }
}
