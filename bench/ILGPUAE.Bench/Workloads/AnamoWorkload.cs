namespace ILGPUAE.Bench.Workloads;

using System.Globalization;
using ILGPUAE.Backend;
using ILGPUAE.Backends;
using ILGPUAE.IO;
using ILGPUAE.Training;
using ILGPUAE.Training.Anamo;

/// <summary>
/// W9: one ANAMO outer iteration (`train anamo`'s <see cref="AnamoStep"/> on the one <see cref="Trainer"/>: an epoch) over the first
/// <see cref="Minibatches"/> × 100 MNIST training images, the 784 → 100 sigmoid autoencoder with `train anamo`'s defaults otherwise
/// (λ 0.1, per minibatch of 100: 5 FISTA iterations on the encoder at step 1, then 15 accelerated-gradient iterations on the decoder
/// at step 1), against bench/peers/anamo_torch.py running the same algorithm from the same initial parameters on the same minibatches
/// (the trainer's shuffle of the slice for that outer iteration). Checked first, over the first <see cref="CheckMinibatches"/>: the
/// epoch's loss and every parameter after it equal. Timed: the whole outer iteration, the trainer's epoch (its shuffle upload, the
/// minibatches' steps, the losses read back once), median of the harness's timed runs after its warm-up.
/// </summary>
public sealed class AnamoWorkload(HarnessOptions options, WorkloadSizes sizes, BenchData data, PeerRunner peer, BenchRun run, Action<string> log)
{
    public const int Hidden = 100, Batch = 100, Minibatches = 20, SlowMinibatches = 2, CheckMinibatches = 2;

    private static readonly AnamoOptions Anamo = new() { Hidden = Hidden, Batch = Batch, Seed = BenchData.Seed };

    public static string Description =>
        $"ANAMO 784→{Hidden} (λ {F(Anamo.Lambda)}, {Anamo.EncoderIterations} FISTA encoder + {Anamo.DecoderIterations} Nesterov decoder iterations, " +
        $"steps {F(Anamo.EncoderStep)}/{F(Anamo.DecoderStep)}, batch {Batch}), one outer iteration";

    public void Run()
    {
        var folder = WriteInputs(Minibatches);
        double? peerSeconds = null;
        string? peerNote = null;
        try
        {
            var result = peer.Run("anamo_torch.py", ["time", .. PeerArguments(folder), "--threads", options.PeerThreads.ToString(CultureInfo.InvariantCulture),
                "--runs", sizes.Timed.ToString(CultureInfo.InvariantCulture), "--warmup", sizes.Warmup.ToString(CultureInfo.InvariantCulture)]);
            peerSeconds = result.GetProperty("results").EnumerateArray().First().GetProperty("seconds").GetDouble();
            log($"W9 torch ({options.PeerThreads} threads): {peerSeconds:F4} s per outer iteration");
        }
        catch (PeerUnavailableException e)
        {
            peerNote = $"no peer figure: {e.Message}";
            log(peerNote);
        }
        foreach (var kind in options.Backends)
        {
            var check = Check(kind);
            var minibatches = WorkloadSizes.IsSlow(kind) ? SlowMinibatches : Minibatches;
            using var backend = Backends.Open(kind);
            using var session = new Session(backend, data.TrainPixels(minibatches * Batch), minibatches * Batch);
            var seconds = Timing.MedianSecondsPerCall(() => session.Trainer.RunEpoch(), WorkloadSizes.IsSlow(kind) ? 1 : sizes.Timed, sizes.Warmup);
            log($"W9 {Backends.Label(kind)}: {seconds:F4} s per outer iteration over {minibatches} minibatches");
            var note = peerNote ?? (minibatches == Minibatches ? $"torch {options.PeerThreads} threads" : $"ours on {minibatches} minibatches, torch's on {Minibatches}");
            run.Figures.Add(new Figure(Workload.W9, $"{Description}, {minibatches} minibatches", Backends.Label(kind), "s", seconds,
                minibatches == Minibatches ? peerSeconds : null, HigherIsBetter: false, check.Validity, note));
        }
    }

    private static string F(float v) => v.ToString("R", CultureInfo.InvariantCulture);

    private static string[] PeerArguments(string folder) =>
    [
        "--dir", folder, "--lam", F(Anamo.Lambda), "--batch", Batch.ToString(CultureInfo.InvariantCulture),
        "--enc-iterations", Anamo.EncoderIterations.ToString(CultureInfo.InvariantCulture), "--dec-iterations", Anamo.DecoderIterations.ToString(CultureInfo.InvariantCulture),
        "--enc-step", F(Anamo.EncoderStep), "--dec-step", F(Anamo.DecoderStep),
    ];

    /// <summary>x.npy (the slice), order.npy (the trainer's first shuffle of it) and our initial parameters in the peer's names, once.</summary>
    private string WriteInputs(int minibatches)
    {
        var folder = Path.Combine(data.Scratch, $"w9-{minibatches}");
        if (File.Exists(Path.Combine(folder, "x.npy")))
            return folder;
        Directory.CreateDirectory(folder);
        var count = minibatches * Batch;
        using var backend = Backends.Open(AcceleratorKind.Host);
        using var session = new Session(backend, data.TrainPixels(1), 1);
        foreach (var (name, file) in PeerNames)
        {
            var p = session.Step.Network.Body.Parameters.Single(q => q.Name == name);
            NpyFile.Write(Path.Combine(folder, $"{file}.npy"), p.Value.ToArray(), [.. p.Shape.Dimensions]);
        }
        NpyFile.Write(Path.Combine(folder, "x.npy"), data.TrainPixels(count), count, BenchData.Visible);
        NpyFile.Write(Path.Combine(folder, "order.npy"), EpochOrder.Shuffle(BenchData.Seed, 0, count), count);
        return folder;
    }

    private static readonly (string Name, string File)[] PeerNames =
        [(AnamoNetwork.EncoderWeight, "enc_w"), (AnamoNetwork.EncoderBias, "enc_b"), (AnamoNetwork.DecoderWeight, "dec_w"), (AnamoNetwork.DecoderBias, "dec_b")];

    /// <summary>
    /// One outer iteration on both sides from the same parameters, images and order, over the first <see cref="CheckMinibatches"/>
    /// minibatches of the slice: the epoch's mean loss within 1e-6 relative, each parameter within 1e-5 of its largest element. Not over
    /// all <see cref="Minibatches"/>: at step 1 with FISTA's momentum the iteration amplifies rounding about 25-fold every three
    /// minibatches, so that the peer in float32 and the same peer in float64 (bench/peers/anamo_torch.py, same inputs) differ by
    /// 3e-7 … 1e-6 of the parameters' scale after 2 minibatches, 1e-5 after 5, 3e-4 after 10 and 0.1 … 0.3 after 20: no float
    /// tolerance separates a wrong step from rounding there. After 2 the gap between two correct float32 runs is ≈ 1e-6; 1e-5 is ten
    /// times that, and a wrong step (a lost momentum term, a missed penalty) moves parameters by far more.
    /// </summary>
    private CheckResult Check(AcceleratorKind kind)
    {
        const int minibatches = CheckMinibatches;
        var folder = WriteInputs(minibatches);
        var name = $"W9 ANAMO 784→{Hidden}, one outer iteration over {minibatches} minibatches";
        using var backend = Backends.Open(kind);
        using var session = new Session(backend, data.TrainPixels(minibatches * Batch), minibatches * Batch);
        var ourLoss = session.Trainer.RunEpoch().TrainLoss;
        double theirLoss;
        try
        {
            peer.Run("anamo_torch.py", ["check", .. PeerArguments(folder), "--device", options.PeerDevice, "--threads", options.PeerThreads.ToString(CultureInfo.InvariantCulture)]);
            theirLoss = NpyFile.Read(Path.Combine(folder, "loss.npy")).Values[0];
        }
        catch (PeerUnavailableException e)
        {
            var skipped = new CheckResult(name, Backends.Label(kind), minibatches, Batch, "mse+l1 codes", Hidden, ourLoss, double.NaN, 0, 0, 0, false, $"no peer: {e.Message}");
            run.Checks.Add(skipped);
            return skipped;
        }
        backend.Synchronize();
        double weightDiff = 0, biasDiff = 0, largest = 0;
        foreach (var (pname, file) in PeerNames)
        {
            var p = session.Step.Network.Body.Parameters.Single(q => q.Name == pname);
            var ours = p.Value.ToArray();
            var theirs = NpyFile.Read(Path.Combine(folder, $"out_{file}.npy")).Values;
            var scale = theirs.Max(Math.Abs);
            var diff = ours.Select((v, i) => Math.Abs(v - theirs[i])).Max() / Math.Max(scale, 1e-12);
            if (p.Group == Modules.ParameterGroups.Biases)
                biasDiff = Math.Max(biasDiff, diff);
            else
                (weightDiff, largest) = (Math.Max(weightDiff, diff), Math.Max(largest, scale));
        }
        var lossDiff = Math.Abs(ourLoss - theirLoss) / Math.Abs(theirLoss);
        var passed = lossDiff <= 1e-6 && weightDiff <= 1e-5 && biasDiff <= 1e-5;
        var result = new CheckResult(name, Backends.Label(kind), minibatches, Batch, "mse+l1 codes", Hidden, ourLoss, theirLoss, weightDiff, largest, biasDiff, passed,
            $"loss {ourLoss:F6} vs {theirLoss:F6} ({lossDiff:E1} relative); parameters' largest difference after the iteration over their largest element: " +
            $"weights {weightDiff:E1}, biases {biasDiff:E1}");
        log($"{name} {result.Backend}: {result.Detail}: {(passed ? "passed" : "FAILED")}");
        run.Checks.Add(result);
        return result;
    }

    /// <summary>`train anamo`'s network, step and trainer on <paramref name="count"/> images, built as the verb builds them.</summary>
    private sealed class Session : IDisposable
    {
        public Session(IBackend backend, float[] pixels, int count)
        {
            var network = AnamoNetwork.Spec(BenchData.Visible, Hidden, Anamo.Lambda).Build(backend, Math.Min(Batch, count));
            network.Initialize(Anamo.Seed);
            var (encoder, decoder) = AnamoNetwork.Blocks(network);
            Step = new AnamoStep(network, encoder, Anamo.EncoderBlock, decoder, Anamo.DecoderBlock);
            Trainer = new Trainer(backend, Step, new TrainerSettings(Anamo.Seed, Batch, Anamo.EncoderStep), pixels, count,
                guarded: network.Body.Parameters.Select(p => (p.Name, p.Value)));
        }

        public AnamoStep Step { get; }
        public Trainer Trainer { get; }

        public void Dispose()
        {
            Trainer.Dispose();
            Step.Dispose();
        }
    }
}
