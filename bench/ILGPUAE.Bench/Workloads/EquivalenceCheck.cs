namespace ILGPUAE.Bench.Workloads;

using ILGPUAE.Backend;
using ILGPUAE.Corruption;
using ILGPUAE.IO;
using ILGPUAE.Models;
using ILGPUAE.Random;
using ILGPUAE.Training;

/// <summary>
/// Proves that a peer trains the same model as we do before its figures are compared with ours. The harness
/// writes our initial W and, in our epoch-0 visit order, the clean inputs and the inputs our masks leave
/// (recomputed by <see cref="CorruptionReference"/>, the reference the mask kernels are tested against); the
/// peer trains on them for K steps. Our side is the real trainer for one epoch of the same K·B images.
/// Both final W and the mean loss must agree:
/// |W_ours − W_peer| ≤ AbsoluteTolerance + RelativeTolerance·|W_peer| everywhere, and the largest difference
/// must be under <see cref="UpdateFraction"/> of the largest change training made to W, so that a check
/// whose steps changed nothing cannot pass.
/// </summary>
public sealed class EquivalenceCheck(BenchData data, PeerRunner peer, Action<string> log)
{
    public const double AbsoluteTolerance = 1e-5;
    public const double RelativeTolerance = 1e-3;
    public const double UpdateFraction = 0.01;
    public const double LossTolerance = 1e-4;

    private sealed record PeerOutcome(double[] W, double[] BHidden, double[] BVisible, double MeanLoss);

    private readonly Dictionary<string, PeerOutcome> peerOutcomes = [];

    /// <summary>Trains <paramref name="steps"/> steps of <paramref name="options"/> on <paramref name="backend"/> and compares with the peer.</summary>
    public CheckResult Run(string name, IBackend backend, string backendLabel, DaeOptions options, int steps, string peerDevice, int peerThreads)
    {
        var images = steps * options.Batch;
        var lossName = options.Loss == LossKind.CrossEntropy ? "xent" : "mse";
        var folder = Path.Combine(data.Scratch, $"check-{name}");
        PeerOutcome? theirs;
        string? peerProblem = null;
        try
        {
            theirs = PeerSide(name, folder, options, images, lossName, peerDevice, peerThreads);
        }
        catch (PeerUnavailableException e)
        {
            theirs = null;
            peerProblem = e.Message;
        }

        using var trainer = new DaeSession(backend, options, BenchData.Visible, data.TrainPixels(images), data.Test.Pixels);
        var report = trainer.RunEpoch();
        var w = trainer.Model.Weights.ToArray();
        var bh = trainer.Model.HiddenBias.ToArray();
        var bv = trainer.Model.VisibleBias.ToArray();

        if (theirs is null)
            return new CheckResult(name, backendLabel, steps, options.Batch, lossName, options.Hidden, report.TrainLoss, double.NaN,
                double.NaN, double.NaN, double.NaN, false, $"no peer: {peerProblem}");

        var w0 = TiedAutoencoder.InitialWeights(BenchData.Visible, options.Hidden, options.Seed);
        double maxDiff = 0, maxUpdate = 0, maxBiasDiff = 0;
        var outside = 0;
        for (var i = 0; i < w.Length; i++)
        {
            var d = Math.Abs(w[i] - theirs.W[i]);
            maxDiff = Math.Max(maxDiff, d);
            maxUpdate = Math.Max(maxUpdate, Math.Abs(theirs.W[i] - w0[i]));
            if (!(d <= AbsoluteTolerance + RelativeTolerance * Math.Abs(theirs.W[i])))
                outside++;
        }
        for (var i = 0; i < bh.Length; i++)
            maxBiasDiff = Math.Max(maxBiasDiff, Math.Abs(bh[i] - theirs.BHidden[i]));
        for (var i = 0; i < bv.Length; i++)
            maxBiasDiff = Math.Max(maxBiasDiff, Math.Abs(bv[i] - theirs.BVisible[i]));
        var lossDiff = Math.Abs(report.TrainLoss - theirs.MeanLoss) / Math.Max(1e-12, Math.Abs(theirs.MeanLoss));
        var failures = new List<string>();
        if (outside > 0)
            failures.Add($"{outside} weights outside {AbsoluteTolerance:g} + {RelativeTolerance:g}·|W|");
        if (!(maxDiff <= UpdateFraction * maxUpdate))
            failures.Add($"max |ΔW| {maxDiff:g3} is not under {UpdateFraction:P0} of the largest update {maxUpdate:g3}");
        if (!(maxBiasDiff <= AbsoluteTolerance * 10))
            failures.Add($"max bias difference {maxBiasDiff:g3}");
        if (!(lossDiff <= LossTolerance))
            failures.Add($"mean loss {report.TrainLoss:g7} vs {theirs.MeanLoss:g7} (relative {lossDiff:g3})");
        var passed = failures.Count == 0;
        var detail = passed
            ? $"{steps} steps: loss {report.TrainLoss:F4} vs {theirs.MeanLoss:F4}, max |ΔW| {maxDiff:g2} (largest update {maxUpdate:g2})"
            : string.Join("; ", failures);
        log($"check {name} on {backendLabel}: {(passed ? "passed" : "FAILED")}: {detail}");
        return new CheckResult(name, backendLabel, steps, options.Batch, lossName, options.Hidden, report.TrainLoss, theirs.MeanLoss,
            maxDiff, maxUpdate, maxBiasDiff, passed, detail);
    }

    /// <summary>Writes the inputs and runs the peer once per configuration; later backends reuse its result.</summary>
    private PeerOutcome PeerSide(string name, string folder, DaeOptions options, int images, string lossName, string device, int threads)
    {
        if (peerOutcomes.TryGetValue(name, out var known))
            return known;
        Directory.CreateDirectory(folder);
        var pixels = data.TrainPixels(images);
        var order = EpochOrder.Shuffle(options.Seed, 0, images);
        var key = new NoiseKey(options.Seed, RngStream.Mask, 0);
        var threshold = CounterRng.BernoulliThreshold(options.Corruption);
        var x = new float[images * BenchData.Visible];
        var xt = new float[x.Length];
        for (var i = 0; i < images; i++)
            for (var j = 0; j < BenchData.Visible; j++)
            {
                var v = pixels[order[i] * BenchData.Visible + j];
                x[i * BenchData.Visible + j] = v;
                xt[i * BenchData.Visible + j] = CorruptionReference.IsMasked(key, threshold, order[i], j) ? 0f : v;
            }
        NpyFile.Write(Path.Combine(folder, "w0.npy"), TiedAutoencoder.InitialWeights(BenchData.Visible, options.Hidden, options.Seed),
            options.Hidden, BenchData.Visible);
        NpyFile.Write(Path.Combine(folder, "x.npy"), x, images, BenchData.Visible);
        NpyFile.Write(Path.Combine(folder, "xt.npy"), xt, images, BenchData.Visible);
        peer.Run("dae_torch.py", "check", "--dir", folder, "--batch", options.Batch.ToString(), "--loss", lossName,
            "--lr", options.LearningRate.ToString("R"), "--device", device, "--threads", threads.ToString());
        var outcome = new PeerOutcome(
            NpyFile.Read(Path.Combine(folder, "w.npy")).Values,
            NpyFile.Read(Path.Combine(folder, "b_hidden.npy")).Values,
            NpyFile.Read(Path.Combine(folder, "b_visible.npy")).Values,
            NpyFile.Read(Path.Combine(folder, "losses.npy")).Values.Average());
        peerOutcomes[name] = outcome;
        return outcome;
    }
}
