namespace ILGPUAE.Host.Threading;

using System.Diagnostics;
using System.Runtime.ExceptionServices;

/// <summary>
/// Persistent threads that run one <see cref="IParallelJob"/> at a time. Parallel.For costs several
/// microseconds per call, as much as a whole batch-1 matvec, so workers spin for <see cref="SpinTime"/>
/// after each job (a training step launches its kernels back to back) and only then sleep.
/// Parts are claimed, not assigned: the caller claims parts too, so a worker that the OS has not
/// scheduled yet delays nothing — the caller runs its part instead. Not thread-safe: one caller at a
/// time, like a device stream.
/// </summary>
internal sealed class WorkerPool : IDisposable
{
    public static readonly TimeSpan SpinTime = TimeSpan.FromMicroseconds(200);

    private readonly Thread[] threads;
    private readonly object gate = new();

    // The job of the current generation; written only while no part of the previous one is unclaimed.
    private IParallelJob? job;
    private int parts;

    // (generation << 32) | next unclaimed part, so a claim can never take a part of a newer job.
    private long ticket;
    private int completed;
    private volatile bool stopping;
    private ExceptionDispatchInfo? failure;

    public WorkerPool(int workers)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        Workers = workers;
        threads = new Thread[workers - 1];
        for (var i = 0; i < threads.Length; i++)
        {
            threads[i] = new Thread(Work) { IsBackground = true, Name = $"ILGPUAE host worker {i + 1}" };
            threads[i].Start();
        }
    }

    /// <summary>Threads that run parts, the caller included.</summary>
    public int Workers { get; }

    /// <summary>How many parts <paramref name="work"/> units deserve when a part should do at least <paramref name="minimumPerPart"/>.</summary>
    public int PartsFor(long work, long minimumPerPart) => (int)Math.Clamp(work / minimumPerPart, 1, Workers);

    /// <summary>
    /// Whether <c>Run</c> (either overload) executes every part on the caller, in order, without waking the workers: the same parts as
    /// with them (so the same results), without the synchronisation.
    /// </summary>
    public bool CallerOnly
    {
        get => Volatile.Read(ref callerOnly);
        set => Volatile.Write(ref callerOnly, value);
    }

    private bool callerOnly;

    /// <summary>
    /// Runs <paramref name="job"/> over <paramref name="work"/> units in <see cref="PartsFor"/> parts; nothing when there is no work.
    /// </summary>
    public void Run(IParallelJob job, long work, long minimumPerPart)
    {
        if (work > 0)
            Run(job, PartsFor(work, minimumPerPart));
    }

    /// <summary>Runs parts 0 … <paramref name="parts"/>−1 of <paramref name="job"/> and returns when all are done.</summary>
    public void Run(IParallelJob job, int parts)
    {
        parts = Math.Clamp(parts, 1, Workers);
        if (parts == 1 || CallerOnly)
        {
            for (var part = 0; part < parts; part++)
                job.Execute(part, parts);
            return;
        }
        // Close the finished generation first: a worker that read its ticket may still compare that ticket's part index with
        // `parts`; were `parts` raised for the new job while the old ticket stood, its claim would succeed, run a part of the new
        // job twice and push `completed` past `parts`, and the wait below would spin for ever. A closed ticket's index is
        // int.MaxValue, never below `parts`, and the claim's compare-exchange on any ticket read before it fails.
        Volatile.Write(ref ticket, (Volatile.Read(ref ticket) >> 32 << 32) | int.MaxValue);
        this.job = job;
        this.parts = parts;
        failure = null;
        Volatile.Write(ref completed, 0);
        long generation;
        lock (gate)
        {
            generation = (Volatile.Read(ref ticket) >> 32) + 1;
            Volatile.Write(ref ticket, generation << 32);
            Monitor.PulseAll(gate);
        }
        RunParts(generation);
        // Parts that workers claimed may still be writing into buffers the next launch reuses.
        var spinner = new SpinWait();
        while (Volatile.Read(ref completed) != parts)
            spinner.SpinOnce(sleep1Threshold: -1);
        this.job = null;
        failure?.Throw();
    }

    /// <summary>Claims and runs parts of <paramref name="generation"/> until none is left.</summary>
    private void RunParts(long generation)
    {
        while (true)
        {
            var t = Volatile.Read(ref ticket);
            if (t >> 32 != generation || (int)t >= Volatile.Read(ref parts))
                return;
            if (Interlocked.CompareExchange(ref ticket, t + 1, t) != t)
                continue;
            // The claim succeeded while this generation had unclaimed parts, so job and parts are still its own.
            try
            {
                job!.Execute((int)t, parts);
            }
            catch (Exception e)
            {
                // Rethrown on the caller's thread by Run, after every part has finished.
                Interlocked.CompareExchange(ref failure, ExceptionDispatchInfo.Capture(e), null);
            }
            Interlocked.Increment(ref completed);
        }
    }

    private void Work()
    {
        long seen = 0;
        while (true)
        {
            seen = AwaitGeneration(seen);
            if (stopping)
                return;
            RunParts(seen);
        }
    }

    /// <summary>Spins, then sleeps, until the generation moves past <paramref name="seen"/>; returns the new one.</summary>
    private long AwaitGeneration(long seen)
    {
        var start = Stopwatch.GetTimestamp();
        long current;
        while ((current = Volatile.Read(ref ticket) >> 32) == seen)
        {
            if (Stopwatch.GetElapsedTime(start) < SpinTime)
            {
                Thread.SpinWait(20);
                continue;
            }
            lock (gate)
            {
                while (Volatile.Read(ref ticket) >> 32 == seen)
                    Monitor.Wait(gate);
            }
        }
        return current;
    }

    public void Dispose()
    {
        stopping = true;
        lock (gate)
        {
            Volatile.Write(ref ticket, ((Volatile.Read(ref ticket) >> 32) + 1) << 32);
            Monitor.PulseAll(gate);
        }
        foreach (var thread in threads)
            thread.Join();
    }
}
