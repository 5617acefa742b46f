namespace ILGPUAE.Training;

using ILGPUAE.Backend;

/// <summary>
/// The per-example losses of one epoch: the steps write them on the device ([examples], in visiting
/// order), and reports read them back in ranges, a few times a second, to sum them on the host. With a
/// <see cref="NonFiniteGuard"/>, each read also scans the parameters and reads the guard's flag: losses and weights are
/// checked at the same points, and never between them.
/// </summary>
public sealed class EpochLosses : IDisposable
{
    private readonly IBackend backend;
    private readonly float[] host;
    private readonly NonFiniteGuard? guard;

    public EpochLosses(IBackend backend, int examples, NonFiniteGuard? guard = null)
    {
        this.backend = backend;
        this.guard = guard;
        Device = backend.Allocate<float>(examples);
        host = new float[examples];
    }

    /// <summary>losses [examples]; a step writes its rows' losses into a slice of it.</summary>
    public Tensor<float> Device { get; }

    /// <summary>
    /// Sums the losses at positions [from, to) in double; the first non-finite one stops the run with
    /// its step (1-based, counted from the run's start: <paramref name="epochStartStep"/> + position / batch + 1); then a
    /// parameter the guard finds non-finite stops it at the last step done (the scan runs here, not after every step).
    /// </summary>
    public double Sum(int from, int to, int epoch, long epochStartStep, int batch)
    {
        if (to <= from)
            return 0;
        guard?.Scan();
        backend.Synchronize();
        var span = host.AsSpan(from, to - from);
        Device.Slice(from, to - from).CopyTo(span);
        double sum = 0;
        for (var i = 0; i < span.Length; i++)
        {
            if (!float.IsFinite(span[i]))
                throw new TrainingDivergedException(epoch + 1, epochStartStep + (from + i) / batch + 1, span[i]);
            sum += span[i];
        }
        if (guard?.Read() is { } parameter)
            throw TrainingDivergedException.OfParameter(epoch + 1, epochStartStep + (to + batch - 1) / batch, parameter);
        return sum;
    }

    public void Dispose() => Device.Dispose();
}
