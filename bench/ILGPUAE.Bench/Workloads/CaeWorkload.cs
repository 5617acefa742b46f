namespace ILGPUAE.Bench.Workloads;

using System.Globalization;
using ILGPUAE.Backend;
using ILGPUAE.Backends;
using ILGPUAE.IO;
using ILGPUAE.Modules;
using ILGPUAE.Objectives;
using ILGPUAE.Optimizers;
using ILGPUAE.Training;
using ILGPUAE.Training.Cae;

/// <summary>
/// W7: one epoch of the convolutional autoencoder as `train cae` trains it by default (<see cref="CaeOptions"/>' spec, initialisation
/// and Adam; the generic <see cref="NetworkStep"/> on the one <see cref="Trainer"/>) over the first 59 000 MNIST images (`train cae`'s
/// training split: 60 000 less its 1000-image holdout), at batch 16 and at batch 128, against bench/peers/cae_torch.py from the same
/// initial parameters. The peer builds its layers from our <see cref="NetworkSpec"/> JSON, so both sides train whatever the default
/// model is. Before the timings, an equivalence check per batch size trains K steps on both sides (the peer on our images in our
/// epoch-0 order) and compares every parameter and the mean loss; then the memory figure as W5 takes it: device bytes against
/// parameters + gradients + Adam's two moments + two batches of every module's output, and managed bytes per step.
/// </summary>
public sealed class CaeWorkload(HarnessOptions options, WorkloadSizes sizes, BenchData data, PeerRunner peer, BenchRun run, Action<string> log)
{
    /// <summary>The two batch sizes issue 15's benchmark names.</summary>
    public static readonly int[] Batches = [16, 128];

    private const int Float = sizeof(float);

    /// <summary>`train cae` with no options: the model, its initialisation seed and its optimizer are taken from here.</summary>
    private static readonly CaeOptions Defaults = new();

    /// <summary>The network `train cae` builds from its options (CaeTraining.Run), here from the defaults.</summary>
    private static NetworkSpec Spec => Networks.ConvAutoencoder(Defaults.CodeL1, loss: Defaults.Loss);

    private static OptimizerOptions Adam => Defaults.OptimizerOptions();

    /// <summary>"squared error", "cross-entropy": the default objective, as the rows name it.</summary>
    private static string LossName => Spec.Objective is ReconstructionSpec { Loss: var loss } ? loss == LossKind.CrossEntropy ? "cross-entropy" : "squared error"
        : Spec.Objective.GetType().Name;

    private static string CheckLoss => Spec.Objective is ReconstructionSpec { Loss: LossKind.CrossEntropy } ? "xent" : "mse";

    public static string Description(int batch) =>
        $"conv AE 28×28 (code 4×7×7), {LossName}, Adam lr {Adam.LearningRate.ToString(CultureInfo.InvariantCulture)}, batch {batch}";

    private readonly Dictionary<(int Steps, int Batch), PeerCheck> peerChecks = [];

    private sealed record PeerCheck(Dictionary<string, double[]> Values, double MeanLoss);

    public void Run()
    {
        if (Adam.Kind != OptimizerKind.Adam)
            throw new InvalidOperationException($"train cae's default optimizer is {Adam.Kind}; bench/peers/cae_torch.py trains with Adam only");
        var checks = options.Backends.SelectMany(k => Batches.Select(b => (k, b))).ToDictionary(kb => kb, kb => Check(kb.k, kb.b));
        var w0 = InitialParametersFolder();
        var peerImages = sizes.W7PeerImages;
        foreach (var batch in Batches)
        {
            double? peerRate = null;
            double? peerLoss = null;
            string? peerNote = null, peerThreads = null;
            try
            {
                // Small convolutions are a handful of tiny ops per step: on the CPU torch's OpenMP threads can cost more than they
                // give (as in W2), so the peer runs at 1 thread and at its configured count and its faster figure is compared.
                var threads = options.PeerDevice.StartsWith("cuda") ? [options.PeerThreads] : new[] { 1, options.PeerThreads }.Distinct().ToArray();
                var result = peer.Run("cae_torch.py", ["time", "--mnist", data.TrainImagesPath, "--count", peerImages.ToString(), "--w0", w0,
                    .. AdamArguments(batch), "--threads", string.Join(',', threads), "--epochs", sizes.W7Timed.ToString(),
                    "--warmup", sizes.Warmup.ToString(), "--device", options.PeerDevice]);
                var runs = result.GetProperty("results").EnumerateArray().ToList();
                var best = runs.MaxBy(r => r.GetProperty("samples_per_second").GetDouble());
                peerRate = best.GetProperty("samples_per_second").GetDouble();
                peerLoss = best.GetProperty("train_loss").GetDouble();
                peerThreads = runs.Count == 1 ? $"torch {threads[0]} thread(s)"
                    : $"torch's faster of {string.Join(" and ", runs.Select(r => $"{r.GetProperty("threads").GetInt32()} thread(s): {r.GetProperty("samples_per_second").GetDouble():F0}"))}";
                log($"W7 batch {batch} {peerThreads} samples/s over {peerImages} images, last epoch's loss {peerLoss:F3}");
            }
            catch (PeerUnavailableException e)
            {
                peerNote = $"no peer figure: {e.Message}";
                log(peerNote);
            }
            foreach (var kind in options.Backends)
            {
                var slow = WorkloadSizes.IsSlow(kind);
                var images = slow ? sizes.W7SlowImages : sizes.W7Images;
                using var backend = Backends.Open(kind);
                using var cae = CaeRun(backend, data.TrainPixels(images), images, batch);
                for (var i = 0; i < sizes.Warmup; i++)
                    cae.Trainer.RunEpoch();
                var timed = Enumerable.Range(0, slow ? 1 : sizes.W7Timed).Select(_ => cae.Trainer.RunEpoch()).ToList();
                var rate = images / Timing.Median([.. timed.Select(e => e.Seconds)]);
                var loss = timed[^1].TrainLoss;
                log($"W7 batch {batch} {Backends.Label(kind)}: {rate:F0} samples/s over {images} images, last epoch's loss {loss:F3}");
                var losses = peerLoss is { } theirs && images == peerImages
                    ? $"; epoch {sizes.Warmup + timed.Count} mean loss: ours {loss:F2}, torch's {theirs:F2} (each its own shuffle)" : "";
                var note = peerNote ?? (images == peerImages ? $"{peerThreads}{losses}"
                    : $"{peerThreads}; ours on the first {images} images, torch's on {peerImages}; both per image");
                run.Figures.Add(new Figure(Workload.W7, $"{Description(batch)}, {images} images", Backends.Label(kind), "samples/s", rate, peerRate,
                    HigherIsBetter: true, checks[(kind, batch)].Validity, note));
            }
        }
        foreach (var kind in options.Backends)
            foreach (var batch in Batches)
                run.Memory.Add(Memory(kind, batch));
    }

    private static string[] AdamArguments(int batch) =>
    [
        "--batch", batch.ToString(), "--lr", Adam.LearningRate.ToString("R", CultureInfo.InvariantCulture),
        "--beta1", Adam.Beta1.ToString("R", CultureInfo.InvariantCulture), "--beta2", Adam.Beta2.ToString("R", CultureInfo.InvariantCulture),
        "--eps", Adam.Epsilon.ToString("R", CultureInfo.InvariantCulture),
    ];

    /// <summary>`train cae`'s model, step and trainer over <paramref name="count"/> images at <paramref name="batch"/>.</summary>
    private static TrainerRun CaeRun(IBackend backend, ReadOnlySpan<float> pixels, int count, int batch) =>
        new(backend, Spec, Math.Min(batch, count), Defaults.Seed, Adam, pixels, count, batch, guarded: true);

    /// <summary>The spec as JSON (spec.json) and every parameter as &lt;name&gt;.npy in its own shape, as <see cref="Network.Initialize"/> leaves them.</summary>
    private static void WriteModel(Network network, string folder)
    {
        File.WriteAllText(Path.Combine(folder, "spec.json"), Spec.ToJson());
        foreach (var p in network.Body.Parameters)
            NpyFile.Write(Path.Combine(folder, $"{p.Name}.npy"), p.Value.ToArray(), [.. p.Shape.Dimensions]);
    }

    /// <summary>Our initial parameters and the spec, for the peer's timed runs.</summary>
    private string InitialParametersFolder()
    {
        var folder = Path.Combine(data.Scratch, "w7-w0");
        if (Directory.Exists(folder))
            return folder;
        Directory.CreateDirectory(folder);
        using var backend = Backends.Open(AcceleratorKind.Host);
        using var network = Spec.Build(backend, 1);
        network.Initialize(Defaults.Seed);
        WriteModel(network, folder);
        return folder;
    }

    /// <summary>
    /// K steps at <paramref name="batch"/>, ours on the trainer over the first K·B images and the peer on the same images in our
    /// epoch-0 order, from the same initial parameters; compared as W1's and W6's checks are (<see cref="EquivalenceCheck.Compare"/>):
    /// every weight, every bias and the mean loss.
    /// </summary>
    private CheckResult Check(AcceleratorKind kind, int batch)
    {
        var steps = WorkloadSizes.IsSlow(kind) ? Math.Min(2, sizes.W7CheckSteps) : sizes.W7CheckSteps;
        var images = steps * batch;
        var name = $"W7 conv AE 784→4×7×7→784, Adam, batch {batch}, {steps} steps";
        using var backend = Backends.Open(kind);
        using var cae = CaeRun(backend, data.TrainPixels(images), images, batch);
        var initial = cae.Network.Body.Parameters.ToDictionary(p => p.Name, p => p.Value.ToArray());
        var side = new EquivalenceCheck.CheckSide(name, Backends.Label(kind), steps, batch, CheckLoss, Networks.ConvCodeWidth);
        PeerCheck theirs;
        try
        {
            theirs = PeerSide(steps, batch, cae.Network);
        }
        catch (PeerUnavailableException e)
        {
            var skipped = EquivalenceCheck.NoPeer(side, cae.Trainer.RunEpoch().TrainLoss, e.Message);
            run.Checks.Add(skipped);
            return skipped;
        }
        var report = cae.Trainer.RunEpoch();
        var result = EquivalenceCheck.Compare(side, report.TrainLoss, theirs.MeanLoss, [.. cae.Network.Body.Parameters.Select(p =>
            new EquivalenceCheck.ParameterPair(p.Value.ToArray(), theirs.Values[p.Name], p.Group == ParameterGroups.Weights ? initial[p.Name] : null))],
            log);
        run.Checks.Add(result);
        return result;
    }

    /// <summary>Writes the spec, the initial parameters and the images in our epoch-0 order, and runs the peer once per (steps, batch).</summary>
    private PeerCheck PeerSide(int steps, int batch, Network network)
    {
        if (peerChecks.TryGetValue((steps, batch), out var known))
            return known;
        var folder = Path.Combine(data.Scratch, $"check-w7-{batch}-{steps}");
        Directory.CreateDirectory(folder);
        var images = steps * batch;
        var pixels = data.TrainPixels(images);
        var order = EpochOrder.Shuffle(Defaults.Seed, 0, images);
        var x = new float[pixels.Length];
        for (var i = 0; i < images; i++)
            pixels.AsSpan(order[i] * BenchData.Visible, BenchData.Visible).CopyTo(x.AsSpan(i * BenchData.Visible));
        WriteModel(network, folder);
        NpyFile.Write(Path.Combine(folder, "x.npy"), x, images, BenchData.Visible);
        peer.Run("cae_torch.py", ["check", "--dir", folder, .. AdamArguments(batch), "--device", options.PeerDevice,
            "--threads", options.PeerThreads.ToString()]);
        var values = network.Body.Parameters.ToDictionary(p => p.Name, p => NpyFile.Read(Path.Combine(folder, $"{p.Name}.final.npy")).Values);
        var outcome = new PeerCheck(values, NpyFile.Read(Path.Combine(folder, "losses.npy")).Values.Average());
        peerChecks[(steps, batch)] = outcome;
        return outcome;
    }

    /// <summary>
    /// Device bytes after a training epoch at <paramref name="batch"/> less what the trainer holds for the data set, against the budget:
    /// parameters + gradients + Adam's exp_avg and exp_avg_sq (4 floats per parameter) + two batches of every module's output; and
    /// managed bytes per step from two trainers that differ only in their number of steps.
    /// </summary>
    private MemoryResult Memory(AcceleratorKind kind, int batch)
    {
        var slow = WorkloadSizes.IsSlow(kind);
        var images = slow ? sizes.W7SlowImages : sizes.W7Images;
        long total, trainer, budget;
        using (var backend = Backends.Open(kind))
        {
            var before = backend.AllocatedBytes;
            using var cae = CaeRun(backend, data.TrainPixels(images), images, batch);
            // After an epoch: buffers made on first use (packed filters, padded planes) count too.
            cae.Trainer.RunEpoch();
            total = backend.AllocatedBytes - before;
            trainer = cae.TrainerBytes;
            var parameters = cae.Network.Body.Parameters.Sum(p => (long)p.Value.Length);
            var outputs = cae.Network.Body.Modules.Sum(m => (long)m.Outputs);
            budget = Float * (4 * parameters + 2L * batch * outputs);
        }
        var dataBytes = (long)Float * BenchData.Visible * images;
        var (allThreads, thisThread, steps, note) = ManagedBytesPerStep(kind, batch);
        var result = new MemoryResult(Backends.Label(kind), total, dataBytes, trainer - dataBytes, 0, total - trainer, budget, allThreads, thisThread, steps,
            note, Workload.W7, batch);
        log($"W7 batch {batch} {result.Backend}: {total} bytes on the device, budget ratio {result.BudgetRatio:F2}, managed {allThreads:F0} B/step");
        return result;
    }

    /// <summary>Managed bytes per step on all threads and on the training thread, as W5 and W6 take them.</summary>
    private (double AllThreads, double ThisThread, int Steps, string? Note) ManagedBytesPerStep(AcceleratorKind kind, int batch)
    {
        var steps = WorkloadSizes.IsSlow(kind) ? sizes.W5SlowSteps : sizes.W5Steps;
        using var backend = Backends.Open(kind);
        var (allThreads, thisThread) = MemoryWorkload.PerStepAllocations(steps, n =>
        {
            var cae = CaeRun(backend, data.TrainPixels(n * batch), n * batch, batch);
            return (() => cae.Trainer.RunEpoch(), n * batch, cae);
        });
        return (allThreads, thisThread, 2 * steps, null);
    }
}
