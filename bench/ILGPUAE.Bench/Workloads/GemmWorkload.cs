namespace ILGPUAE.Bench.Workloads;

using ILGPUAE.Backend;
using ILGPUAE.Backends;
using ILGPUAE.Bench.Baselines;
using ILGPUAE.IO;
using ILGPUAE.Ilgpu;
using ILGPUAE.Random;

/// <summary>
/// W4: GFLOP/s of <see cref="IGemm.Gemm"/> on each backend for the three products of a tied DAE step at
/// batch 100, 784→1000 (encode x·Wᵀ, decode y·W, gradient δᵀ·x) and, in full mode, 4096³, against
/// torch.matmul (bench/peers/gemm_torch.py) timed the same way. Before timing, our three products are
/// compared with the peer's on the same operands. Each row also times an in-process reference on the same backend
/// and tensors (<see cref="IReferenceGemm"/>): cuBLAS on cuda, the naive one-thread-per-output kernel on cpu.
/// On the backends <see cref="HarnessOptions.SweepBackends"/> names, W4's own figures are followed by its kernel sweep
/// (<see cref="GemmKernelSweep"/>): every GEMM kernel on the same tensors, to set the policy from.
/// </summary>
public sealed class GemmWorkload(HarnessOptions options, WorkloadSizes sizes, BenchData data, PeerRunner peer, BenchRun run, Action<string> log)
{
    public const int Batch = 100, Visible = 784, Hidden = 1000, Square = 4096;
    public const double AbsoluteTolerance = 1e-4, RelativeTolerance = 1e-3;

    /// <summary>The kernel sweep's runs at 4096³: fewer than W4's own (each call is tens of milliseconds, and a dozen kernels are timed).</summary>
    public const int SweepSquareRuns = 3;

    private enum Product
    {
        Encode,
        Decode,
        Gradient,
        Square,
    }

    private static readonly Dictionary<Product, string> PeerNames = new()
    {
        [Product.Encode] = "encode x·Wᵀ (NT)",
        [Product.Decode] = "decode y·W (NN)",
        [Product.Gradient] = "gradient δᵀ·x (TN)",
        [Product.Square] = "square (NN)",
    };

    public void Run()
    {
        var shape = $"{Batch}x{Visible}x{Hidden}";
        Dictionary<string, double> peerRates = [];
        string? peerNote = null;
        try
        {
            var result = peer.Run("gemm_torch.py", "time", "--shapes", shape, "--square", sizes.GemmSquare ? Square.ToString() : "0",
                "--runs", sizes.GemmRuns.ToString(), "--threads", options.PeerThreads.ToString(), "--device", options.PeerDevice);
            foreach (var r in result.GetProperty("results").EnumerateArray())
                peerRates[r.GetProperty("product").GetString()!] = r.GetProperty("gflops").GetDouble();
        }
        catch (PeerUnavailableException e)
        {
            peerNote = $"no peer figure: {e.Message}";
        }

        var x = RandomValues(Batch * Visible, 1);
        var w = RandomValues(Hidden * Visible, 2);
        var y = RandomValues(Batch * Hidden, 3);
        var peerProducts = PeerProducts(x, w, y, out var checkProblem);
        run.KernelSweeps ??= [];

        foreach (var kind in options.Backends)
        {
            using var backend = Backends.Open(kind);
            using var reference = OpenReference(kind, backend, out var referenceProblem);
            using var tx = Upload(backend, x, Batch, Visible);
            using var tw = Upload(backend, w, Hidden, Visible);
            using var ty = Upload(backend, y, Batch, Hidden);
            using var hidden = backend.Allocate<float>(Batch, Hidden);
            using var visible = backend.Allocate<float>(Batch, Visible);
            using var gradient = backend.Allocate<float>(Hidden, Visible);
            var products = new (Product Product, Transpose TransA, Transpose TransB, Tensor<float> A, Tensor<float> B, Tensor<float> Output)[]
            {
                (Product.Encode, Transpose.None, Transpose.Transposed, tx, tw, hidden),
                (Product.Decode, Transpose.None, Transpose.None, ty, tw, visible),
                (Product.Gradient, Transpose.Transposed, Transpose.None, ty, tx, gradient),
            };
            var runs = WorkloadSizes.IsSlow(kind) ? Math.Min(3, sizes.GemmRuns) : sizes.GemmRuns;
            var warmup = WorkloadSizes.IsSlow(kind) ? 1 : 3;
            foreach (var (product, ta, tb, a, b, output) in products)
            {
                void Ours() => backend.Gemm.Gemm(ta, tb, 1f, a, b, 0f, output);
                Ours();
                backend.Synchronize();
                var validity = peerProducts is null ? checkProblem! : Compare(output.ToArray(), peerProducts[product]);
                var seconds = Timing.MedianSecondsPerCall(() => { Ours(); backend.Synchronize(); }, runs, warmup);
                var flops = 2.0 * Batch * Visible * Hidden;
                var (referenceRate, referenceNote) = reference is null
                    ? (null, referenceProblem)
                    : TimeReference(reference, backend, () => reference.Gemm(ta, tb, 1f, a, b, 0f, output), output,
                        peerProducts is null ? ("ours", ToDouble(output.ToArray())) : ("torch's", peerProducts[product]), flops, runs, warmup);
                var (m, n, k) = Shapes.Gemm(ta, tb, a, b, output);
                AddFigure(kind, product, shape, flops / seconds / 1e9, peerRates, validity, Join(KernelNote(backend, m, n, k), Join(peerNote, referenceNote)),
                    reference?.Name, referenceRate);
            }
            // The 4096³ operands, kept for the sweep; none on ILGPU's CPU accelerator, where a call takes about a minute.
            using var square = sizes.GemmSquare && !WorkloadSizes.IsSlow(kind) ? new SquareOperands(backend) : null;
            if (sizes.GemmSquare)
                RunSquare(kind, backend, square, reference, referenceProblem, peerRates, peerNote);
            // After W4's own figures, so that a sweep that fails costs none of them.
            if (options.Sweeps(kind))
                Sweep(kind, backend, products, peerProducts, square, runs, warmup);
        }
    }

    /// <summary>
    /// W4's kernel sweep on this backend: the three DAE products on every kernel, timed like W4's rows, then 4096³ on the
    /// tiled kernels only (Strip1x4 and Tile4x4 would take too long there) with <see cref="SweepSquareRuns"/> runs.
    /// </summary>
    private void Sweep(AcceleratorKind kind, IBackend backend, IEnumerable<(Product Product, Transpose TransA, Transpose TransB, Tensor<float> A,
        Tensor<float> B, Tensor<float> Output)> products, Dictionary<Product, double[]>? peerProducts, SquareOperands? square, int runs, int warmup)
    {
        if (backend is not IlgpuBackend ilgpu)
        {
            run.Notes.Add($"W4 kernel sweep on {Backends.Label(kind)}: not run (not an ILGPU backend; it has one GEMM kernel)");
            return;
        }
        var result = new KernelSweep(Backends.Label(kind), []);
        run.KernelSweeps!.Add(result);
        log($"W4 sweep {result.Backend}: every GemmVariant, split-K at the policy's slice depth and about {string.Join(", ", GemmKernelSweep.TargetSlices)} slices");
        using var sweep = new GemmKernelSweep(ilgpu, result, log);
        foreach (var (product, ta, tb, a, b, output) in products)
            sweep.Run($"{PeerNames[product]} {Batch}x{Visible}x{Hidden}", ta, tb, a, b, output, runs, warmup, barrierFreeToo: true,
                peerProducts is null ? null : ("torch's", peerProducts[product]));
        if (square is not null)
            sweep.Run($"{PeerNames[Product.Square]} {Square}x{Square}x{Square}", Transpose.None, Transpose.None, square.A, square.B, square.C,
                SweepSquareRuns, warmup: 1, barrierFreeToo: false, against: null);
    }

    /// <summary>W4's 4096³ operands a, b and product c, the same values in every run.</summary>
    private sealed class SquareOperands(IBackend backend) : IDisposable
    {
        public Tensor<float> A { get; } = Upload(backend, RandomValues(Square * Square, 4), Square, Square);
        public Tensor<float> B { get; } = Upload(backend, RandomValues(Square * Square, 5), Square, Square);
        public Tensor<float> C { get; } = backend.Allocate<float>(Square, Square);

        public void Dispose()
        {
            A.Dispose();
            B.Dispose();
            C.Dispose();
        }
    }

    /// <summary>The in-process GEMM this backend's rows are also compared with: cuBLAS on cuda, the naive kernel on cpu.</summary>
    private static IReferenceGemm? OpenReference(AcceleratorKind kind, IBackend backend, out string? problem)
    {
        problem = null;
        switch (kind)
        {
            case AcceleratorKind.Cuda:
                return CuBlasGemm.TryOpen(backend, out problem);
            case AcceleratorKind.Cpu when backend is IlgpuBackend ilgpu:
                return new NaiveGemmBaseline(ilgpu);
            default:
                return null;
        }
    }

    /// <summary>
    /// GFLOP/s of the reference on the product just timed for us, and a note: what it is, and whether its result
    /// matches <paramref name="against"/> (torch's product, or ours where there is no peer); a rate is kept only when it does.
    /// </summary>
    private (double? Rate, string Note) TimeReference(IReferenceGemm reference, IBackend backend, Action call, Tensor<float> output,
        (string Name, double[] Values) against, double flops, int runs, int warmup)
    {
        call();
        backend.Synchronize();
        var validity = Compare(output.ToArray(), against.Values);
        var seconds = Timing.MedianSecondsPerCall(() => { call(); backend.Synchronize(); }, runs, warmup);
        log($"W4 {reference.Name}: {flops / seconds / 1e9:F2} GFLOP/s (against {against.Name} product: {validity})");
        return validity == "valid"
            ? (flops / seconds / 1e9, $"{reference.Description}; its product matches {against.Name}")
            : (null, $"{reference.Description}; its product against {against.Name}: {validity}, so no ratio");
    }

    internal static double[] ToDouble(float[] values) => Array.ConvertAll(values, v => (double)v);

    private static string? Join(string? a, string? b) => a is null ? b : b is null ? a : $"{a}; {b}";

    /// <param name="square">Null where the backend is too slow for 4096³ (ILGPU's CPU accelerator): a "not run" row.</param>
    private void RunSquare(AcceleratorKind kind, IBackend backend, SquareOperands? square, IReferenceGemm? reference, string? referenceProblem,
        Dictionary<string, double> peerRates, string? peerNote)
    {
        var shape = $"{Square}x{Square}x{Square}";
        if (square is null)
        {
            run.Figures.Add(new Figure(Workload.W4, $"{PeerNames[Product.Square]} {shape}", Backends.Label(kind), "GFLOP/s", null,
                peerRates.GetValueOrDefault(PeerNames[Product.Square]), true, "not run", "about a minute per call on ILGPU's CPU accelerator"));
            return;
        }
        var (a, b, c) = (square.A, square.B, square.C);
        var runs = Math.Max(3, sizes.GemmRuns / 3);
        var flops = 2.0 * Square * Square * Square;
        var seconds = Timing.MedianSecondsPerCall(() => { backend.Gemm.Gemm(Transpose.None, Transpose.None, 1f, a, b, 0f, c); backend.Synchronize(); },
            runs, 1);
        // No peer product at this size: the reference's product is compared with ours instead.
        var (referenceRate, referenceNote) = reference is null
            ? (null, referenceProblem)
            : TimeReference(reference, backend, () => reference.Gemm(Transpose.None, Transpose.None, 1f, a, b, 0f, c), c,
                ("ours", ToDouble(c.ToArray())), flops, runs, 1);
        AddFigure(kind, Product.Square, shape, flops / seconds / 1e9, peerRates, "unchecked",
            Join(KernelNote(backend, Square, Square, Square), Join("the DAE-shape products are checked against the peer's", referenceNote)),
            reference?.Name, referenceRate);
    }

    /// <summary>Which of our GEMM kernels the product ran on (ILGPU backends; the host provider has one).</summary>
    private static string? KernelNote(IBackend backend, int m, int n, int k) =>
        backend.Gemm is ILGPUAE.MatVec.GemmLauncher launcher ? $"kernel {launcher.VariantFor(m, n, k)}" : null;

    private void AddFigure(AcceleratorKind kind, Product product, string shape, double gflops, Dictionary<string, double> peerRates, string validity,
        string? note, string? referenceName, double? referenceRate)
    {
        var name = PeerNames[product];
        log($"W4 {Backends.Label(kind)} {name} {shape}: {gflops:F2} GFLOP/s");
        run.Figures.Add(new Figure(Workload.W4, $"{name} {shape}", Backends.Label(kind), "GFLOP/s", gflops,
            peerRates.TryGetValue(name, out var p) ? p : null, HigherIsBetter: true, validity, note, referenceName, referenceRate));
    }

    /// <summary>The peer's three products of the same operands, or null with the reason.</summary>
    private Dictionary<Product, double[]>? PeerProducts(float[] x, float[] w, float[] y, out string? problem)
    {
        problem = null;
        var folder = Path.Combine(data.Scratch, "gemm-check");
        Directory.CreateDirectory(folder);
        NpyFile.Write(Path.Combine(folder, "x.npy"), x, Batch, Visible);
        NpyFile.Write(Path.Combine(folder, "w.npy"), w, Hidden, Visible);
        NpyFile.Write(Path.Combine(folder, "y.npy"), y, Batch, Hidden);
        try
        {
            peer.Run("gemm_torch.py", "check", "--dir", folder, "--device", options.PeerDevice, "--threads", options.PeerThreads.ToString());
        }
        catch (PeerUnavailableException e)
        {
            problem = "no peer";
            log($"W4 check: {e.Message}");
            return null;
        }
        return new()
        {
            [Product.Encode] = NpyFile.Read(Path.Combine(folder, "nt.npy")).Values,
            [Product.Decode] = NpyFile.Read(Path.Combine(folder, "nn.npy")).Values,
            [Product.Gradient] = NpyFile.Read(Path.Combine(folder, "tn.npy")).Values,
        };
    }

    /// <summary>"valid" when |ours − theirs| ≤ atol + rtol·|theirs| everywhere (theirs: the peer's, or the kernel sweep's policy kernel's), else "INVALID" with the worst element.</summary>
    internal static string Compare(float[] ours, double[] theirs)
    {
        if (ours.Length != theirs.Length)
            return $"INVALID: {ours.Length} elements vs {theirs.Length}";
        var outside = 0;
        double worst = 0;
        for (var i = 0; i < ours.Length; i++)
        {
            var d = Math.Abs(ours[i] - theirs[i]);
            worst = Math.Max(worst, d);
            if (!(d <= AbsoluteTolerance + RelativeTolerance * Math.Abs(theirs[i])))
                outside++;
        }
        return outside == 0 ? "valid" : $"INVALID: {outside} elements differ, worst by {worst:g3}";
    }

    /// <summary>Values in [−0.5, 0.5) from the counter-based generator, so every run multiplies the same operands.</summary>
    private static float[] RandomValues(int count, uint stream)
    {
        var v = new float[count];
        for (var i = 0; i < count; i++)
            v[i] = (float)CounterRng.Uniform(BenchData.Seed, (uint)RngStream.Data, stream, (uint)i, 0) - 0.5f;
        return v;
    }

    private static Tensor<float> Upload(IBackend backend, float[] values, int rows, int columns)
    {
        var t = backend.Allocate<float>(rows, columns);
        t.CopyFrom(values);
        return t;
    }
}
