namespace ILGPUAE.Bench.Workloads;

using System.Text.Json.Serialization;

/// <summary>
/// One row of RESULTS.md: our figure and the peer's for the same workload on the same machine, in the same run.
/// <see cref="Speedup"/> is how many times faster we are (&gt; 1: faster), whatever the unit's direction.
/// <see cref="Reference"/> is an in-process reference timed on the same backend and tensors (W4: cuBLAS on cuda, the
/// naive kernel on cpu), named by <see cref="ReferenceName"/>; null where the backend has none.
/// </summary>
public sealed record Figure(
    Workload Workload, string Case, string Backend, string Unit, double? Ours, double? Peer, bool HigherIsBetter,
    string Check, string? Note = null, string? ReferenceName = null, double? Reference = null)
{
    [JsonIgnore]
    public double? Speedup => Ours is > 0 && Peer is > 0 ? (HigherIsBetter ? Ours / Peer : Peer / Ours) : null;

    /// <summary>How many times faster we are than <see cref="Reference"/>; written to the JSON beside it (read back, it is recomputed).</summary>
    public double? ReferenceRatio => Ours is > 0 && Reference is > 0 ? (HigherIsBetter ? Ours / Reference : Reference / Ours) : null;
}

/// <summary>W3: one point of seconds per epoch against parallelism and hidden units.</summary>
public sealed record GridPoint(string Backend, int Parallelism, int Hidden, int Images, double SecondsPerEpoch);

/// <summary>
/// The equivalence check: both sides train the same steps from the same initial weights on the same clean
/// and masked inputs; the final weights and the mean loss must agree within tolerance, else the ratios that
/// rest on this configuration are marked invalid.
/// </summary>
public sealed record CheckResult(
    string Name, string Backend, int Steps, int Batch, string Loss, int Hidden, double OurLoss, double PeerLoss,
    double MaxWeightDiff, double MaxWeightUpdate, double MaxBiasDiff, bool Passed, string Detail)
{
    /// <summary>What the figures resting on this check say in their check column: "valid", "no peer" or "INVALID".</summary>
    [JsonIgnore]
    public string Validity => Passed ? "valid" : Detail.StartsWith("no peer") ? "no peer" : "INVALID";
}

/// <summary>
/// W5 (or another workload's memory figure, <see cref="Workload"/>; null in runs from before W6: W5) on one backend: device
/// bytes by purpose and managed bytes per training step; <see cref="Batch"/> where a workload measures several batch sizes (W7).
/// </summary>
public sealed record MemoryResult(
    string Backend, long TotalBytes, long DataBytes, long BookkeepingBytes, long EvaluationBytes, long TrainingBytes,
    long BudgetBytes, double? ManagedBytesPerStepAllThreads, double? ManagedBytesPerStepThisThread, int StepsMeasured, string? Note,
    Workload? Workload = null, int? Batch = null)
{
    /// <summary>What the target compares with the budget: everything but the data set and its per-example bookkeeping.</summary>
    [JsonIgnore]
    public double BudgetRatio => (double)(TrainingBytes + EvaluationBytes) / BudgetBytes;

    /// <summary>Which workload measured it: W5 unless said.</summary>
    [JsonIgnore]
    public Workload Of => Workload ?? Workloads.Workload.W5;
}

public sealed record MachineInfo(
    string Cpu, int Cores, string Os, string Runtime, string Vector, string DateUtc, string LoadBefore, string? LoadAfter,
    string? OpenBlasCoreType, string? Gpu);

/// <summary>The peer's identity: torch version and the BLAS it really ran on.</summary>
public sealed record PeerInfo(
    string Torch, int Threads, string Device, string BlasInfo, string BlasConfigLine, IReadOnlyList<string> BlasLibraries,
    string? OpenBlasCoreType, string? Cuda, string? Environment = null);

/// <summary>
/// W4's kernel sweep on one backend: every <c>GemmVariant</c> forced on W4's products, so that <c>GemmPolicy</c> can be set
/// from measurements. <see cref="Products"/> grows as products finish, so a sweep cut short keeps what it measured.
/// </summary>
public sealed record KernelSweep(string Backend, List<SweptProduct> Products);

/// <summary>
/// One product of the sweep: c [M,N] = op(a) [M,K] · op(b) [K,N], <see cref="Case"/> as W4 names it. <see cref="Policy"/> and
/// <see cref="PolicySliceDepth"/> (split-K only) are what <c>GemmPolicy</c> picks for it; <see cref="Runs"/> and
/// <see cref="Warmup"/> are the timing's (<see cref="Timing.MedianSecondsPerCall"/>); <see cref="CheckedAgainst"/> says whose
/// product every kernel's was compared with ("torch's", or "the policy kernel's" where there is no peer product).
/// </summary>
public sealed record SweptProduct(
    string Case, int M, int N, int K, string Policy, int? PolicySliceDepth, int Runs, int Warmup, List<SweptKernel> Kernels,
    string CheckedAgainst)
{
    /// <summary>The policy's own kernel among <see cref="Kernels"/>, or null.</summary>
    [JsonIgnore]
    public SweptKernel? PolicyKernel => Kernels.FirstOrDefault(k => k.Variant == Policy && k.SliceDepth == PolicySliceDepth);

    /// <summary>The fastest kernel whose product matched <see cref="CheckedAgainst"/>'s, or null.</summary>
    [JsonIgnore]
    public SweptKernel? Fastest => Kernels.Where(k => k.IsValid).MaxBy(k => k.Gflops);
}

/// <summary>
/// One forced kernel on one product. <see cref="Check"/>: "valid" when its product matches its product's
/// <see cref="SweptProduct.CheckedAgainst"/> within W4's
/// tolerances, "INVALID: …", or "not run" with the reason in <see cref="Note"/> (a group larger than the device allows).
/// <see cref="SliceDepth"/> and <see cref="Slices"/> are set for split-K variants only.
/// </summary>
public sealed record SweptKernel(string Variant, int? SliceDepth, int? Slices, double? Gflops, string Check, string? Note = null)
{
    [JsonIgnore]
    public bool IsValid => Check == "valid" && Gflops is > 0;
}

/// <summary>Everything one `workloads` invocation measured; bench/results/NAME.json holds it, RESULTS.md renders it.</summary>
public sealed record BenchRun(string Name, BenchMode Mode, MachineInfo Machine, PeerInfo? Peer, string? PeerUnavailable)
{
    public double WallSeconds { get; set; }
    public List<Figure> Figures { get; init; } = [];
    public List<GridPoint> Grid { get; init; } = [];
    public List<CheckResult> Checks { get; init; } = [];
    public List<MemoryResult> Memory { get; init; } = [];
    public List<string> Notes { get; init; } = [];

    /// <summary>W4's kernel sweeps: null in runs that did not run W4 or predate the sweep, empty when no backend was swept.</summary>
    public List<KernelSweep>? KernelSweeps { get; set; }
}
