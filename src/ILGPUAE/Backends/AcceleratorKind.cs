namespace ILGPUAE.Backends;

/// <summary>Which compute backend to run on; <see cref="Auto"/> picks the best one present.</summary>
public enum AcceleratorKind
{
    Auto,
    Cuda,
    OpenCL,

    /// <summary>ILGPU's CPU accelerator: runs the ILGPU kernels by emulating GPU threads (for tests and `check`).</summary>
    Cpu,

    /// <summary>The managed SIMD provider (ILGPUAE.Host): C# Vector512 kernels on every core; what auto picks without a GPU.</summary>
    Host,
}

/// <summary>A device as <c>devices</c> prints it; <see cref="Index"/> counts within its backend.</summary>
public sealed record DeviceDescription(
    AcceleratorKind Kind, int Index, string Name, long MemoryBytes, int WarpSize, int MaxGroupSize, bool Usable, string? Reason);

/// <summary>The requested accelerator is absent or cannot run our kernels; the message names the device and why.</summary>
/// <param name="setting">The setting the message opens with ("accelerator", "device").</param>
public sealed class AcceleratorUnavailableException(string setting, string message, params string[] mentioned) : Exception(message), IO.ISettingMessage
{
    public string? Setting { get; } = setting;
    public IReadOnlyList<string> Mentioned { get; } = mentioned;
}
