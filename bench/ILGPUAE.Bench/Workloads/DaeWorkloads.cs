namespace ILGPUAE.Bench.Workloads;

using System.Globalization;
using System.Text.Json;
using ILGPUAE.Backend;
using ILGPUAE.Backends;
using ILGPUAE.Ilgpu;
using ILGPUAE.Training;

/// <summary>
/// W1 (minibatch throughput), W2 (per-sample SGD seconds per epoch) and W3 (seconds per epoch against
/// parallelism × hidden units): the real <see cref="DaeSession"/> on each backend, and bench/peers/dae_torch.py
/// on the same images, shapes, loss and update, after an <see cref="EquivalenceCheck"/> of each configuration.
/// </summary>
public sealed class DaeWorkloads(HarnessOptions options, WorkloadSizes sizes, BenchData data, PeerRunner peer, BenchRun run, Action<string> log)
{
    private readonly EquivalenceCheck checker = new(data, peer, log);

    /// <summary>W1: the tied DAE 784→1000, cross-entropy, masking 0.25, SGD lr 0.1, batch 100.</summary>
    public static DaeOptions W1Options => new()
    {
        Hidden = 1000, Loss = LossKind.CrossEntropy, Corruption = 0.25f, LearningRate = 0.1f, Batch = 100, Seed = BenchData.Seed,
    };

    /// <summary>W2/W3: per-sample SGD (batch 1), 784→500, squared error, masking 0.25, lr 0.1 (the engine's defaults).</summary>
    public static DaeOptions W2Options => new()
    {
        Hidden = 500, Loss = LossKind.SquaredError, Corruption = 0.25f, LearningRate = 0.1f, Batch = 1, Seed = BenchData.Seed,
    };

    public void RunW1()
    {
        var o = W1Options;
        var checks = Checks("W1", o, sizes.W1CheckSteps);
        var peerRate = PeerTime(o, sizes.W1Images, [o.Hidden], [options.PeerThreads], out var peerNote)
            .Select(r => r.GetProperty("samples_per_second").GetDouble()).Cast<double?>().FirstOrDefault();
        foreach (var kind in options.Backends)
        {
            var images = WorkloadSizes.IsSlow(kind) ? sizes.W1SlowImages : sizes.W1Images;
            var seconds = EpochSeconds(kind, null, o, images, WorkloadSizes.IsSlow(kind) ? 1 : sizes.Timed);
            var rate = images / Timing.Median(seconds);
            log($"W1 {Backends.Label(kind)}: {rate:F0} samples/s over {images} images");
            run.Figures.Add(new Figure(Workload.W1, $"tied DAE 784→1000 xent, batch 100, {images} images", Backends.Label(kind),
                "samples/s", rate, peerRate, HigherIsBetter: true, Validity(checks, kind), peerNote ?? PeerImagesNote(images, sizes.W1Images)));
        }
    }

    public void RunW2()
    {
        var o = W2Options;
        var checks = Checks("W2", o, sizes.W2CheckSteps);
        // A per-sample step is a handful of tiny ops: torch's OpenMP threads can cost more than they give,
        // so the peer runs at 1 thread and at its configured count and its faster figure is the one compared.
        var peerRuns = PeerTime(o, sizes.W2PeerImages, [o.Hidden], [.. new[] { 1, options.PeerThreads }.Distinct()], out var peerNote);
        var best = peerRuns.OrderBy(r => r.GetProperty("median_seconds").GetDouble()).Cast<JsonElement?>().FirstOrDefault();
        var peerSeconds = best?.GetProperty("median_seconds").GetDouble() * WorkloadSizes.W2EpochImages / sizes.W2PeerImages;
        peerNote ??= best is { } b ? $"torch's faster of {string.Join(" and ", peerRuns.Select(r => $"{r.GetProperty("threads").GetInt32()} thread(s): " +
            $"{r.GetProperty("median_seconds").GetDouble() * WorkloadSizes.W2EpochImages / sizes.W2PeerImages:F1} s"))}" : null;
        foreach (var kind in options.Backends)
        {
            var images = WorkloadSizes.IsSlow(kind) ? sizes.W2SlowImages : sizes.W2Images;
            var seconds = Timing.Median(EpochSeconds(kind, null, o, images, WorkloadSizes.IsSlow(kind) ? 1 : sizes.Timed))
                * WorkloadSizes.W2EpochImages / images;
            log($"W2 {Backends.Label(kind)}: {seconds:F2} s per {WorkloadSizes.W2EpochImages}-image epoch");
            run.Figures.Add(new Figure(Workload.W2, $"per-sample SGD 784→500 mse, sequential, {images} images", Backends.Label(kind),
                $"s/epoch ({WorkloadSizes.W2EpochImages} img)", seconds, peerSeconds, HigherIsBetter: false, Validity(checks, kind),
                string.Join("; ", new[] { peerNote, PeerImagesNote(images, sizes.W2PeerImages) }.OfType<string>())));
        }
        // Hogwild: lock-free workers, on the host provider's lanes or as groups of the ILGPU Hogwild kernel; not
        // reproducible, so no equivalence check, and the peer's figure is its sequential loop (the same model and
        // updates, one at a time).
        foreach (var kind in options.Backends)
        {
            using var backend = Backends.Open(kind);
            var workers = HogwildWorkers(backend);
            var images = WorkloadSizes.IsSlow(kind) ? sizes.W2SlowImages : sizes.W2Images;
            var seconds = Timing.Median(EpochSeconds(backend, o with { Hogwild = workers }, images, WorkloadSizes.IsSlow(kind) ? 1 : sizes.Timed))
                * WorkloadSizes.W2EpochImages / images;
            log($"W2 {Backends.Label(kind)} Hogwild ×{workers}: {seconds:F2} s per {WorkloadSizes.W2EpochImages}-image epoch");
            var how = kind == AcceleratorKind.Host ? "workers, each a single-threaded lane"
                : backend is IlgpuBackend { IsCpuAccelerator: true } ? "kernel workers, one emulated thread each (one per core)"
                : "kernel workers, a thread group each (one per multiprocessor)";
            run.Figures.Add(new Figure(Workload.W2, $"per-sample SGD 784→500 mse, Hogwild ×{workers}, {images} images", Backends.Label(kind),
                $"s/epoch ({WorkloadSizes.W2EpochImages} img)", seconds, peerSeconds, HigherIsBetter: false, "non-deterministic",
                $"against torch's sequential loop; {workers} {how}; the W2 check covers the step"));
        }
    }

    /// <summary>
    /// W2's Hogwild workers: one per core on the host and on ILGPU's CPU accelerator (whose emulated multiprocessors
    /// are the cores), one per multiprocessor on a GPU (W3 runs the other counts).
    /// </summary>
    private static int HogwildWorkers(IBackend backend) =>
        backend is IlgpuBackend { IsCpuAccelerator: false } gpu ? Math.Clamp(gpu.Accelerator.NumMultiprocessors, 2, 256) : Math.Max(2, Environment.ProcessorCount);

    /// <summary>
    /// W3 on the host provider (threads 1 … cores, then Hogwild lanes 2 … cores), on a GPU (the sequential kernel, then
    /// Hogwild with K concurrent samples, a thread group each) and the peer (torch threads 1 … cores); per-sample SGD as W2.
    /// </summary>
    public void RunW3()
    {
        // 1, 2, 4, … and every core: the whole range on 2 cores, a few points on a 16-core GPU machine.
        var cores = Environment.ProcessorCount;
        var threads = Enumerable.Range(0, 31).Select(i => 1 << i).TakeWhile(t => t < cores).Append(cores).ToArray();
        var o = W2Options;
        foreach (var kind in options.Backends)
        {
            if (kind == AcceleratorKind.Cpu)
            {
                run.Notes.Add($"W3 on {Backends.Label(kind)}: not run (ILGPU's CPU accelerator fixes its emulated thread count when it is made, " +
                    "and per-sample SGD there is tens of times slower)");
                continue;
            }
            if (kind != AcceleratorKind.Host)
            {
                // A GPU's parallelism axis is Hogwild's concurrent samples; 1 is the sequential (grid-barrier) kernel.
                var label = Backends.Label(kind);
                foreach (var h in sizes.W3Hidden)
                    AddGridPoint(kind, label, 1, o with { Hidden = h }, hostThreads: null);
                foreach (var k in GpuHogwildWorkers)
                    foreach (var h in sizes.W3Hidden)
                        AddGridPoint(kind, $"{label}-hogwild", k, o with { Hidden = h, Hogwild = k }, hostThreads: null);
                continue;
            }
            // Sequential SGD with t kernel threads, then Hogwild with k single-threaded workers (the paper's axis).
            foreach (var t in threads)
                foreach (var h in sizes.W3Hidden)
                    AddGridPoint(kind, "host", t, o with { Hidden = h }, hostThreads: t);
            foreach (var k in threads.Where(t => t >= 2))
                foreach (var h in sizes.W3Hidden)
                    AddGridPoint(kind, "host-hogwild", k, o with { Hidden = h, Hogwild = k }, hostThreads: null);
        }
        // On a GPU, torch's CPU threads are no parallelism axis: one run at the configured count.
        var peerThreads = options.PeerDevice.StartsWith("cuda") ? [options.PeerThreads] : threads;
        foreach (var r in PeerTime(o, sizes.W3PeerImages, sizes.W3Hidden, peerThreads, out _, timed: 2))
            run.Grid.Add(new GridPoint($"torch-{options.PeerDevice}", r.GetProperty("threads").GetInt32(), r.GetProperty("hidden").GetInt32(),
                sizes.W3PeerImages, r.GetProperty("median_seconds").GetDouble() * WorkloadSizes.W2EpochImages / sizes.W3PeerImages));
    }

    /// <summary>W3's concurrent samples on a GPU: a few workers to about one per multiprocessor, and twice that.</summary>
    private static readonly int[] GpuHogwildWorkers = [2, 8, 32, 128, 256];

    private void AddGridPoint(AcceleratorKind kind, string series, int parallelism, DaeOptions o, int? hostThreads)
    {
        using var backend = Backends.Open(kind, hostThreads);
        var s = Timing.Median(EpochSeconds(backend, o, sizes.W3Images, sizes.Timed)) * WorkloadSizes.W2EpochImages / sizes.W3Images;
        log($"W3 {series} ×{parallelism} hidden {o.Hidden}: {s:F2} s/epoch");
        run.Grid.Add(new GridPoint(series, parallelism, o.Hidden, sizes.W3Images, s));
    }

    /// <summary>Seconds of each timed epoch on a fresh trainer over the first <paramref name="images"/> images, after the warm-up epochs.</summary>
    private List<double> EpochSeconds(AcceleratorKind kind, int? hostThreads, DaeOptions o, int images, int timed)
    {
        using var backend = Backends.Open(kind, hostThreads);
        return EpochSeconds(backend, o, images, timed);
    }

    private List<double> EpochSeconds(IBackend backend, DaeOptions o, int images, int timed)
    {
        using var trainer = new DaeSession(backend, o, BenchData.Visible, data.TrainPixels(images), data.Test.Pixels);
        for (var i = 0; i < sizes.Warmup; i++)
            trainer.RunEpoch();
        return Enumerable.Range(0, timed).Select(_ => trainer.RunEpoch().Seconds).ToList();
    }

    /// <summary>The peer's timed results, one per (threads, hidden); empty (with the reason in <paramref name="note"/>) without a peer.</summary>
    private List<JsonElement> PeerTime(DaeOptions o, int images, int[] hidden, int[] threads, out string? note, int? timed = null)
    {
        note = null;
        try
        {
            var result = peer.Run("dae_torch.py", "time", "--mnist", data.TrainImagesPath, "--count", images.ToString(),
                "--hidden", string.Join(',', hidden), "--threads", string.Join(',', threads), "--w0", data.InitialWeightsFolder(hidden),
                "--batch", o.Batch.ToString(), "--loss", o.Loss == LossKind.CrossEntropy ? "xent" : "mse",
                "--corruption", o.Corruption.ToString(CultureInfo.InvariantCulture), "--lr", o.LearningRate.ToString(CultureInfo.InvariantCulture),
                "--epochs", (timed ?? sizes.Timed).ToString(), "--warmup", sizes.Warmup.ToString(), "--device", options.PeerDevice);
            return result.GetProperty("results").EnumerateArray().ToList();
        }
        catch (PeerUnavailableException e)
        {
            note = $"no peer figure: {e.Message}";
            log(note);
            return [];
        }
    }

    /// <summary>The equivalence check of one configuration on every backend, keyed by backend.</summary>
    private Dictionary<AcceleratorKind, CheckResult> Checks(string name, DaeOptions o, int steps)
    {
        var results = new Dictionary<AcceleratorKind, CheckResult>();
        foreach (var kind in options.Backends)
        {
            using var backend = Backends.Open(kind);
            // The slow accelerator checks fewer steps of the same configuration.
            var n = WorkloadSizes.IsSlow(kind) ? Math.Max(1, Math.Min(steps, o.Batch == 1 ? 20 : 2)) : steps;
            var result = checker.Run(n == steps ? name : $"{name}-{n}", backend, Backends.Label(kind), o, n, options.PeerDevice, options.PeerThreads);
            run.Checks.Add(result);
            results[kind] = result;
        }
        return results;
    }

    private static string Validity(Dictionary<AcceleratorKind, CheckResult> checks, AcceleratorKind kind) =>
        checks.TryGetValue(kind, out var c) ? c.Validity : "unchecked";

    private static string? PeerImagesNote(int ours, int peers) =>
        ours == peers ? null : $"ours on the first {ours} images, the peer's on {peers}; both per image";
}
