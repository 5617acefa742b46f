namespace ILGPUAE.Bench.Workloads;

using ILGPUAE.IO;
using System.Globalization;
using System.Text.Json;
using ILGPUAE.Backend;
using ILGPUAE.Backends;
using ILGPUAE.Modules;
using ILGPUAE.Optimizers;
using ILGPUAE.Training;

/// <summary>
/// W6: joint training of the deep denoising autoencoder 784→1000→1000 (<see cref="Networks.DeepAutoencoder"/>, tied weights,
/// Gaussian noise σ 0.3 on every layer's input, cross-entropy) with RMSprop (alpha 0.9, lr 0.001, eps 1e-8: the study's rule,
/// torch's eps) on batches of 100: the generic <see cref="NetworkStep"/> on the one <see cref="Trainer"/>, against
/// bench/peers/deep_dae_torch.py from the same initial weights. Before the timings, an equivalence check trains K steps without
/// noise on both sides (the peer on our clean inputs in our visit order) and compares the losses and the final parameters; then
/// the memory figure as W5 takes it: device bytes of joint training against parameters + gradients + RMSprop's square averages
/// + two batches of every module's output, and managed bytes per step.
/// </summary>
public sealed class DeepDaeWorkload(HarnessOptions options, WorkloadSizes sizes, BenchData data, PeerRunner peer, BenchRun run, Action<string> log)
{
    public const int Batch = 100;
    public const float Sigma = 0.3f;
    private const int Float = sizeof(float);
    private static readonly int[] Widths = [BenchData.Visible, 1000, 1000];

    /// <summary>torch.optim.RMSprop(lr=0.001, alpha=0.9, eps=1e-8).</summary>
    public static OptimizerOptions RmsProp => OptimizerOptions.Defaults(OptimizerKind.RmsProp) with { LearningRate = 1e-3f, Alpha = 0.9f, Epsilon = 1e-8f };

    public static string Description => $"deep DAE 784→1000→1000 joint, Gaussian σ {Sigma.ToString(CultureInfo.InvariantCulture)} per layer, RMSprop α 0.9 lr 0.001, batch {Batch}";

    private readonly Dictionary<int, PeerCheck> peerChecks = [];

    private sealed record PeerCheck(Dictionary<string, double[]> Values, double MeanLoss);

    public void Run()
    {
        var checks = options.Backends.ToDictionary(k => k, Check);
        var w0 = InitialWeightsFolder();
        var peerImages = sizes.W6Images;
        double? peerRate = null;
        string? peerNote = null;
        try
        {
            var result = peer.Run("deep_dae_torch.py", "time", "--mnist", data.TrainImagesPath, "--count", peerImages.ToString(), "--w0", w0,
                "--layers", (Widths.Length - 1).ToString(), "--batch", Batch.ToString(), "--sigma", Sigma.ToString("R", CultureInfo.InvariantCulture),
                "--lr", RmsProp.LearningRate.ToString("R", CultureInfo.InvariantCulture), "--alpha", RmsProp.Alpha.ToString("R", CultureInfo.InvariantCulture),
                "--eps", RmsProp.Epsilon.ToString("R", CultureInfo.InvariantCulture), "--threads", options.PeerThreads.ToString(),
                "--epochs", sizes.W6Timed.ToString(), "--warmup", sizes.Warmup.ToString(), "--device", options.PeerDevice);
            peerRate = result.GetProperty("results").EnumerateArray().First().GetProperty("samples_per_second").GetDouble();
            log($"W6 torch ({options.PeerThreads} threads): {peerRate:F0} samples/s over {peerImages} images");
        }
        catch (PeerUnavailableException e)
        {
            peerNote = $"no peer figure: {e.Message}";
            log(peerNote);
        }
        foreach (var kind in options.Backends)
        {
            var slow = WorkloadSizes.IsSlow(kind);
            var images = slow ? sizes.W6SlowImages : sizes.W6Images;
            using var backend = Backends.Open(kind);
            using var joint = JointRun(backend, Sigma, data.TrainPixels(images), images);
            for (var i = 0; i < sizes.Warmup; i++)
                joint.Trainer.RunEpoch();
            var seconds = Enumerable.Range(0, slow ? 1 : sizes.W6Timed).Select(_ => joint.Trainer.RunEpoch().Seconds).ToList();
            var rate = images / Timing.Median(seconds);
            log($"W6 {Backends.Label(kind)}: {rate:F0} samples/s over {images} images");
            var note = peerNote ?? (images == peerImages ? $"torch {options.PeerThreads} threads" : $"ours on the first {images} images, torch's on {peerImages}; both per image");
            run.Figures.Add(new Figure(Workload.W6, $"{Description}, {images} images", Backends.Label(kind), "samples/s", rate, peerRate,
                HigherIsBetter: true, checks[kind].Validity, note));
        }
        foreach (var kind in options.Backends)
            run.Memory.Add(Memory(kind));
    }

    /// <summary>The model, its step (RMSprop) and the trainer over <paramref name="count"/> images; σ 0 builds no corruption.</summary>
    private static TrainerRun JointRun(IBackend backend, float sigma, ReadOnlySpan<float> pixels, int count, int[]? widths = null, int batch = Batch) =>
        new(backend, Networks.DeepAutoencoder(widths ?? Widths, sigma > 0 ? CorruptionNoise.Gaussian(sigma) : null), batch, BenchData.Seed, RmsProp,
            pixels, count, batch);

    /// <summary>Our initial W of each layer (what <see cref="Network.Initialize"/> gives them) as w0_layer&lt;k&gt;.npy, for the peer.</summary>
    private string InitialWeightsFolder()
    {
        var folder = Path.Combine(data.Scratch, "w6-w0");
        if (Directory.Exists(folder))
            return folder;
        Directory.CreateDirectory(folder);
        using var backend = Backends.Open(AcceleratorKind.Host);
        using var network = Networks.DeepAutoencoder(Widths).Build(backend, 1);
        network.Initialize(BenchData.Seed);
        WriteInitialWeights(network, folder);
        return folder;
    }

    private static void WriteInitialWeights(Network network, string folder)
    {
        for (var k = 0; k < Widths.Length - 1; k++)
        {
            var w = network.Body.Parameters.Single(p => p.Name == Networks.DeepLayerNames(k).Weight);
            NpyFile.Write(Path.Combine(folder, $"w0_layer{k}.npy"), w.Value.ToArray(), Widths[k + 1], Widths[k]);
        }
    }

    /// <summary>
    /// K steps without noise (the one difference from the timed runs: the peer cannot draw our noise), ours on the trainer over the
    /// first K·B images and the peer on the same images in our epoch-0 order; compared as W1's checks are
    /// (<see cref="EquivalenceCheck.Compare"/>).
    /// </summary>
    private CheckResult Check(AcceleratorKind kind)
    {
        var steps = WorkloadSizes.IsSlow(kind) ? Math.Min(2, sizes.W6CheckSteps) : sizes.W6CheckSteps;
        var images = steps * Batch;
        var name = $"W6 784→1000→1000 RMSprop, σ 0, {steps} steps";
        using var backend = Backends.Open(kind);
        using var joint = JointRun(backend, 0f, data.TrainPixels(images), images);
        var initial = joint.Network.Body.Parameters.ToDictionary(p => p.Name, p => p.Value.ToArray());
        var side = new EquivalenceCheck.CheckSide(name, Backends.Label(kind), steps, Batch, "xent", 1000);
        PeerCheck theirs;
        try
        {
            theirs = PeerSide(steps, joint.Network);
        }
        catch (PeerUnavailableException e)
        {
            var skipped = EquivalenceCheck.NoPeer(side, joint.Trainer.RunEpoch().TrainLoss, e.Message);
            run.Checks.Add(skipped);
            return skipped;
        }
        var report = joint.Trainer.RunEpoch();
        var result = EquivalenceCheck.Compare(side, report.TrainLoss, theirs.MeanLoss, [.. joint.Network.Body.Parameters.Select(p =>
            new EquivalenceCheck.ParameterPair(p.Value.ToArray(), theirs.Values[p.Name], p.Group == ParameterGroups.Weights ? initial[p.Name] : null))],
            log);
        run.Checks.Add(result);
        return result;
    }

    /// <summary>Writes the initial weights and the clean images in our epoch-0 order and runs the peer once per step count.</summary>
    private PeerCheck PeerSide(int steps, Network network)
    {
        if (peerChecks.TryGetValue(steps, out var known))
            return known;
        var folder = Path.Combine(data.Scratch, $"check-w6-{steps}");
        Directory.CreateDirectory(folder);
        var images = steps * Batch;
        var pixels = data.TrainPixels(images);
        var order = EpochOrder.Shuffle(BenchData.Seed, 0, images);
        var x = new float[pixels.Length];
        for (var i = 0; i < images; i++)
            pixels.AsSpan(order[i] * BenchData.Visible, BenchData.Visible).CopyTo(x.AsSpan(i * BenchData.Visible));
        WriteInitialWeights(network, folder);
        NpyFile.Write(Path.Combine(folder, "x.npy"), x, images, BenchData.Visible);
        peer.Run("deep_dae_torch.py", "check", "--dir", folder, "--layers", (Widths.Length - 1).ToString(), "--batch", Batch.ToString(),
            "--lr", RmsProp.LearningRate.ToString("R", CultureInfo.InvariantCulture), "--alpha", RmsProp.Alpha.ToString("R", CultureInfo.InvariantCulture),
            "--eps", RmsProp.Epsilon.ToString("R", CultureInfo.InvariantCulture), "--device", options.PeerDevice, "--threads", options.PeerThreads.ToString());
        var values = new Dictionary<string, double[]>();
        for (var k = 0; k < Widths.Length - 1; k++)
        {
            var (w, bh, bv) = Networks.DeepLayerNames(k);
            values[w] = NpyFile.Read(Path.Combine(folder, $"w_layer{k}.npy")).Values;
            values[bh] = NpyFile.Read(Path.Combine(folder, $"b_hidden_layer{k}.npy")).Values;
            values[bv] = NpyFile.Read(Path.Combine(folder, $"b_visible_layer{k}.npy")).Values;
        }
        var outcome = new PeerCheck(values, NpyFile.Read(Path.Combine(folder, "losses.npy")).Values.Average());
        peerChecks[steps] = outcome;
        return outcome;
    }

    /// <summary>
    /// Device bytes after a training epoch (σ 0.3, the timed configuration) less what the trainer holds for the data set, against the
    /// budget; managed bytes per step from two trainers that differ only in their number of steps.
    /// </summary>
    private MemoryResult Memory(AcceleratorKind kind)
    {
        var slow = WorkloadSizes.IsSlow(kind);
        var images = slow ? sizes.W6SlowImages : sizes.W6Images;
        long total, trainer;
        using (var backend = Backends.Open(kind))
        {
            var before = backend.AllocatedBytes;
            using var joint = JointRun(backend, Sigma, data.TrainPixels(images), images);
            // After an epoch: buffers made on first use (GEMM workspaces) count too.
            joint.Trainer.RunEpoch();
            total = backend.AllocatedBytes - before;
            trainer = joint.TrainerBytes;
        }
        var dataBytes = (long)Float * BenchData.Visible * images;
        var parameters = 0L;
        for (var k = 0; k < Widths.Length - 1; k++)
            parameters += (long)Widths[k] * Widths[k + 1] + Widths[k + 1] + Widths[k];
        // A batch's activations: every module's output — each layer's corrupted input [B, d_k] and code [B, d_k+1], each
        // decoder's reconstruction [B, d_k].
        var activations = (long)Batch * (2 * Widths.SkipLast(1).Sum() + Widths.Skip(1).Sum());
        var budget = Float * (3 * parameters + 2 * activations);
        var (allThreads, thisThread, steps, note) = ManagedBytesPerStep(kind);
        var result = new MemoryResult(Backends.Label(kind), total, dataBytes, trainer - dataBytes, 0, total - trainer, budget, allThreads, thisThread, steps,
            note, Workload.W6);
        log($"W6 {result.Backend}: {total} bytes on the device, budget ratio {result.BudgetRatio:F2}, managed {allThreads:F0} B/step");
        return result;
    }

    /// <summary>Managed bytes per step on all threads and on the training thread; the slow accelerator runs a small stack.</summary>
    private (double AllThreads, double ThisThread, int Steps, string? Note) ManagedBytesPerStep(AcceleratorKind kind)
    {
        var slow = WorkloadSizes.IsSlow(kind);
        int[] widths = slow ? [BenchData.Visible, 100, 100] : Widths;
        var batch = slow ? 10 : Batch;
        var steps = slow ? sizes.W5SlowSteps : sizes.W5Steps;
        using var backend = Backends.Open(kind);
        var (allThreads, thisThread) = MemoryWorkload.PerStepAllocations(steps, n =>
        {
            var joint = JointRun(backend, Sigma, data.TrainPixels(n * batch), n * batch, widths, batch);
            return (() => joint.Trainer.RunEpoch(), n * batch, joint);
        });
        var note = slow ? "784→100→100, batch 10 (bytes per step do not depend on the sizes)" : null;
        return (allThreads, thisThread, 2 * steps, note);
    }
}
