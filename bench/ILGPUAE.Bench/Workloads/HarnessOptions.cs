namespace ILGPUAE.Bench.Workloads;

using ILGPUAE.Backends;

/// <summary>Quick: subsets sized for ≈5 minutes on 2 cores. Full: the workloads as the benchmark issue defines them.</summary>
public enum BenchMode
{
    Quick,
    Full,
}

/// <summary>Which workloads to run: W1 … W10 of bench/RESULTS.md.</summary>
public enum Workload
{
    W1,
    W2,
    W3,
    W4,
    W5,

    /// <summary>Joint training of the deep denoising autoencoder 784→1000→1000 (<see cref="DeepDaeWorkload"/>).</summary>
    W6,

    /// <summary>An epoch of `train cae`'s convolutional autoencoder at batch 16 and 128 (<see cref="CaeWorkload"/>).</summary>
    W7,

    /// <summary>One full-batch gradient of `train sparse`'s KL-sparse autoencoder 900 → 100 (<see cref="SparseGradientWorkload"/>).</summary>
    W8,

    /// <summary>One ANAMO outer iteration of `train anamo`'s 784 → 100 autoencoder on MNIST minibatches (<see cref="AnamoWorkload"/>).</summary>
    W9,

    /// <summary>`train ga`'s batched fitness of a population of 784 → 100 tied autoencoders, and its whole generations (<see cref="GaWorkload"/>).</summary>
    W10,
}

/// <summary>
/// What `workloads` runs: <c>workloads [--quick | --full] [--backends host,cpu] [--only W1,W4]
/// [--sweep-backends cuda,opencl | cpu | none] [--name cpu] [--python PATH] [--peer-device cpu|cuda] [--peer-threads 2]
/// [--no-peers] [--data-dir DIR] [--out bench]</c>.
/// <c>--sweep-backends</c>: which of the run's backends W4's kernel sweep times every GEMM kernel on (default cuda and
/// opencl, whose tiled kernels are real); <c>cpu</c> forces it onto ILGPU's CPU accelerator to exercise the code (its groups
/// are too small for the tiled kernels, which are reported not run); <c>none</c> turns it off. Not <c>host</c>: it is not an
/// ILGPU backend and has one GEMM kernel.
/// </summary>
public sealed record HarnessOptions
{
    public BenchMode Mode { get; init; } = BenchMode.Quick;
    public IReadOnlyList<AcceleratorKind> Backends { get; init; } = [AcceleratorKind.Host, AcceleratorKind.Cpu];
    public IReadOnlySet<Workload> Only { get; init; } = Enum.GetValues<Workload>().ToHashSet();

    /// <summary>
    /// The backends W4's kernel sweep runs on, among <see cref="Backends"/>: GPUs by default. ILGPU's CPU accelerator pays
    /// ≈2.5 ms per group barrier, so its timings would say nothing about the tiled kernels.
    /// </summary>
    public IReadOnlySet<AcceleratorKind> SweepBackends { get; init; } = new HashSet<AcceleratorKind> { AcceleratorKind.Cuda, AcceleratorKind.OpenCL };

    /// <summary>Names the results file (bench/results/NAME.json): "cpu" for this machine, "gpu" for the GPU machine.</summary>
    public string Name { get; init; } = "cpu";

    /// <summary>Debian's interpreter with python3-torch; the `python3` first on PATH here is another one.</summary>
    public string Python { get; init; } = "/usr/bin/python3";

    public string PeerDevice { get; init; } = "cpu";
    public int PeerThreads { get; init; } = 2;
    public bool Peers { get; init; } = true;
    public string? DataDir { get; init; }

    /// <summary>The bench folder: peers/ is read from it, RESULTS.md, results/ and the charts are written into it.</summary>
    public string BenchDir { get; init; } = "bench";

    public bool Runs(Workload w) => Only.Contains(w);

    public bool Sweeps(AcceleratorKind kind) => SweepBackends.Contains(kind);

    public static HarnessOptions Parse(IReadOnlyList<string> args)
    {
        var o = new HarnessOptions();
        for (var i = 0; i < args.Count; i++)
        {
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            o = args[i] switch
            {
                "--quick" => o with { Mode = BenchMode.Quick },
                "--full" => o with { Mode = BenchMode.Full },
                "--backends" => o with { Backends = Value().Split(',').Select(ParseBackend).ToArray() },
                "--only" => o with { Only = Value().Split(',').Select(w => Enum.Parse<Workload>(w, ignoreCase: true)).ToHashSet() },
                "--sweep-backends" => o with { SweepBackends = ParseSweepBackends(Value()) },
                "--name" => o with { Name = Value() },
                "--python" => o with { Python = Value() },
                "--peer-device" => o with { PeerDevice = Value() },
                "--peer-threads" => o with { PeerThreads = int.Parse(Value()) },
                "--no-peers" => o with { Peers = false },
                "--data-dir" => o with { DataDir = Value() },
                "--out" => o with { BenchDir = Value() },
                _ => throw new ArgumentException($"unknown option {args[i]}; see bench/ILGPUAE.Bench/Workloads/HarnessOptions.cs"),
            };
        }
        return o;
    }

    private static HashSet<AcceleratorKind> ParseSweepBackends(string names)
    {
        if (names.Trim().Equals("none", StringComparison.OrdinalIgnoreCase))
            return [];
        var kinds = names.Split(',').Select(ParseBackend).ToHashSet();
        if (kinds.Contains(AcceleratorKind.Host))
            throw new ArgumentException("--sweep-backends host: the host provider is not an ILGPU backend and has one GEMM kernel; expected cpu, cuda, opencl or none");
        return kinds;
    }

    private static AcceleratorKind ParseBackend(string name) => name.Trim().ToLowerInvariant() switch
    {
        "host" => AcceleratorKind.Host,
        "cpu" => AcceleratorKind.Cpu,
        "cuda" => AcceleratorKind.Cuda,
        "opencl" => AcceleratorKind.OpenCL,
        _ => throw new ArgumentException($"--backends {name}: expected host, cpu, cuda or opencl"),
    };
}
