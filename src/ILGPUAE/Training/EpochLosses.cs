namespace ILGPUAE.Training;

using ILGPUAE.Backend;

/// <summary>
/// The per-example losses of one epoch: the steps write them on the device ([examples], in visiting
/// order), and reports read them back in ranges, a few times a second, to sum them on the host.
/// </summary>
public sealed class EpochLosses : IDisposable
{
    private readonly IBackend backend;
    private readonly float[] host;

    public EpochLosses(IBackend backend, int examples)
    {
        this.backend = backend;
        Device = backend.Allocate<float>(examples);
        host = new float[examples];
    }

    /// <summary>losses [examples]; a step writes its rows' losses into a slice of it.</summary>
    public Tensor<float> Device { get; }

    /// <summary>
    /// Sums the losses at positions [from, to) in double; the first non-finite one stops the run with
    /// its step (1-based, counted from the run's start: <paramref name="epochStartStep"/> + position / batch + 1).
    /// </summary>
    public double Sum(int from, int to, int epoch, long epochStartStep, int batch)
    {
        if (to <= from)
            return 0;
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
        return sum;
    }

    public void Dispose() => Device.Dispose();
}
