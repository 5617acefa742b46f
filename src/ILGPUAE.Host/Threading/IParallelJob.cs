namespace ILGPUAE.Host.Threading;

/// <summary>
/// Work that <c>WorkerPool.Run</c> (either overload) splits into parts. Launchers keep one instance per kind of job
/// and set its fields before each run, so a launch allocates nothing.
/// </summary>
internal interface IParallelJob
{
    /// <summary>Runs part <paramref name="part"/> of <paramref name="parts"/>; parts must not write the same memory.</summary>
    void Execute(int part, int parts);
}

/// <summary>
/// A job over the index range [0, Count), cut into contiguous pieces that start at multiples of Grain.
/// The kernel loops of every job are marked AggressiveOptimization: unoptimised (tier-0) code makes each
/// Vector512 operation a call, which would slow the first hundreds of launches of a run many times over.
/// </summary>
internal abstract class RangeJob : IParallelJob
{
    protected int Count { get; set; }

    protected int Grain { get; set; } = 1;

    public void Execute(int part, int parts)
    {
        var (start, end) = Partition.Range(Count, Grain, part, parts);
        if (start < end)
            Run(start, end);
    }

    protected abstract void Run(int start, int end);
}

/// <summary>
/// A <see cref="RangeJob"/> whose launch arguments (pointers, sizes, scalars) are one struct, set before each run, so a job
/// declares its arguments once and its kernel reads them from <see cref="Args"/>.
/// </summary>
internal abstract class RangeJob<TArgs> : RangeJob where TArgs : struct
{
    protected TArgs Args;

    /// <summary>Sets the arguments of the next run over [0, <paramref name="count"/>).</summary>
    public void Set(in TArgs args, int count)
    {
        Args = args;
        Count = count;
    }
}

internal static class Partition
{
    /// <summary>Part <paramref name="part"/> of <paramref name="count"/> items split into <paramref name="parts"/> runs of whole grains.</summary>
    public static (int Start, int End) Range(int count, int grain, int part, int parts)
    {
        var grains = (count + grain - 1) / grain;
        var first = (int)((long)grains * part / parts);
        var last = (int)((long)grains * (part + 1) / parts);
        return (Math.Min(count, first * grain), Math.Min(count, last * grain));
    }
}
