namespace ILGPUAE.Backend;

/// <summary>
/// A compute backend: it owns tensors and implements every kernel family on them. The trainer calls
/// these families and nothing else, so a model runs unchanged on CUDA, OpenCL, ILGPU's CPU
/// accelerator or the managed SIMD host provider.
/// </summary>
public interface IBackend : IDisposable
{
    /// <summary>What runs the kernels, e.g. "cuda #0: NVIDIA H100" or "cpu: ILGPU CPU accelerator".</summary>
    string Name { get; }

    /// <summary>Bytes currently held by tensors this backend allocated (views excluded).</summary>
    long AllocatedBytes { get; }

    /// <summary>A zero-filled tensor.</summary>
    Tensor<T> Allocate<T>(params int[] shape) where T : unmanaged;

    /// <summary>Waits until every launched kernel has finished.</summary>
    void Synchronize();

    IGemm Gemm { get; }
    IDelta Delta { get; }
    ISoftmax Softmax { get; }
    ICorruption Corruption { get; }
    IOptimizer Optimizer { get; }
    INonFinite NonFinite { get; }
    ISvm Svm { get; }
    IParzen Parzen { get; }

    /// <summary>Selection, ranking, crossover, mutation and diversity of a population held as one [N, P] tensor (Genetic family).</summary>
    IGenetic Genetic { get; }

    /// <summary>3×3 convolutions, stride 1, zero padding 1 (Convolution family).</summary>
    IConv2d Conv2d { get; }
    /// <summary>2×2 max-pool and nearest-neighbour upsampling of NCHW image batches, forward and backward.</summary>
    IPooling Pooling { get; }

    /// <summary>Inverted dropout with a counter-based mask.</summary>
    IDropout Dropout { get; }

    /// <summary>
    /// Per-sample SGD in a few launches per range of examples, where launch latency would otherwise bound
    /// batch-1 training (ILGPU accelerators); null where a step costs no launch (the host provider).
    /// </summary>
    ISampleSgd? SampleSgd { get; }
}
