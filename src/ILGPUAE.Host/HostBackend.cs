namespace ILGPUAE.Host;

using ILGPUAE.Backend;
using ILGPUAE.Host.Activation;
using ILGPUAE.Host.Convolution;
using ILGPUAE.Host.Corruption;
using ILGPUAE.Host.Delta;
using ILGPUAE.Host.Dropout;
using ILGPUAE.Host.Genetic;
using ILGPUAE.Host.MatVec;
using ILGPUAE.Host.NonFinite;
using ILGPUAE.Host.Optimizer;
using ILGPUAE.Host.Parzen;
using ILGPUAE.Host.Pooling;
using ILGPUAE.Host.Softmax;
using ILGPUAE.Host.Svm;
using ILGPUAE.Host.Threading;

/// <summary>Which register tile the host GEMM runs.</summary>
public enum HostGemmKernel
{
    /// <summary><see cref="Vector512"/> where AVX-512 is present, else <see cref="Portable"/>.</summary>
    Auto,

    /// <summary>10 × 32 tile of Vector512 accumulators; it needs AVX-512's 32 vector registers.</summary>
    Vector512,

    /// <summary>6 × 2·Vector&lt;float&gt;.Count tile that fits 16 registers (AVX2, NEON).</summary>
    Portable,
}

/// <summary>
/// The managed SIMD provider: every kernel family in C# on the calling thread and a pool of workers,
/// on tensors in pinned managed arrays. Operations run synchronously, one at a time (like a device
/// stream, a backend is not thread-safe). Element-wise loops and matrix-vector products use Vector512
/// (on hardware without AVX-512, .NET runs it as two 256-bit halves); the GEMM tile is chosen by
/// <see cref="HostGemmKernel"/>.
/// </summary>
public sealed unsafe class HostBackend : IBackend, ILaneProvider, IHostThreads
{
    private readonly WorkerPool pool;
    private readonly HostGemmKernel kernel;

    /// <summary>The backend whose memory this one uses: itself, or for a lane the backend that made it.</summary>
    private readonly HostBackend memoryOwner;
    private long allocatedBytes;

    /// <summary>A backend that runs on every core.</summary>
    public HostBackend()
        : this(Environment.ProcessorCount)
    {
    }

    /// <param name="threads">Threads that run kernels, the caller's included (at least 1).</param>
    /// <param name="kernel">The GEMM register tile; tests force <see cref="HostGemmKernel.Portable"/> to cover it.</param>
    public HostBackend(int threads, HostGemmKernel kernel = HostGemmKernel.Auto)
        : this(threads, kernel, memoryOwner: null)
    {
    }

    private HostBackend(int threads, HostGemmKernel kernel, HostBackend? memoryOwner)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        this.memoryOwner = memoryOwner ?? this;
        pool = new WorkerPool(threads);
        if (kernel == HostGemmKernel.Auto)
            kernel = System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? HostGemmKernel.Vector512 : HostGemmKernel.Portable;
        var activation = new HostActivation(this, pool);
        (Gemm, var tile) = kernel == HostGemmKernel.Vector512
            ? ((IGemm)new HostGemm<Tile10x32>(this, pool, activation), Tile10x32.Description)
            : (new HostGemm<TilePortable>(this, pool, activation), TilePortable.Description);
        this.kernel = kernel;
        Name = $"host: {threads} {(threads == 1 ? "core" : "cores")}, {tile}";
        Delta = new HostDelta(this, pool);
        Softmax = new HostSoftmax(this, pool);
        Corruption = new HostCorruption(this, pool);
        Optimizer = new HostOptimizer(this, pool);
        NonFinite = new HostNonFinite(this);
        Svm = new HostSvm(this);
        Parzen = new HostParzen(this, pool);
        Genetic = new HostGenetic(this, pool);
        Conv2d = new HostConv2d(this, pool);
        Pooling = new HostPooling(this, pool);
        Dropout = new HostDropout(this, pool);
    }

    /// <summary>E.g. "host: 2 cores, AVX-512 (Vector512&lt;float&gt;)".</summary>
    public string Name { get; }

    /// <summary>Floats per SIMD register: 16 with AVX-512, else <see cref="System.Numerics.Vector{T}.Count"/>.</summary>
    public static int VectorWidth => System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? 16 : System.Numerics.Vector<float>.Count;

    /// <summary>"Vector512", or e.g. "Vector256" where AVX-512 is missing.</summary>
    public static string VectorDescription => $"Vector{VectorWidth * 32}";

    /// <summary>Threads that run kernels, the caller's included.</summary>
    public int Threads => pool.Workers;

    /// <inheritdoc/>
    public bool CallerOnly
    {
        get => pool.CallerOnly;
        set => pool.CallerOnly = value;
    }

    public long AllocatedBytes => Interlocked.Read(ref allocatedBytes);

    public IGemm Gemm { get; }
    public IDelta Delta { get; }
    public ISoftmax Softmax { get; }
    public ICorruption Corruption { get; }
    public IOptimizer Optimizer { get; }
    public INonFinite NonFinite { get; }
    public IParzen Parzen { get; }
    public IGenetic Genetic { get; }
    public IPooling Pooling { get; }
    public IDropout Dropout { get; }

    public IConv2d Conv2d { get; }

    public ISvm Svm { get; }

    /// <summary>None: a host step launches nothing, so per-sample SGD runs as ordinary batch-1 steps.</summary>
    public ISampleSgd? SampleSgd => null;

    public Tensor<T> Allocate<T>(params int[] shape) where T : unmanaged
    {
        var tensorShape = new TensorShape(shape);
        // One element at least, so that a pointer to an empty tensor's storage is still valid.
        T[] storage;
        try
        {
            storage = GC.AllocateArray<T>(Math.Max(1, tensorShape.Length), pinned: true);
        }
        catch (OutOfMemoryException e)
        {
            throw new DeviceMemoryException(Name, (long)Math.Max(1, tensorShape.Length) * sizeof(T), AllocatedBytes,
                GC.GetGCMemoryInfo().TotalAvailableMemoryBytes, e);
        }
        Interlocked.Add(ref allocatedBytes, (long)storage.Length * sizeof(T));
        return new HostTensor<T>(this, storage, 0, tensorShape, ownsStorage: true);
    }

    /// <summary>Operations run synchronously: when a launch returns, its results are in memory.</summary>
    public void Synchronize()
    {
    }

    internal void Release(long bytes) => Interlocked.Add(ref allocatedBytes, -bytes);

    /// <summary>The storage behind a tensor of this backend; any other tensor is a caller's mistake.</summary>
    internal T* PointerOf<T>(Tensor<T> tensor, string parameter) where T : unmanaged
    {
        if (tensor is HostTensor<T> t && ReferenceEquals(t.Backend.memoryOwner, memoryOwner))
            return t.Pointer;
        throw new ArgumentException($"{parameter} (shape {tensor.Shape}) does not belong to backend '{Name}'", parameter);
    }

    public int MaxLanes => Environment.ProcessorCount;

    /// <summary>A single-threaded backend on this backend's memory, for one Hogwild worker.</summary>
    public IBackend CreateLane() => new HostBackend(1, kernel, memoryOwner);

    public void Dispose() => pool.Dispose();
}
