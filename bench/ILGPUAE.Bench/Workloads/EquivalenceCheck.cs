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

        var side = new CheckSide(name, backendLabel, steps, options.Batch, lossName, options.Hidden);
        if (theirs is null)
            return NoPeer(side, report.TrainLoss, peerProblem!);
        var w0 = TiedAutoencoder.InitialWeights(BenchData.Visible, options.Hidden, options.Seed);
        return Compare(side, report.TrainLoss, theirs.MeanLoss,
            [new(w, theirs.W, w0), new(bh, theirs.BHidden, null), new(bv, theirs.BVisible, null)], log);
    }

    /// <summary>What a check ran: its name, the backend, K steps of batches of B, the loss and the (first) hidden width.</summary>
    public sealed record CheckSide(string Name, string Backend, int Steps, int Batch, string Loss, int Hidden);

    /// <summary>One parameter's final values, ours and the peer's; a weight carries its initial values (null for a bias).</summary>
    public sealed record ParameterPair(float[] Ours, double[] Theirs, float[]? Initial);

    /// <summary>The check that could not run: the peer is missing (<paramref name="problem"/> says why).</summary>
    public static CheckResult NoPeer(CheckSide side, double ourLoss, string problem) =>
        new(side.Name, side.Backend, side.Steps, side.Batch, side.Loss, side.Hidden, ourLoss, double.NaN, double.NaN, double.NaN, double.NaN,
            false, $"no peer: {problem}");

    /// <summary>
    /// Every weight within <see cref="AbsoluteTolerance"/> + <see cref="RelativeTolerance"/>·|W_peer|, the largest weight difference
    /// under <see cref="UpdateFraction"/> of the largest change training made to a weight, biases within 10·<see cref="AbsoluteTolerance"/>,
    /// the mean loss within a relative <see cref="LossTolerance"/>; logged and returned.
    /// </summary>
    public static CheckResult Compare(CheckSide side, double ourLoss, double theirLoss, IEnumerable<ParameterPair> parameters, Action<string> log)
    {
        double maxDiff = 0, maxUpdate = 0, maxBiasDiff = 0;
        var outside = 0;
        foreach (var (ours, theirs, initial) in parameters)
            for (var i = 0; i < ours.Length; i++)
            {
                var d = Math.Abs(ours[i] - theirs[i]);
                if (initial is null)
                {
                    maxBiasDiff = Math.Max(maxBiasDiff, d);
                    continue;
                }
                maxDiff = Math.Max(maxDiff, d);
                maxUpdate = Math.Max(maxUpdate, Math.Abs(theirs[i] - initial[i]));
                if (!(d <= AbsoluteTolerance + RelativeTolerance * Math.Abs(theirs[i])))
                    outside++;
            }
        var lossDiff = Math.Abs(ourLoss - theirLoss) / Math.Max(1e-12, Math.Abs(theirLoss));
        var failures = new List<string>();
        if (outside > 0)
            failures.Add($"{outside} weights outside {AbsoluteTolerance:g} + {RelativeTolerance:g}·|W|");
        if (!(maxDiff <= UpdateFraction * maxUpdate))
            failures.Add($"max |ΔW| {maxDiff:g3} is not under {UpdateFraction:P0} of the largest update {maxUpdate:g3}");
        if (!(maxBiasDiff <= AbsoluteTolerance * 10))
            failures.Add($"max bias difference {maxBiasDiff:g3}");
        if (!(lossDiff <= LossTolerance))
            failures.Add($"mean loss {ourLoss:g7} vs {theirLoss:g7} (relative {lossDiff:g3})");
        var passed = failures.Count == 0;
        var detail = passed
            ? $"{side.Steps} steps: loss {ourLoss:F4} vs {theirLoss:F4}, max |ΔW| {maxDiff:g2} (largest update {maxUpdate:g2})"
            : string.Join("; ", failures);
        log($"check {side.Name} on {side.Backend}: {(passed ? "passed" : "FAILED")}: {detail}");
        return new CheckResult(side.Name, side.Backend, side.Steps, side.Batch, side.Loss, side.Hidden, ourLoss, theirLoss,
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
