namespace ILGPUAE.Backends;

using ILGPU;
using ILGPU.Backends;
using ILGPU.Runtime;
using ILGPUAE.Backend;
using ILGPUAE.IO;

/// <summary>A device that failed during a run, as one line: out of memory with its figures, or the driver's error.</summary>
public sealed class DeviceFaultException(string message, Exception innerException, params string[] mentioned) : Exception(message, innerException), ISettingMessage
{
    public string? Setting => null;
    public IReadOnlyList<string> Mentioned { get; } = mentioned;
}

/// <summary>Turns what the backends and ILGPU throw when a device fails into a <see cref="DeviceFaultException"/>.</summary>
public static class DeviceFault
{
    /// <summary>The settings that size a run's tensors, named in an out-of-memory message as the way down.</summary>
    private static readonly string[] Sizing = ["hidden", "batch", "train_limit", "test_limit"];

    /// <summary>
    /// <paramref name="e"/> as one line when it is a device's fault: <see cref="DeviceMemoryException"/> (with the settings that
    /// lower the need), a CUDA or OpenCL error (<see cref="AcceleratorException"/>), or a kernel ILGPU could not compile for the
    /// device; null for anything else.
    /// </summary>
    public static DeviceFaultException? Describe(Exception e) => e switch
    {
        DeviceFaultException fault => fault,
        AggregateException { InnerExceptions.Count: 1 } aggregate => Describe(aggregate.InnerExceptions[0]),
        DeviceMemoryException memory => new($"{memory.Message}; lower hidden, batch, train_limit or test_limit", memory, Sizing),
        AcceleratorException accelerator => new($"the accelerator failed: {OneLine(accelerator.Message)} ({accelerator.GetType().Name})", accelerator),
        InternalCompilerException or InvalidCodeGenerationException or NotSupportedIntrinsicException or CapabilityNotSupportedException =>
            new($"ILGPU could not compile a kernel for this device: {OneLine(e.Message)} ({e.GetType().Name}); accelerator host runs without it", e, "accelerator"),
        _ => null,
    };

    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
