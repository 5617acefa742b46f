namespace ILGPUAE.Host.Threading;

using System.Diagnostics;
using System.Runtime.ExceptionServices;

/// <summary>
/// Persistent threads that run one <see cref="IParallelJob"/> at a time; part 0 runs on the calling thread.
/// Parallel.For costs several microseconds per call, as much as a whole batch-1 matvec, so workers spin
/// for <see cref="SpinTime"/> after each job (a training step launches its kernels back to back) and
/// only then sleep. Not thread-safe: one caller at a time, like a device stream.
/// </summary>
internal sealed class WorkerPool : IDisposable
{
    public static readonly TimeSpan SpinTime = TimeSpan.FromMicroseconds(200);

    private readonly Thread[] threads;
    private readonly object gate = new();
    private IParallelJob? job;
    private int parts;
    private int generation;
    private int pending;
    private volatile bool stopping;
    private ExceptionDispatchInfo? failure;

    public WorkerPool(int workers)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        Workers = workers;
        threads = new Thread[workers - 1];
        for (var i = 0; i < threads.Length; i++)
        {
            var worker = i + 1;
            threads[i] = new Thread(() => Work(worker)) { IsBackground = true, Name = $"ILGPUAE host worker {worker}" };
            threads[i].Start();
        }
    }

    /// <summary>Threads that run parts, the caller included.</summary>
    public int Workers { get; }

    /// <summary>How many parts <paramref name="work"/> units deserve when a part should do at least <paramref name="minimumPerPart"/>.</summary>
    public int PartsFor(long work, long minimumPerPart) => (int)Math.Clamp(work / minimumPerPart, 1, Workers);

    /// <summary>Runs parts 0 … <paramref name="parts"/>−1 of <paramref name="job"/> and returns when all are done.</summary>
    public void Run(IParallelJob job, int parts)
    {
        parts = Math.Clamp(parts, 1, Workers);
        if (parts == 1)
        {
            job.Execute(0, 1);
            return;
        }
        this.job = job;
        this.parts = parts;
        failure = null;
        // Every worker acknowledges every generation, helping or not, so none can lag a job behind.
        Volatile.Write(ref pending, threads.Length);
        lock (gate)
        {
            generation++;
            Monitor.PulseAll(gate);
        }
        try
        {
            job.Execute(0, parts);
        }
        finally
        {
            // The workers may still be writing into buffers the next launch reuses: wait even on failure.
            var spinner = new SpinWait();
            while (Volatile.Read(ref pending) != 0)
                spinner.SpinOnce(sleep1Threshold: -1);
            this.job = null;
        }
        failure?.Throw();
    }

    private void Work(int worker)
    {
        var seen = 0;
        while (true)
        {
            seen = AwaitGeneration(seen);
            if (stopping)
                return;
            if (worker < parts)
            {
                try
                {
                    job!.Execute(worker, parts);
                }
                catch (Exception e)
                {
                    // Rethrown on the caller's thread by Run.
                    Interlocked.CompareExchange(ref failure, ExceptionDispatchInfo.Capture(e), null);
                }
            }
            Interlocked.Decrement(ref pending);
        }
    }

    /// <summary>Spins, then sleeps, until the generation moves past <paramref name="seen"/>; returns the new one.</summary>
    private int AwaitGeneration(int seen)
    {
        var start = Stopwatch.GetTimestamp();
        int current;
        while ((current = Volatile.Read(ref generation)) == seen)
        {
            if (Stopwatch.GetElapsedTime(start) < SpinTime)
            {
                Thread.SpinWait(20);
                continue;
            }
            lock (gate)
            {
                while (Volatile.Read(ref generation) == seen)
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
            generation++;
            Monitor.PulseAll(gate);
        }
        foreach (var thread in threads)
            thread.Join();
    }
}
