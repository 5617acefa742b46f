namespace ILGPUAE.Backend;

/// <summary>
/// A tensor the backend could not allocate: the device (or, for the host provider, the process) is out of memory. Carries
/// the figures a user needs to size the run down: what was asked for, what the backend already held, and what the device has.
/// </summary>
public sealed class DeviceMemoryException(string device, long requestedBytes, long heldBytes, long deviceBytes, Exception innerException)
    : Exception($"out of memory on {device}: a tensor of {Bytes(requestedBytes)} did not fit beside the {Bytes(heldBytes)} already held; " +
        $"the device has {Bytes(deviceBytes)}", innerException)
{
    public string Device { get; } = device;
    public long RequestedBytes { get; } = requestedBytes;
    public long HeldBytes { get; } = heldBytes;
    public long DeviceBytes { get; } = deviceBytes;

    /// <summary>A byte count as people read it: "512 B", "6.3 GB", "2.1 PB" (powers of 1000, as disks and drivers report them).</summary>
    public static string Bytes(double bytes)
    {
        string[] units = ["B", "kB", "MB", "GB", "TB", "PB", "EB"];
        var unit = 0;
        while (Math.Abs(bytes) >= 1000 && unit < units.Length - 1)
        {
            bytes /= 1000;
            unit++;
        }
        return bytes.ToString(unit > 0 && bytes < 10 ? "F1" : "F0", System.Globalization.CultureInfo.InvariantCulture) + " " + units[unit];
    }
}
