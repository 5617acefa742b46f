namespace ILGPUAE.Training;

using System.Diagnostics;
using ILGPUAE.Backend;

/// <summary>
/// Picks, for each epoch of a run on a multi-threaded host backend (<see cref="IHostThreads"/>), whether its steps launch on
/// the whole thread pool or on the calling thread alone, from measurements of this run's own steps: the epoch's first
/// <see cref="ProbeCalls"/> calls run on the pool, the next <see cref="ProbeCalls"/> on the caller, and the rest of the epoch on
/// whichever took less time. A batch-1 step of a small layer spends more waking and waiting for a second thread than that
/// thread saves, above all when other processes hold the cores; a batch of 100 on 784×1000 gains from every core. Measuring
/// every epoch follows the machine's load. Either way the work is cut into the same parts, so the weights are the same to the bit.
/// </summary>
public sealed class HostThreadPolicy
{
    /// <summary>Calls timed in each mode at the start of an epoch.</summary>
    public const int ProbeCalls = 64;

    private readonly IHostThreads threads;
    private readonly Func<long> clock;
    private long started, poolTicks, callerTicks;

    /// <param name="clock">Timestamps (<see cref="Stopwatch.GetTimestamp"/> unless a test drives it).</param>
    public HostThreadPolicy(IHostThreads threads, Func<long>? clock = null)
    {
        this.threads = threads;
        this.clock = clock ?? Stopwatch.GetTimestamp;
    }

    /// <summary>The policy for <paramref name="backend"/>, or null when it has no pool to choose about.</summary>
    public static HostThreadPolicy? For(IBackend backend) => backend is IHostThreads { Threads: > 1 } threads ? new HostThreadPolicy(threads) : null;

    /// <summary>The mode the last epoch settled on: true for the caller's thread alone (null before the first decision).</summary>
    public bool? CallerOnly => Decisions.Count == 0 ? null : Decisions[^1];

    /// <summary>Every epoch's decision, in order (true: the caller alone).</summary>
    public List<bool> Decisions { get; } = [];

    /// <summary>Before call <paramref name="k"/> of an epoch of <paramref name="calls"/> calls: sets the mode it runs in.</summary>
    public void BeforeCall(int k, int calls)
    {
        if (calls < 2 * ProbeCalls)
        {
            // Too short to measure: the pool, as always before this policy.
            threads.CallerOnly = false;
            return;
        }
        if (k == 0)
            (poolTicks, callerTicks, threads.CallerOnly) = (0, 0, false);
        else if (k == ProbeCalls)
            threads.CallerOnly = true;
        else if (k == 2 * ProbeCalls)
        {
            var callerOnly = callerTicks < poolTicks;
            threads.CallerOnly = callerOnly;
            Decisions.Add(callerOnly);
        }
        started = clock();
    }

    /// <summary>After call <paramref name="k"/>: its time counts towards its mode while probing.</summary>
    public void AfterCall(int k)
    {
        if (k < ProbeCalls)
            poolTicks += clock() - started;
        else if (k < 2 * ProbeCalls)
            callerTicks += clock() - started;
    }

    /// <summary>The epoch is over: launches go back to the pool (evaluation and anything else between epochs).</summary>
    public void EndEpoch() => threads.CallerOnly = false;
}
