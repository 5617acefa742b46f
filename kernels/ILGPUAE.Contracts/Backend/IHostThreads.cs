namespace ILGPUAE.Backend;

/// <summary>
/// A backend whose launches run on a pool of CPU threads (the host provider). <see cref="CallerOnly"/> runs every part of
/// every launch on the calling thread instead, one after the other: the work is cut into the same parts either way, so the
/// results are the same to the bit, and only the time differs. Small steps (batch-1 SGD) lose more to waking the pool and
/// waiting for it than they gain from a second core, more so on a busy machine; the trainer measures both and keeps the
/// faster (<c>HostThreadPolicy</c>).
/// </summary>
public interface IHostThreads
{
    /// <summary>Threads in the pool, the caller's included.</summary>
    int Threads { get; }

    /// <summary>Whether launches run on the calling thread alone (false: on the whole pool).</summary>
    bool CallerOnly { get; set; }
}
