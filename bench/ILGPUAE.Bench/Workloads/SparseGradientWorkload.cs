namespace ILGPUAE.Bench.Workloads;

using System.Globalization;
using ILGPUAE.Backend;
using ILGPUAE.Backends;
using ILGPUAE.Data.Variations;
using ILGPUAE.IO;
using ILGPUAE.Modules;
using ILGPUAE.Random;

/// <summary>
/// W8: one full-batch gradient of the KL-sparse autoencoder 900 → 100 (`train sparse`'s untied model, <see cref="Networks.SparseAutoencoder"/>)
/// on the first 10000 Shapes30 training images: <see cref="Network.ForwardBackward"/> over the whole set (reconstruction and KL penalty) and the weight decay α·W on
/// the weights, what one iteration of the line search (<see cref="Training.LineSearchStep"/>) costs, against bench/peers/sparse_torch.py
/// (eager forward and loss.backward()) from the same parameters and images. Checked first: the objective and every gradient equal.
/// </summary>
public sealed class SparseGradientWorkload(HarnessOptions options, WorkloadSizes sizes, BenchData data, PeerRunner peer, BenchRun run, Action<string> log)
{
    public const int Visible = 900, Hidden = 100, Images = 10000, SlowImages = 500;
    public const float Rho = 0.05f, Beta = 3f, Alpha = 1e-4f;

    public static string Description => $"KL-sparse AE {Visible}→{Hidden} (ρ {Rho.ToString(CultureInfo.InvariantCulture)}, β {Beta.ToString(CultureInfo.InvariantCulture)}, α {Alpha.ToString(CultureInfo.InvariantCulture)}), one full-batch gradient";

    /// <summary>
    /// The workload's images, [count, 900]: the first <paramref name="count"/> training images of Shapes30 at seed 1 (`data make shapes`,
    /// the issue's "10000 shapes training images"), made in memory as their stored bytes / 255, as the dataset loads them.
    /// </summary>
    public static float[] Pixels(int count)
    {
        var (bytes, _) = GeneratedSets.Generate(new ShapesGenerator(), GeneratedSets.DefaultSeed, VariationSplit.Train, count, new VariationSources());
        return [.. bytes.Select(b => b / 255f)];
    }

    public void Run()
    {
        var folder = WriteInputs(Images);
        double? peerSeconds = null;
        string? peerNote = null;
        try
        {
            var result = peer.Run("sparse_torch.py", "time", "--dir", folder, "--rho", F(Rho), "--beta", F(Beta), "--alpha", F(Alpha),
                "--threads", options.PeerThreads.ToString(CultureInfo.InvariantCulture), "--runs", sizes.Timed.ToString(CultureInfo.InvariantCulture),
                "--warmup", sizes.Warmup.ToString(CultureInfo.InvariantCulture), "--device", options.PeerDevice);
            peerSeconds = result.GetProperty("results").EnumerateArray().First().GetProperty("seconds").GetDouble();
            log($"W8 torch ({options.PeerThreads} threads): {peerSeconds:F4} s per gradient");
        }
        catch (PeerUnavailableException e)
        {
            peerNote = $"no peer figure: {e.Message}";
            log(peerNote);
        }
        foreach (var kind in options.Backends)
        {
            var check = Check(kind, folder);
            var images = WorkloadSizes.IsSlow(kind) ? SlowImages : Images;
            using var backend = Backends.Open(kind);
            using var gradient = new Gradient(backend, Pixels(images), images);
            var seconds = Timing.MedianSecondsPerCall(() => gradient.Run(), WorkloadSizes.IsSlow(kind) ? 1 : sizes.Timed, sizes.Warmup);
            log($"W8 {Backends.Label(kind)}: {seconds:F4} s per gradient over {images} images");
            var note = peerNote ?? (images == Images ? $"torch {options.PeerThreads} threads" : $"ours on {images} images, torch's on {Images}");
            run.Figures.Add(new Figure(Workload.W8, $"{Description}, {images} images", Backends.Label(kind), "s", seconds,
                images == Images ? peerSeconds : null, HigherIsBetter: false, check.Validity, note));
        }
    }

    private static string F(float v) => v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>x.npy and our initial parameters (Network.Initialize at the bench's seed) in the peer's names, once.</summary>
    private string WriteInputs(int images)
    {
        var folder = Path.Combine(data.Scratch, $"w8-shapes-{images}");
        if (File.Exists(Path.Combine(folder, "x.npy")))
            return folder;
        Directory.CreateDirectory(folder);
        using var backend = Backends.Open(AcceleratorKind.Host);
        using var gradient = new Gradient(backend, Pixels(1), 1);
        foreach (var (name, file) in PeerNames)
        {
            var p = gradient.Network.Body.Parameters.Single(q => q.Name == name);
            NpyFile.Write(Path.Combine(folder, $"{file}.npy"), p.Value.ToArray(), [.. p.Shape.Dimensions]);
        }
        NpyFile.Write(Path.Combine(folder, "x.npy"), Pixels(images), images, Visible);
        return folder;
    }

    private static readonly (string Name, string File)[] PeerNames =
        [(Networks.SparseLayerNames(0).Weight, "w"), (Networks.SparseLayerNames(0).HiddenBias, "b_hidden"),
         (Networks.SparseLayerNames(0).DecoderWeight, "w_decoder"), (Networks.SparseLayerNames(0).VisibleBias, "b_visible")];

    /// <summary>
    /// One gradient on both sides from the same parameters and images (the slow accelerator on the first <see cref="SlowImages"/>): the
    /// mean loss within 1e-5 relative, each gradient within 1e-3 of its largest element (float sums over thousands of rows in another order).
    /// </summary>
    private CheckResult Check(AcceleratorKind kind, string fullFolder)
    {
        var images = WorkloadSizes.IsSlow(kind) ? SlowImages : Images;
        var folder = images == Images ? fullFolder : WriteInputs(images);
        var name = $"W8 {Visible}→{Hidden} KL-sparse gradient, {images} images";
        using var backend = Backends.Open(kind);
        using var gradient = new Gradient(backend, Pixels(images), images);
        var ourLoss = gradient.Run();
        double theirLoss;
        try
        {
            peer.Run("sparse_torch.py", "check", "--dir", folder, "--rho", F(Rho), "--beta", F(Beta), "--alpha", F(Alpha), "--device", options.PeerDevice,
                "--threads", options.PeerThreads.ToString(CultureInfo.InvariantCulture));
            theirLoss = NpyFile.Read(Path.Combine(folder, "loss.npy")).Values[0];
        }
        catch (PeerUnavailableException e)
        {
            var skipped = new CheckResult(name, Backends.Label(kind), 1, images, "mse+kl", Hidden, ourLoss, double.NaN, 0, 0, 0, false, $"no peer: {e.Message}");
            run.Checks.Add(skipped);
            return skipped;
        }
        double weightDiff = 0, biasDiff = 0, largest = 0;
        foreach (var (pname, file) in PeerNames)
        {
            var p = gradient.Network.Body.Parameters.Single(q => q.Name == pname);
            var ours = p.Grad.ToArray();
            var theirs = NpyFile.Read(Path.Combine(folder, $"g_{file}.npy")).Values;
            var scale = theirs.Max(Math.Abs);
            var diff = ours.Select((v, i) => Math.Abs(v - theirs[i])).Max() / Math.Max(scale, 1e-12);
            if (p.Group == ParameterGroups.Biases)
                biasDiff = Math.Max(biasDiff, diff);
            else
                (weightDiff, largest) = (Math.Max(weightDiff, diff), Math.Max(largest, scale));
        }
        var lossDiff = Math.Abs(ourLoss - theirLoss) / Math.Abs(theirLoss);
        var passed = lossDiff <= 1e-5 && weightDiff <= 1e-3 && biasDiff <= 1e-3;
        var result = new CheckResult(name, Backends.Label(kind), 1, images, "mse+kl", Hidden, ourLoss, theirLoss, weightDiff, largest, biasDiff, passed,
            $"loss {ourLoss:F6} vs {theirLoss:F6} ({lossDiff:E1} relative); gradients' largest difference over their largest element: weights {weightDiff:E1}, biases {biasDiff:E1}");
        log($"{name} {result.Backend}: {result.Detail}: {(passed ? "passed" : "FAILED")}");
        run.Checks.Add(result);
        return result;
    }

    /// <summary>The network over the whole set, its indices 0 … N − 1 (a full batch in order) and the decay's constants, made once.</summary>
    private sealed class Gradient : IDisposable
    {
        private readonly IBackend backend;
        private readonly Tensor<float> x, losses, one, alpha;
        private readonly Tensor<int> indices;
        private readonly float[] host;

        public Gradient(IBackend backend, float[] pixels, int count)
        {
            this.backend = backend;
            Network = Networks.SparseAutoencoder(Visible, Hidden, Rho, Beta).Build(backend, count);
            Network.Initialize(BenchData.Seed);
            x = backend.Allocate<float>(count, Visible);
            x.CopyFrom(pixels);
            indices = backend.Allocate<int>(count);
            indices.CopyFrom([.. Enumerable.Range(0, count)]);
            losses = backend.Allocate<float>(count);
            (one, alpha) = (backend.Allocate<float>(1), backend.Allocate<float>(1));
            one.CopyFrom([1f]);
            alpha.CopyFrom([Alpha]);
            host = new float[count];
        }

        public Network Network { get; }

        /// <summary>One gradient of the whole objective in every parameter's Grad (the decay added on the weights); returns the mean loss less the decay.</summary>
        public double Run()
        {
            Network.ForwardBackward(x, new Modules.StepContext(indices, BenchData.Seed, 0, Training: true), losses);
            foreach (var p in Network.TrainedParameters.Where(p => p.Group != ParameterGroups.Biases))
                backend.Svm.RowAxpby(alpha, p.Value.Reshape(1, p.Value.Length), one, p.Grad.Reshape(1, p.Grad.Length));
            backend.Synchronize();
            losses.CopyTo(host);
            return host.Average(v => (double)v);
        }

        public void Dispose()
        {
            Network.Dispose();
            x.Dispose();
            indices.Dispose();
            losses.Dispose();
            one.Dispose();
            alpha.Dispose();
        }
    }
}
