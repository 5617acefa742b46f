namespace ILGPUAE.Tests.Host;

using ILGPUAE.Host.Threading;

public sealed class WorkerPoolTests
{
    [Fact]
    public void EveryPartRunsExactlyOncePerJob()
    {
        using var pool = new WorkerPool(3);
        var job = new CountingJob(3);
        for (var run = 0; run < 300; run++)
        {
            var parts = run % 3 + 1;
            pool.Run(job, parts);
            for (var p = 0; p < 3; p++)
                Assert.Equal(p < parts ? 1 : 0, job.TakeCount(p));
        }
    }

    [Fact]
    public void CallerOnlyRunsTheSamePartsOnTheCallersThread()
    {
        using var pool = new WorkerPool(3);
        var job = new ThreadRecordingJob(3);
        pool.CallerOnly = true;
        pool.Run(job, 3);
        Assert.Equal([0, 1, 2], job.Parts);
        Assert.All(job.Threads, t => Assert.Equal(Environment.CurrentManagedThreadId, t));
        Assert.All(job.PartCounts, n => Assert.Equal(3, n));

        // Back on the pool, the workers take parts again (a part the caller does not claim first runs elsewhere).
        pool.CallerOnly = false;
        var sawWorker = false;
        for (var run = 0; run < 200 && !sawWorker; run++)
        {
            var again = new ThreadRecordingJob(3, spin: true);
            pool.Run(again, 3);
            Assert.Equal([0, 1, 2], again.Parts.Order());
            sawWorker = again.Threads.Any(t => t != Environment.CurrentManagedThreadId);
        }
        Assert.True(sawWorker, "no part ran on a worker thread in 200 runs");
    }

    private sealed class ThreadRecordingJob(int capacity, bool spin = false) : IParallelJob
    {
        private readonly object gate = new();
        public List<int> Parts { get; } = new(capacity);
        public List<int> Threads { get; } = new(capacity);
        public List<int> PartCounts { get; } = new(capacity);

        public void Execute(int part, int parts)
        {
            if (spin)
                Thread.SpinWait(20000);
            lock (gate)
            {
                Parts.Add(part);
                Threads.Add(Environment.CurrentManagedThreadId);
                PartCounts.Add(parts);
            }
        }
    }

    [Fact]
    public void AFailingPartThrowsOnTheCallerAndThePoolGoesOn()
    {
        using var pool = new WorkerPool(2);
        for (var failing = 0; failing < 2; failing++)
        {
            var e = Assert.Throws<InvalidOperationException>(() => pool.Run(new FailingJob(failing), 2));
            Assert.Equal($"part {failing}", e.Message);
        }
        var job = new CountingJob(2);
        pool.Run(job, 2);
        Assert.Equal(1, job.TakeCount(0));
        Assert.Equal(1, job.TakeCount(1));
    }

    [Fact]
    public void RangesCoverEachIndexOnceInWholeGrains()
    {
        foreach (var (count, grain, parts) in new[] { (1000, 64, 2), (1000, 64, 3), (5, 16, 2), (33, 4, 3), (0, 1, 2) })
        {
            var next = 0;
            for (var p = 0; p < parts; p++)
            {
                var (start, end) = Partition.Range(count, grain, p, parts);
                Assert.Equal(next, start);
                Assert.True(start == end || start % grain == 0, $"part {p} starts at {start}");
                next = end;
            }
            Assert.Equal(count, next);
        }
    }

    private sealed class CountingJob(int maxParts) : IParallelJob
    {
        private readonly int[] counts = new int[maxParts];

        /// <summary>Each part takes a little while, so that Run returning before a worker finished would show.</summary>
        public void Execute(int part, int parts)
        {
            Thread.SpinWait(20_000);
            Interlocked.Increment(ref counts[part]);
        }

        public int TakeCount(int part) => Interlocked.Exchange(ref counts[part], 0);
    }

    private sealed class FailingJob(int failingPart) : IParallelJob
    {
        public void Execute(int part, int parts)
        {
            if (part == failingPart)
                throw new InvalidOperationException($"part {part}");
        }
    }
}
