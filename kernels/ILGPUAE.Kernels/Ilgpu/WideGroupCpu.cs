namespace ILGPUAE.Ilgpu;

using ILGPU;
using ILGPU.Runtime.CPU;

/// <summary>
/// ILGPU's CPU accelerator with 256-thread groups. The engine's CPU accelerator has 4-thread groups (few emulated
/// threads make its grid-stride launches fast), too small for the shared-memory GEMM kernels; checks and tests
/// run those here instead. Each emulated thread is an OS thread, so it is for correctness, never for speed.
/// </summary>
public static class WideGroupCpu
{
    public const int ThreadsPerGroup = 256;

    /// <summary>A backend on a new 256-thread-group CPU accelerator of <paramref name="context"/>, which must outlive it.</summary>
    public static IlgpuBackend Open(Context context) =>
        new(new CPUDevice(numThreadsPerWarp: 32, numWarpsPerMultiprocessor: ThreadsPerGroup / 32, numMultiprocessors: 1).CreateCPUAccelerator(context),
            $"cpu ({ThreadsPerGroup}-thread groups)");
}
