namespace ILGPUAE.Tests.Kernels;

using ILGPU;
using ILGPU.Backends.OpenCL;
using ILGPU.Backends.PTX;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;

/// <summary>
/// ILGPU's GPU compilers without a device: the CPU accelerator runs kernels as .NET code, so only these show what a GPU compiler
/// rejects (an unsupported construct, a shared allocation whose size does not fold to a constant).
/// </summary>
internal static class DeviceCompilers
{
    /// <summary>ILGPU's PTX backend for sm_70.</summary>
    public static PTXBackend Ptx(Context context) =>
        new(context, new CudaCapabilityContext(CudaArchitecture.SM_70), CudaArchitecture.SM_70, CudaInstructionSet.ISA_70, nvvmAPI: null);

    /// <summary>ILGPU's OpenCL C backend for an OpenCL 2.0 device with generic address space (what ILGPU requires).</summary>
    public static CLBackend OpenCl(Context context) =>
        new(context, new CLCapabilityContext(float16: false, float64: true, genericAddressSpace: true, int64_Atomics: true, subGroups: false),
            CLDeviceVendor.Nvidia, CLCVersion.CL20);
}
