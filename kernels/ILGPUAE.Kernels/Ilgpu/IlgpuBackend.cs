namespace ILGPUAE.Ilgpu;

using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;
using ILGPUAE.Activation;
using ILGPUAE.Backend;
using ILGPUAE.Convolution;
using ILGPUAE.Corruption;
using ILGPUAE.Delta;
using ILGPUAE.Dropout;
using ILGPUAE.Genetic;
using ILGPUAE.MatVec;
using ILGPUAE.NonFinite;
using ILGPUAE.Optimizer;
using ILGPUAE.Parzen;
using ILGPUAE.Pooling;
using ILGPUAE.SampleSgd;
using ILGPUAE.Softmax;
using ILGPUAE.Svm;

/// <summary>
/// Runs the hand-written ILGPU kernels on one accelerator (CUDA, OpenCL or ILGPU's CPU accelerator).
/// Every kernel is loaded once, when the backend is made.
/// </summary>
public sealed class IlgpuBackend : IBackend
{
    private readonly IDisposable? owner;
    private long allocatedBytes;

    /// <param name="owner">Disposed after the accelerator, e.g. the ILGPU context that made it.</param>
    public IlgpuBackend(Accelerator accelerator, string name, IDisposable? owner = null)
    {
        this.owner = owner;
        Accelerator = accelerator;
        Name = name;
        Gemm = new GemmLauncher(this);
        Delta = new DeltaLauncher(this);
        Softmax = new SoftmaxLauncher(this);
        Corruption = new CorruptionLauncher(this);
        Optimizer = new OptimizerLauncher(this);
        NonFinite = new NonFiniteLauncher(this);
        Svm = new SvmLauncher(this);
        Parzen = new ParzenLauncher(this);
        Genetic = new GeneticLauncher(this);
        Pooling = new PoolingLauncher(this);
        Dropout = new DropoutLauncher(this);
        sampleSgd = new SampleSgdLauncher(this);
        conv2d = new Conv2dLauncher(this);
    }

    public Accelerator Accelerator { get; }

    /// <summary>ILGPU's CPU accelerator pays ≈2.5 ms per group barrier: kernels pick barrier-free variants there.</summary>
    public bool IsCpuAccelerator => Accelerator.AcceleratorType == AcceleratorType.CPU;

    public string Name { get; }

    public long AllocatedBytes => Interlocked.Read(ref allocatedBytes);

    public IGemm Gemm { get; }
    public IDelta Delta { get; }
    public ISoftmax Softmax { get; }
    public ICorruption Corruption { get; }
    public IOptimizer Optimizer { get; }
    public INonFinite NonFinite { get; }
    public ISvm Svm { get; }
    public IParzen Parzen { get; }
    public IGenetic Genetic { get; }
    public IPooling Pooling { get; }
    public IDropout Dropout { get; }

    private readonly SampleSgdLauncher sampleSgd;

    private readonly Conv2dLauncher conv2d;

    public IConv2d Conv2d => conv2d;

    public ISampleSgd SampleSgd => sampleSgd;

    public Tensor<T> Allocate<T>(params int[] shape) where T : unmanaged
    {
        var tensorShape = new TensorShape(shape);
        // ILGPU rejects zero-length buffers on some backends; one element keeps the view valid.
        MemoryBuffer1D<T, Stride1D.Dense> buffer;
        try
        {
            buffer = Accelerator.Allocate1D<T>(Math.Max(1, tensorShape.Length));
        }
        catch (Exception e) when (IsOutOfMemory(e))
        {
            throw new DeviceMemoryException(Name, (long)Math.Max(1, tensorShape.Length) * Unsafe.SizeOf<T>(), AllocatedBytes, Accelerator.MemorySize, e);
        }
        buffer.MemSetToZero();
        Interlocked.Add(ref allocatedBytes, buffer.LengthInBytes);
        return new IlgpuTensor<T>(this, buffer, buffer.View.SubView(0, tensorShape.Length), tensorShape);
    }

    /// <summary>
    /// Whether an allocation failed for want of memory: CUDA_ERROR_OUT_OF_MEMORY; OpenCL's CL_MEM_OBJECT_ALLOCATION_FAILURE,
    /// CL_OUT_OF_RESOURCES, CL_OUT_OF_HOST_MEMORY; the CPU accelerator's managed allocation. ILGPU 1.5 exposes the error as its
    /// name (a string), so the names are compared, with the driver's message as a second witness.
    /// </summary>
    private static bool IsOutOfMemory(Exception e) => e switch
    {
        OutOfMemoryException => true,
        CudaException cuda => $"{cuda.Error} {cuda.Message}".Contains("OUT_OF_MEMORY", StringComparison.OrdinalIgnoreCase)
            || cuda.Message.Contains("out of memory", StringComparison.OrdinalIgnoreCase),
        CLException cl => $"{cl.Error}" is var name && (name.Contains("ALLOCATION_FAILURE", StringComparison.Ordinal)
            || name.Contains("OUT_OF_RESOURCES", StringComparison.Ordinal) || name.Contains("OUT_OF_HOST_MEMORY", StringComparison.Ordinal)),
        _ => false,
    };

    /// <summary>
    /// The launch shape for <paramref name="items"/> work items: one thread per item on a GPU; on the
    /// CPU accelerator only as many emulated threads as it runs at once, each looping over its share.
    /// </summary>
    internal GridStride Stride(int items) =>
        new(items, IsCpuAccelerator ? Math.Max(1, Math.Min(items, Accelerator.MaxNumThreads)) : Math.Max(1, items));

    internal void Release(long bytes) => Interlocked.Add(ref allocatedBytes, -bytes);

    public void Synchronize() => Accelerator.Synchronize();

    /// <summary>The ILGPU view behind a tensor of this backend; any other tensor is a caller's mistake.</summary>
    internal ArrayView1D<T, Stride1D.Dense> ViewOf<T>(Tensor<T> tensor, string parameter) where T : unmanaged
    {
        if (tensor is IlgpuTensor<T> t && ReferenceEquals(t.Backend, this))
            return t.Storage;
        throw new ArgumentException($"{parameter} (shape {tensor.Shape}) does not belong to backend '{Name}'", parameter);
    }

    public void Dispose()
    {
        sampleSgd.Dispose();
        conv2d.Dispose();
        ((GemmLauncher)Gemm).Dispose();
        ((OptimizerLauncher)Optimizer).Dispose();
        Accelerator.Dispose();
        owner?.Dispose();
    }
}
