namespace ILGPUAE.Backends;

using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Backends.OpenCL;
using ILGPU.Runtime.OpenCL;
using ILGPUAE.Backend;
using ILGPUAE.Host;
using ILGPUAE.Ilgpu;

/// <summary>
/// Finds every device (including OpenCL devices ILGPU cannot use, so they can be listed with the
/// reason) and opens a backend on the one asked for.
/// </summary>
public static class AcceleratorCatalog
{
    /// <summary>Every device of every backend, usable or not.</summary>
    public static IReadOnlyList<DeviceDescription> List()
    {
        using var context = CreateContext();
        return Describe(context).Select(d => d.Description).Append(HostDevice()).ToList();
    }

    /// <summary>
    /// Opens the backend for <paramref name="kind"/> and device <paramref name="index"/> (ignored for
    /// <see cref="AcceleratorKind.Auto"/>). Auto prefers CUDA, then a usable OpenCL device, then the host provider;
    /// unusable devices that it skips are reported through <paramref name="note"/>.
    /// </summary>
    public static IBackend Open(AcceleratorKind kind, int index = 0, Action<string>? note = null)
    {
        if (kind == AcceleratorKind.Host)
            return OpenHost(index);
        var context = CreateContext();
        try
        {
            var devices = Describe(context);
            if (kind == AcceleratorKind.Auto)
            {
                var opened = OpenFirst(UsableGpus(devices, note).Select(d => new Candidate(Label(d.Description), () => OpenOn(context, d, owner: context))), note);
                if (opened is HostBackend)
                    context.Dispose();
                return opened;
            }
            return OpenOn(context, PickExplicit(devices, kind, index), owner: context);
        }
        catch (Exception)
        {
            context.Dispose();
            throw;
        }
    }

    /// <summary>A device auto may open: how notes name it, and how to open it.</summary>
    internal sealed record Candidate(string Label, Func<IBackend> Open);

    /// <summary>
    /// Auto's rule: the first of <paramref name="candidates"/> that opens, else the host provider. A GPU that fails to open (its
    /// driver, its context, a kernel it cannot compile) is reported through <paramref name="note"/> as a warning and skipped.
    /// </summary>
    internal static IBackend OpenFirst(IEnumerable<Candidate> candidates, Action<string>? note)
    {
        foreach (var candidate in candidates)
        {
            try
            {
                return candidate.Open();
            }
            catch (Exception e)
            {
                // Any failure to open is a reason to try the next device: auto promises a backend, and says which it skipped and why.
                var cause = string.Join(' ', e.Message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
                note?.Invoke($"warning: {candidate.Label} failed to initialise ({e.GetType().Name}: {cause}); trying the next device, then host");
            }
        }
        return new HostBackend();
    }

    private static IlgpuBackend OpenOn(Context context, Found chosen, IDisposable owner)
    {
        var accelerator = chosen.Device.CreateAccelerator(context);
        try
        {
            return new IlgpuBackend(accelerator, Label(chosen.Description), owner: owner);
        }
        catch (Exception)
        {
            accelerator.Dispose();
            throw;
        }
    }

    private static string Label(DeviceDescription d) => $"{Name(d.Kind)} #{d.Index}: {d.Name}";

    public static string Name(AcceleratorKind kind) => kind.ToString().ToLowerInvariant();

    private static Context CreateContext() =>
        // OpenCL with an accept-all predicate: ILGPU's default filter would hide rejected devices,
        // and `devices` must list them with the reason.
        Context.Create(builder => builder.Cuda().OpenCL(_ => true).CPU(CpuDevice()).EnableAlgorithms());

    /// <summary>
    /// One small emulated multiprocessor per core. Every emulated thread is an OS thread that costs
    /// microseconds per launch, and our kernels are grid-stride, so few threads beat many: on 2 cores,
    /// 8 threads ran a batch-1 training step's launches 10–30× faster than 64.
    /// </summary>
    private static CPUDevice CpuDevice() => new(numThreadsPerWarp: 4, numWarpsPerMultiprocessor: 1, numMultiprocessors: Environment.ProcessorCount);

    private sealed record Found(Device Device, DeviceDescription Description);

    private static List<Found> Describe(Context context)
    {
        var result = new List<Found>();
        var counters = new Dictionary<AcceleratorKind, int>();
        foreach (var device in context)
        {
            var kind = device.AcceleratorType switch
            {
                AcceleratorType.Cuda => AcceleratorKind.Cuda,
                AcceleratorType.OpenCL => AcceleratorKind.OpenCL,
                _ => AcceleratorKind.Cpu,
            };
            counters.TryGetValue(kind, out var index);
            counters[kind] = index + 1;
            var reason = device is CLDevice cl ? OpenClRejection(cl) : null;
            result.Add(new Found(device, new DeviceDescription(kind, index, device.Name.Trim(), device.MemorySize,
                device.WarpSize, device.MaxNumThreadsPerGroup, reason is null, reason)));
        }
        return result;
    }

    /// <summary>Why ILGPU cannot run our kernels on this OpenCL device, or null if it can.</summary>
    private static string? OpenClRejection(CLDevice device)
    {
        if (!device.Capabilities.GenericAddressSpace)
            return "no generic address space (ILGPU needs OpenCL 2.0 generic pointers)";
        if (device.CVersion < CLCVersion.CL20)
            return $"OpenCL C {device.CVersion}, ILGPU needs 2.0";
        return null;
    }

    /// <summary>
    /// The usable GPUs in auto's order (CUDA, then OpenCL), noting each unusable one as it is passed; ILGPU's CPU accelerator
    /// is never among them: host is faster.
    /// </summary>
    private static IEnumerable<Found> UsableGpus(List<Found> devices, Action<string>? note)
    {
        foreach (var kind in new[] { AcceleratorKind.Cuda, AcceleratorKind.OpenCL })
        {
            foreach (var d in devices.Where(d => d.Description.Kind == kind))
            {
                if (d.Description.Usable)
                    yield return d;
                else
                    note?.Invoke($"skipping {Name(kind)} #{d.Description.Index} ({d.Description.Name}): {d.Description.Reason}");
            }
        }
    }

    private static IBackend OpenHost(int index)
    {
        if (index != 0)
            throw new AcceleratorUnavailableException("device", $"device {index}: host has 1 device, expected index 0");
        return new HostBackend();
    }

    /// <summary>The host provider as `devices` lists it: all of RAM, the SIMD width in floats as its warp, a thread per core.</summary>
    private static DeviceDescription HostDevice() => new(AcceleratorKind.Host, 0,
        $"managed SIMD, {Environment.ProcessorCount} cores, {HostBackend.VectorDescription}",
        GC.GetGCMemoryInfo().TotalAvailableMemoryBytes, HostBackend.VectorWidth, Environment.ProcessorCount, Usable: true, Reason: null);

    private static Found PickExplicit(List<Found> devices, AcceleratorKind kind, int index)
    {
        var ofKind = devices.Where(d => d.Description.Kind == kind).ToList();
        if (ofKind.Count == 0)
            throw new AcceleratorUnavailableException("accelerator", $"accelerator {Name(kind)}: no {Name(kind)} device found{MissingHint(kind)}");
        if (index < 0 || index >= ofKind.Count)
            throw new AcceleratorUnavailableException("device",
                $"device {index}: {Name(kind)} has {ofKind.Count} device(s), expected an index from 0 to {ofKind.Count - 1}");
        var found = ofKind[index];
        if (!found.Description.Usable)
            throw new AcceleratorUnavailableException("accelerator",
                $"accelerator {Name(kind)} device {index}: {found.Description.Name} cannot run ILGPU kernels: {found.Description.Reason}", "device");
        return found;
    }

    private static string MissingHint(AcceleratorKind kind) => kind switch
    {
        AcceleratorKind.Cuda => " (no NVIDIA driver / libcuda.so on this machine)",
        AcceleratorKind.OpenCL => " (no OpenCL platform; ILGPU loads libOpenCL.so, e.g. Debian's ocl-icd-opencl-dev)",
        _ => "",
    };
}
