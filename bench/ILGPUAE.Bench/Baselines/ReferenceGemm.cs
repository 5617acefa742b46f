namespace ILGPUAE.Bench.Baselines;

using ILGPUAE.Backend;

/// <summary>
/// A GEMM that W4 times beside ours on the same backend, in the same process and on the same tensors: cuBLAS on
/// cuda, the naive one-thread-per-output kernel on ILGPU's CPU accelerator. Row-major, with
/// <see cref="IGemm.Gemm"/>'s meaning.
/// </summary>
public interface IReferenceGemm : IDisposable
{
    /// <summary>The column heading's name, e.g. "cuBLAS".</summary>
    string Name { get; }

    /// <summary>What it is and how it was configured, for the row's note.</summary>
    string Description { get; }

    void Gemm(Transpose transA, Transpose transB, float alpha, Tensor<float> a, Tensor<float> b, float beta, Tensor<float> c);
}
