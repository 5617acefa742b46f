namespace ILGPUAE.Bench.Workloads;

using System.Diagnostics;
using System.Globalization;
using ILGPUAE.Backend;
using ILGPUAE.Backends;
using ILGPUAE.Genetic;
using ILGPUAE.IO;
using ILGPUAE.Training.Genetic;

/// <summary>
/// W10: `train ga`'s batched fitness — the reconstruction loss (cross-entropy) of every individual of a population of
/// <see cref="Individuals"/> tied autoencoders 784 → 100 (P = 78 500 + 100 + 784 genes each, `train ga`'s initial population at the
/// bench's seed) on one minibatch of the first 100 MNIST training images (<see cref="PopulationFitness.Evaluate"/>: two batched GEMMs
/// with fused bias + sigmoid, the per-row losses, the means), in individuals per second, against bench/peers/ga_torch.py (two
/// torch.baddbmm over views of the same population, BCELoss rows) from the same population and images. Checked first: every
/// individual's fitness equal. Also, with no peer: whole generations per second (fitness, tournament selection, uniform crossover,
/// Gaussian mutation, replacement of the least half: `train ga`'s defaults), the device bytes against the population, its offspring
/// and one minibatch's activations per individual, and the managed bytes a generation allocates.
/// </summary>
public sealed class GaWorkload(HarnessOptions options, WorkloadSizes sizes, BenchData data, PeerRunner peer, BenchRun run, Action<string> log)
{
    public const int Individuals = 256, SlowIndividuals = 8, Hidden = 100, Batch = 100;
    private const int Float = sizeof(float);
    private static readonly TiedPopulationLayout Layout = new(BenchData.Visible, Hidden);

    public static string Description => $"GA fitness of {Individuals} tied AEs 784→{Hidden} on a minibatch of {Batch} (cross-entropy)";

    public void Run()
    {
        var folder = WriteInputs(Individuals);
        double? peerSeconds = null;
        string? peerNote = null;
        try
        {
            var result = peer.Run("ga_torch.py", "time", "--dir", folder, "--hidden", Hidden.ToString(CultureInfo.InvariantCulture), "--loss", "xent",
                "--threads", options.PeerThreads.ToString(CultureInfo.InvariantCulture), "--runs", sizes.Timed.ToString(CultureInfo.InvariantCulture),
                "--warmup", sizes.Warmup.ToString(CultureInfo.InvariantCulture), "--device", options.PeerDevice);
            peerSeconds = result.GetProperty("results").EnumerateArray().First().GetProperty("seconds").GetDouble();
            log($"W10 torch ({options.PeerThreads} threads): {peerSeconds:F4} s per evaluation, {Individuals / peerSeconds:F0} individuals/s");
        }
        catch (PeerUnavailableException e)
        {
            peerNote = $"no peer figure: {e.Message}";
            log(peerNote);
        }
        foreach (var kind in options.Backends)
        {
            var check = Check(kind, folder);
            var individuals = WorkloadSizes.IsSlow(kind) ? SlowIndividuals : Individuals;
            var timed = WorkloadSizes.IsSlow(kind) ? 1 : sizes.Timed;
            using var backend = Backends.Open(kind);
            using var ga = new Generation(backend, individuals, data.TrainPixels(Batch));
            var seconds = Timing.MedianSecondsPerCall(() => ga.Score(), timed, sizes.Warmup);
            log($"W10 {Backends.Label(kind)}: {seconds:F4} s per evaluation of {individuals}, {individuals / seconds:F0} individuals/s");
            var note = peerNote ?? (individuals == Individuals ? $"torch {options.PeerThreads} threads" : $"ours on {individuals} individuals, torch's on {Individuals}");
            run.Figures.Add(new Figure(Workload.W10, $"{Description.Replace($"{Individuals} tied", $"{individuals} tied")}", Backends.Label(kind), "individuals/s",
                individuals / seconds, individuals == Individuals && peerSeconds is { } p ? Individuals / p : null, HigherIsBetter: true, check.Validity, note));
            var generation = Timing.MedianSecondsPerCall(() => ga.Step(), timed, sizes.Warmup);
            log($"W10 {Backends.Label(kind)}: {1 / generation:F2} generations/s ({individuals} individuals, {ga.Offspring} offspring)");
            run.Figures.Add(new Figure(Workload.W10, $"one generation of {individuals} (fitness, tournament 3, uniform crossover, Gaussian mutation, replacement of {ga.Offspring})",
                Backends.Label(kind), "generations/s", 1 / generation, null, HigherIsBetter: true, "—", "no peer: the issue asks for the figure alone"));
            run.Memory.Add(Memory(kind, individuals));
        }
    }

    /// <summary>population.npy (`train ga`'s initial population of island 0 at the bench's seed) and x.npy (the first 100 training images), once.</summary>
    private string WriteInputs(int individuals)
    {
        var folder = Path.Combine(data.Scratch, $"w10-{individuals}");
        if (File.Exists(Path.Combine(folder, "x.npy")))
            return folder;
        Directory.CreateDirectory(folder);
        using var backend = Backends.Open(AcceleratorKind.Host);
        using var ga = new Generation(backend, individuals, data.TrainPixels(Batch));
        NpyFile.Write(Path.Combine(folder, "population.npy"), ga.Island.Population.ToArray(), individuals, Layout.Parameters);
        NpyFile.Write(Path.Combine(folder, "x.npy"), data.TrainPixels(Batch), Batch, BenchData.Visible);
        return folder;
    }

    /// <summary>Every individual's fitness on both sides, within 1e-5 relative of the peer's (float sums over 100 × 784 terms in another order).</summary>
    private CheckResult Check(AcceleratorKind kind, string fullFolder)
    {
        var individuals = WorkloadSizes.IsSlow(kind) ? SlowIndividuals : Individuals;
        var folder = individuals == Individuals ? fullFolder : WriteInputs(individuals);
        var name = $"W10 fitness of {individuals} tied AEs 784→{Hidden}, batch {Batch}";
        using var backend = Backends.Open(kind);
        using var ga = new Generation(backend, individuals, data.TrainPixels(Batch));
        var ours = ga.Score();
        double[] theirs;
        try
        {
            peer.Run("ga_torch.py", "check", "--dir", folder, "--hidden", Hidden.ToString(CultureInfo.InvariantCulture), "--loss", "xent", "--device", options.PeerDevice,
                "--threads", options.PeerThreads.ToString(CultureInfo.InvariantCulture));
            theirs = NpyFile.Read(Path.Combine(folder, "fitness.npy")).Values;
        }
        catch (PeerUnavailableException e)
        {
            var skipped = new CheckResult(name, Backends.Label(kind), 1, Batch, "xent", Hidden, ours.Min(), double.NaN, 0, 0, 0, false, $"no peer: {e.Message}");
            run.Checks.Add(skipped);
            return skipped;
        }
        var worst = ours.Select((f, i) => Math.Abs(f - theirs[i]) / Math.Abs(theirs[i])).Max();
        var passed = worst <= 1e-5 && ours.Length == theirs.Length;
        var result = new CheckResult(name, Backends.Label(kind), 1, Batch, "xent", Hidden, ours.Min(), theirs.Min(), worst, 0, 0, passed,
            $"best fitness {ours.Min():F6} vs {theirs.Min():F6}; every individual's within {worst:E1} relative");
        log($"{name} {result.Backend}: {result.Detail}: {(passed ? "passed" : "FAILED")}");
        run.Checks.Add(result);
        return result;
    }

    /// <summary>
    /// Device bytes of one island and its minibatch against the population, its offspring and one minibatch's activations per
    /// individual (H and the reconstruction), and the managed bytes a generation allocates on all threads, after a warm-up generation.
    /// </summary>
    private MemoryResult Memory(AcceleratorKind kind, int individuals)
    {
        using var backend = Backends.Open(kind);
        var before = backend.AllocatedBytes;
        using var ga = new Generation(backend, individuals, data.TrainPixels(Batch));
        ga.Step();
        var total = backend.AllocatedBytes - before;
        var minibatch = (long)Float * Batch * BenchData.Visible;
        var budget = (long)Float * ((long)(individuals + ga.Offspring) * Layout.Parameters + (long)individuals * Batch * (Hidden + BenchData.Visible));
        const int generations = 5;
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        for (var g = 0; g < generations; g++)
            ga.Step();
        var perGeneration = (double)(GC.GetTotalAllocatedBytes(precise: true) - allocated) / generations;
        var result = new MemoryResult(Backends.Label(kind), total, minibatch, 0, 0, total - minibatch, budget, perGeneration, null, generations,
            "budget: population + offspring + one minibatch's H and reconstruction per individual; managed bytes per generation", Workload.W10);
        log($"W10 {result.Backend}: {total} bytes on the device, budget ratio {result.BudgetRatio:F2}, managed {perGeneration:F0} B/generation");
        return result;
    }

    /// <summary>One island of `train ga` (its defaults: tournament 3, uniform crossover, Gaussian mutation 1 % at σ 0.1, half the population replaced) and the minibatch.</summary>
    private sealed class Generation : IDisposable
    {
        private readonly Tensor<float> x;
        private readonly float[] host;
        private uint generation;

        public Generation(IBackend backend, int individuals, float[] pixels)
        {
            var options = new GaOptions { Hidden = Hidden, Population = individuals, Batch = Batch, Seed = BenchData.Seed, Loss = LossKind.CrossEntropy };
            Offspring = options.OffspringCount;
            Island = new Island(backend, 0, Layout, individuals, Batch, options.Operators(BenchData.Visible));
            Island.Initialize(BenchData.Seed);
            x = backend.Allocate<float>(Batch, BenchData.Visible);
            x.CopyFrom(pixels);
            host = new float[individuals];
        }

        public Island Island { get; }
        public int Offspring { get; }

        /// <summary>One evaluation of the whole population, its fitness read back.</summary>
        public double[] Score()
        {
            Island.Evaluator.Evaluate(Island.Population, x, LossKind.CrossEntropy);
            Island.Fitness.CopyTo(host);
            return [.. host.Select(f => (double)f)];
        }

        /// <summary>One generation: fitness, breeding, replacement; the fitness read back (the statistics `train ga` records).</summary>
        public void Step()
        {
            Island.Evaluator.Evaluate(Island.Population, x, LossKind.CrossEntropy);
            Island.Fitness.CopyTo(host);
            Island.Operators.Breed(Island.Population, Island.Fitness, generation++);
            Island.Operators.Replace(Island.Population, Island.Fitness);
            Island.Backend.Synchronize();
        }

        public void Dispose()
        {
            Island.Dispose();
            x.Dispose();
        }
    }
}
