namespace ILGPUAE.Bench.Baselines;

using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using ILGPUAE.Backend;
using ILGPUAE.Ilgpu;

/// <summary>
/// cuBLAS SGEMM (ILGPU.Algorithms' <see cref="CuBlas"/>) on the backend's own CUDA accelerator and stream, timed
/// exactly as our kernels are. cuBLAS is column-major, and a row-major [R,C] matrix is the column-major [C,R]
/// matrix of its transpose, so c = op(a)·op(b) runs as cᵀ = op(b)ᵀ·op(a)ᵀ: operands swapped, each keeping its own
/// transpose flag, leading dimensions the stored row lengths. Default math mode: fp32 throughout, no TF32 tensor ops.
/// </summary>
public sealed class CuBlasGemm : IReferenceGemm
{
    private readonly CuBlas blas;

    private CuBlasGemm(CuBlas blas, string description)
    {
        this.blas = blas;
        Description = description;
    }

    public string Name => "cuBLAS";

    public string Description { get; }

    /// <summary>cuBLAS on a CUDA backend, or null with the reason (not CUDA, or libcublas missing).</summary>
    public static CuBlasGemm? TryOpen(IBackend backend, out string? problem)
    {
        problem = null;
        if (backend is not IlgpuBackend { Accelerator: CudaAccelerator cuda })
        {
            problem = "cuBLAS runs only on a cuda backend";
            return null;
        }
        CuBlas? blas = null;
        try
        {
            blas = new CuBlas(cuda);
            // Scalars from host memory; CUBLAS_DEFAULT_MATH keeps SGEMM in fp32 (TF32 needs CUBLAS_TF32_TENSOR_OP_MATH).
            blas.PointerMode = CuBlasPointerMode.Host;
            blas.MathMode = CuBlasMathMode.DefaultMath;
            if (blas.MathMode != CuBlasMathMode.DefaultMath)
                throw new InvalidOperationException($"cuBLAS kept math mode {blas.MathMode}");
            var tf32 = Environment.GetEnvironmentVariable("NVIDIA_TF32_OVERRIDE");
            return new CuBlasGemm(blas, $"cuBLAS {blas.Version} in-process (ILGPU.Algorithms CuBlas), default math mode (fp32, no TF32)" +
                (tf32 is null ? "" : $", NVIDIA_TF32_OVERRIDE={tf32}"));
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or CuBlasException or InvalidOperationException)
        {
            blas?.Dispose();
            problem = $"cuBLAS unavailable: {e.GetType().Name}: {e.Message}";
            return null;
        }
    }

    public void Gemm(Transpose transA, Transpose transB, float alpha, Tensor<float> a, Tensor<float> b, float beta, Tensor<float> c)
    {
        var (m, n, k) = Shapes.Gemm(transA, transB, a, b, c);
        if (m == 0 || n == 0)
            return;
        // Row lengths of the stored matrices: a [M,K] or [K,M], b [K,N] or [N,K], c [M,N].
        var lda = transA == Transpose.None ? k : m;
        var ldb = transB == Transpose.None ? n : k;
        blas.Gemm(Op(transB), Op(transA), n, m, k, alpha, View(b), ldb, View(a), lda, beta, View(c), n);
    }

    private static CuBlasOperation Op(Transpose t) => t == Transpose.None ? CuBlasOperation.NonTranspose : CuBlasOperation.Transpose;

    private static ArrayView<float> View(Tensor<float> t) =>
        t is IlgpuTensor<float> x ? x.Storage.AsContiguous() : throw new ArgumentException($"a tensor of shape {t.Shape} is not an ILGPU tensor");

    public void Dispose() => blas.Dispose();
}
