namespace ILGPUAE.Bench.Workloads;

using System.Globalization;
using System.Text;

/// <summary>Renders bench/RESULTS.md from the runs in bench/results/*.json.</summary>
public static class ResultsReport
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Markdown(IReadOnlyList<BenchRun> runs, IReadOnlyList<string> charts)
    {
        var md = new StringBuilder();
        md.AppendLine("# Benchmark results");
        md.AppendLine();
        md.AppendLine("Written by `./run-bench.sh` (`bench/ILGPUAE.Bench workloads`, peers in `bench/peers/`) from `bench/results/*.json`; " +
                      "do not edit by hand. Every figure is a median of several repetitions; ours and the peer's come from the same invocation " +
                      "on the same machine. **Speed-up** = how many times faster ILGPUAE is than the peer (> 1: ILGPUAE faster), whatever the unit. " +
                      "A ratio counts only when its **check** says `valid`: the peer trained the same steps from the same initial weights, " +
                      "inputs and masks and reached the same weights and loss within tolerance (see *Equivalence checks*).");
        md.AppendLine();
        md.AppendLine("Reading these figures:");
        md.AppendLine();
        md.AppendLine("- The 2-core machine is shared with other work; the load average row says how busy it was. Ours and the peer's " +
                      "figures are taken one after the other, so a burst of load can fall on either side: compare ratios across runs, " +
                      "not single rows.");
        md.AppendLine("- The peer is Debian's `python3-torch` 1.13 with `libopenblas0-pthread`, 2 threads (W2 and W7: the faster of 1 and 2), " +
                      "eager autograd and `torch.optim.SGD` (W6: RMSprop, W7: Adam), with our initial weights; its shuffles and masks are its own when timed. " +
                      "LibTorch 2.10 (≈14 000 samples/s on W1, ≈145 GFLOP/s GEMM on this machine, per the host-provider issue) " +
                      "cannot run on Debian 12's glibc and stays a reference, not a same-run peer.");
        md.AppendLine("- `cpu` is ILGPU's CPU accelerator: it emulates GPU threads with OS threads, so it runs on small subsets; " +
                      "its rates are per image and compare all the same.");
        md.AppendLine("- Hogwild rows are not reproducible, so they have no equivalence check of their own (the step they repeat is W2's); " +
                      "their peer figure is torch's sequential per-sample loop.");
        md.AppendLine("- W4's *reference* columns time a second GEMM in the same process, on the same backend and tensors, right after ours: " +
                      "cuBLAS on cuda rows (ILGPU.Algorithms' `CuBlas`, default math mode: fp32, no TF32) and, on cpu rows, the naive " +
                      "one-thread-per-output ILGPU kernel (`bench/ILGPUAE.Bench/Baselines/NaiveGemmBaseline.cs`, a baseline only). " +
                      "Other backends, and runs made before these columns existed, show —.");
        md.AppendLine();
        if (!runs.Any(r => r.Peer?.Device.StartsWith("cuda") == true || r.Name.StartsWith("gpu")))
        {
            md.AppendLine("## GPU rows: not measured yet");
            md.AppendLine();
            md.AppendLine("No session so far has had the GPU machine, so there are no `cuda` rows and no PyTorch-on-GPU figures. " +
                          "`./run-bench.sh --publish` builds the self-contained harness and packs MNIST; `./run-bench.sh --gpu` runs it " +
                          "there (no .NET needed) and writes `bench/results/gpu.json`, whose rows then appear here beside the CPU ones.");
            md.AppendLine();
        }
        foreach (var run in runs)
            RunSection(md, run, charts.Where(c => c.Contains($"-{run.Name}.")).ToList());
        return md.ToString();
    }

    private static void RunSection(StringBuilder md, BenchRun run, List<string> charts)
    {
        var m = run.Machine;
        md.AppendLine($"## {run.Name}: {run.Mode.ToString().ToLowerInvariant()} run, {m.DateUtc}");
        md.AppendLine();
        md.AppendLine("| machine | |");
        md.AppendLine("| --- | --- |");
        md.AppendLine($"| CPU | {m.Cpu}, {m.Cores} cores, {m.Vector} |");
        if (m.Gpu is not null)
            md.AppendLine($"| GPU | {m.Gpu} |");
        md.AppendLine($"| OS, runtime | {m.Os}; {m.Runtime} |");
        md.AppendLine($"| load average (1/5/15 min) | before {m.LoadBefore}, after {m.LoadAfter ?? "?"} (other work on the machine slows both sides) |");
        if (run.Peer is { } p)
        {
            md.AppendLine($"| peer | PyTorch {p.Torch} on {p.Device}, {p.Threads} threads{(p.Cuda is null ? "" : $", {p.Cuda}, TF32 off")} |");
            md.AppendLine($"| torch BLAS | `BLAS_INFO={p.BlasInfo}` (`torch.__config__.show()`); loaded: {string.Join(", ", p.BlasLibraries.Select(l => $"`{l}`"))} |");
            md.AppendLine($"| OPENBLAS_CORETYPE | {p.OpenBlasCoreType ?? "unset"} |");
            if (p.Environment is not null)
                md.AppendLine($"| peer environment | `{p.Environment}`: glibc keeps freed memory instead of returning it to the kernel; with its defaults " +
                              "each step's fresh gradient buffers were faulted in again, and per-sample steps ran ≈10× slower |");
        }
        else
            md.AppendLine($"| peer | unavailable: {run.PeerUnavailable} |");
        md.AppendLine($"| wall time of the workloads | {run.WallSeconds:F0} s |");
        md.AppendLine();

        Headline(md, run);
        FigureTable(md, run, Workload.W1, "W1: tied DAE throughput (784→1000, cross-entropy, masking 0.25, SGD lr 0.1, batch 100)");
        FigureTable(md, run, Workload.W2, $"W2: per-sample SGD (784→500, batch 1, squared error, masking 0.25, lr 0.1), seconds per {WorkloadSizes.W2EpochImages}-image epoch");
        Grid(md, run, charts);
        FigureTable(md, run, Workload.W4, "W4: GEMM, fp32 (our IGemm vs torch.matmul and an in-process reference; operands stored as the engine stores them, transposes as flags)",
            withReference: true);
        KernelSweeps(md, run);
        Memory(md, run);
        FigureTable(md, run, Workload.W6, $"W6: {DeepDaeWorkload.Description}, samples/s (torch: its own noise draws)");
        DeepMemory(md, run);
        FigureTable(md, run, Workload.W7, "W7: convolutional autoencoder (`train cae`'s default model and Adam), one epoch, samples/s (torch: its own shuffle)");
        CaeMemory(md, run);
        FigureTable(md, run, Workload.W8, $"W8: {SparseGradientWorkload.Description} on {SparseGradientWorkload.Images} images, seconds (lower is better)");
        FigureTable(md, run, Workload.W9, $"W9: {AnamoWorkload.Description} over the first {AnamoWorkload.Minibatches} minibatches of MNIST, seconds (lower is better)");
        FigureTable(md, run, Workload.W10, $"W10: {GaWorkload.Description}, individuals per second, and whole generations per second (no peer)");
        Checks(md, run);
        if (run.Notes.Count > 0)
        {
            md.AppendLine("### Notes");
            md.AppendLine();
            foreach (var n in run.Notes)
                md.AppendLine($"- {n}");
            md.AppendLine();
        }
        foreach (var c in charts.Where(c => !c.StartsWith("w3")))   // W3's chart sits in its section
            md.AppendLine($"![{Path.GetFileNameWithoutExtension(c)}]({c})");
        md.AppendLine();
    }

    /// <summary>The figures with targets from the host-provider and benchmark issues, one line each.</summary>
    private static void Headline(StringBuilder md, BenchRun run)
    {
        md.AppendLine("### Headline");
        md.AppendLine();
        md.AppendLine("| workload | backend | ILGPUAE | PyTorch | speed-up | vs in-process reference | target | check |");
        md.AppendLine("| --- | --- | ---: | ---: | ---: | ---: | --- | --- |");
        foreach (var f in run.Figures.Where(f => f.Workload is Workload.W1 or Workload.W2 or Workload.W4 or Workload.W6 or Workload.W7 or Workload.W8 or Workload.W9 or Workload.W10))
        {
            var (target, met) = Target(f);
            var reference = f.ReferenceRatio is { } r ? $"{r:F2}× {f.ReferenceName}" : f.Workload == Workload.W4 ? "—" : "";
            md.AppendLine($"| {f.Workload} {f.Case} | {f.Backend} | {Num(f.Ours)} {f.Unit} | {Num(f.Peer)} | {Speedup(f)} | {reference} | {target}{met} | {f.Check} |");
        }
        foreach (var mem in run.Memory)
            md.AppendLine($"| {MemoryCase(mem)} device bytes ÷ budget | {mem.Backend} | {mem.BudgetRatio:F2}× | | | | ≤ 1.25×{(mem.BudgetRatio <= 1.25 ? " ✓" : " ✗")} | |");
        foreach (var mem in run.Memory.Where(x => x.ManagedBytesPerStepAllThreads is not null))
            md.AppendLine($"| {MemoryCase(mem)} managed bytes per step | {mem.Backend} | {mem.ManagedBytesPerStepAllThreads:F0} B | | | | " +
                          (mem.Backend is "host" or "cuda" ? $"0{(mem.ManagedBytesPerStepAllThreads <= 0.5 ? " ✓" : " ✗")}" : "— (ILGPU's CPU launcher allocates per launch)") + " | |");
        md.AppendLine();
    }

    /// <summary>"W5", or "W7 batch 16" where a workload measures memory at several batch sizes.</summary>
    private static string MemoryCase(MemoryResult m) => m.Batch is { } b ? $"{m.Of} batch {b}" : $"{m.Of}";

    private static (string Target, string Met) Target(Figure f)
    {
        double? ratio = (f.Workload, f.Backend) switch
        {
            (Workload.W1, "host") => 1,
            (Workload.W1, "cuda") => 2,
            (Workload.W2, "host") when !f.Case.Contains("Hogwild") => 2,
            (Workload.W2, "cuda") when !f.Case.Contains("Hogwild") => 20,
            (Workload.W4, "host") when !f.Case.StartsWith("square") => 0.5,
            (Workload.W4, "cuda") => f.Case.StartsWith("square") ? 0.5 : 1,
            (Workload.W6, "host") => 3,
            (Workload.W6, "cuda") => 2,
            (Workload.W7, "host") => 2,
            (Workload.W7, "cuda") => 2,
            (Workload.W8, "host") => 2,
            (Workload.W9, "host") => 2,
            (Workload.W10, "host") when f.Peer is not null => 2,
            (Workload.W10, "cuda") when f.Peer is not null => 2,
            _ => null,
        };
        if (ratio is { } r)
            return ($"≥ {r.ToString(Inv)}×", f.Speedup is { } s && f.Check == "valid" ? s >= r ? " ✓" : " ✗" : "");
        if (f.Workload == Workload.W4 && f.Backend == "cpu" && f.ReferenceRatio is { } naive)
            return ("≥ 4× the naive kernel, same run", naive >= 4 ? " ✓" : " ✗");
        // Runs before the naive kernel was timed in-process: the issue's estimate of it.
        if (f.Workload == Workload.W4 && f.Backend == "cpu" && f.Ours is { } g)
            return ("≥ 4× naive (0.5–0.8) = 3.2 GFLOP/s", g >= 3.2 ? " ✓" : " ✗");
        return ("—", "");
    }

    /// <param name="withReference">Adds the in-process reference (W4: cuBLAS, the naive kernel) and our ratio to it; — where a row has none.</param>
    private static void FigureTable(StringBuilder md, BenchRun run, Workload w, string title, bool withReference = false)
    {
        var rows = run.Figures.Where(f => f.Workload == w).ToList();
        if (rows.Count == 0)
            return;
        md.AppendLine($"### {title}");
        md.AppendLine();
        md.AppendLine($"| case | backend | ILGPUAE | PyTorch | unit | speed-up |{(withReference ? " reference | ILGPUAE ÷ reference |" : "")} check | note |");
        md.AppendLine($"| --- | --- | ---: | ---: | --- | ---: |{(withReference ? " ---: | ---: |" : "")} --- | --- |");
        foreach (var f in rows)
        {
            var reference = !withReference ? ""
                : f.ReferenceName is null ? " — | — |"
                : $" {f.ReferenceName} {Num(f.Reference)} | {(f.ReferenceRatio is { } r ? $"{r:F2}×" : "—")} |";
            md.AppendLine($"| {f.Case} | {f.Backend} | {Num(f.Ours)} | {Num(f.Peer)} | {f.Unit} | {Speedup(f)} |{reference} {f.Check} | {f.Note} |");
        }
        md.AppendLine();
    }

    /// <summary>
    /// W4's kernel sweep: a table per swept backend; one line when the run ran W4 but swept no backend; nothing for runs
    /// without W4 or from before the sweep existed.
    /// </summary>
    private static void KernelSweeps(StringBuilder md, BenchRun run)
    {
        if (run.KernelSweeps is not { } sweeps)
            return;
        if (sweeps.Count == 0)
        {
            var gpu = run.Figures.Any(f => f.Workload == Workload.W4 && f.Backend is "cuda" or "opencl");
            md.AppendLine("### W4 kernel sweep");
            md.AppendLine();
            md.AppendLine(gpu
                ? "Not run: turned off for this run (`--sweep-backends none`)."
                : "Not run: no GPU backend in this run (the sweep times every GEMM kernel on cuda and opencl; `--sweep-backends cpu` forces it onto ILGPU's CPU accelerator).");
            md.AppendLine();
            return;
        }
        foreach (var sweep in sweeps)
            KernelSweep(md, sweep);
    }

    /// <summary>Rows: variant (split-K: one per slice count); per product: GFLOP/s (split-K: the slice depth), check, rate ÷ the policy kernel's.</summary>
    private static void KernelSweep(StringBuilder md, KernelSweep sweep)
    {
        md.AppendLine($"### W4 kernel sweep ({sweep.Backend})");
        md.AppendLine();
        md.AppendLine("Every `GemmVariant` forced through `new GemmLauncher(backend, variant, sliceDepth)` on W4's operands (4096³: the tiled " +
                      "variants only), to set `GemmPolicy` from. Each product is first checked against torch's product of the same operands, " +
                      "or where there is none (4096³, or no peer) against the policy kernel's " +
                      $"(|Δ| ≤ {GemmWorkload.AbsoluteTolerance.ToString(Inv)} + {GemmWorkload.RelativeTolerance.ToString(Inv)}·|theirs|), " +
                      "then timed as W4 times its rows. Split-K runs at the policy's slice depth and at the depths (multiples of 8) that cut K " +
                      "into about 2, 3, 4, 5, 7 and 10 slices, one row per slice count; its cells give the depth. *policy*: the kernel (and " +
                      "depth) `GemmPolicy` picks; **bold**: the fastest valid kernel for the product; ÷ policy: its rate over the policy " +
                      "kernel's in this sweep. An invalid kernel's rate is in parentheses and not ranked; blank cells were not swept for that product.");
        md.AppendLine();
        foreach (var p in sweep.Products)
        {
            var fastest = p.Fastest is not { } f ? "no valid kernel"
                : $"fastest valid {KernelName(f)}, {Num(f.Gflops)} GFLOP/s{(f == p.PolicyKernel ? " (the policy's)" : Ratio(p, f) is { } r ? $" ({r} the policy's)" : "")}";
            md.AppendLine($"- {p.Case}: M×N×K = {p.M}×{p.N}×{p.K}; policy {p.Policy}{(p.PolicySliceDepth is { } d ? $" at depth {d}" : "")}; " +
                          $"{fastest}; checked against {p.CheckedAgainst} product; median of {p.Runs} runs after {p.Warmup} warm-up call{(p.Warmup == 1 ? "" : "s")}");
        }
        md.AppendLine();
        var kernels = sweep.Products.SelectMany(p => p.Kernels).ToList();
        var variants = kernels.Select(k => k.Variant).Distinct().ToList();
        var rows = kernels.Select(k => (k.Variant, k.Slices)).Distinct()
            .OrderBy(r => variants.IndexOf(r.Variant)).ThenBy(r => r.Slices ?? 0).ToList();
        md.AppendLine($"| variant | slices |{string.Concat(sweep.Products.Select(p => $" {p.Case} GFLOP/s | check | ÷ policy |"))} note |");
        md.AppendLine($"| --- | ---: |{string.Concat(sweep.Products.Select(_ => " ---: | --- | ---: |"))} --- |");
        foreach (var (variant, slices) in rows)
        {
            var cells = new StringBuilder();
            var notes = new List<string>();
            foreach (var p in sweep.Products)
            {
                if (p.Kernels.FirstOrDefault(k => k.Variant == variant && k.Slices == slices) is not { } k)
                {
                    cells.Append(" | | |");   // not swept for this product (Strip1x4 and Tile4x4 at 4096³, or a slice count K gives no depth for)
                    continue;
                }
                var rate = k.Gflops is null ? "—" : k.IsValid && k == p.Fastest ? $"**{Num(k.Gflops)}**" : k.IsValid ? Num(k.Gflops) : $"({Num(k.Gflops)})";
                var depth = k.SliceDepth is { } d ? $" (depth {d})" : "";
                var policy = k == p.PolicyKernel ? " *policy*" : "";
                cells.Append($" {rate}{depth}{policy} | {k.Check} | {Ratio(p, k) ?? "—"} |");
                if (k.Note is not null && !notes.Contains(k.Note))
                    notes.Add(k.Note);
            }
            md.AppendLine($"| {variant} | {slices?.ToString(Inv) ?? "—"} |{cells} {string.Join("; ", notes.Select(n => $"not run: {n}"))} |");
        }
        md.AppendLine();
    }

    private static string KernelName(SweptKernel k) => k.SliceDepth is { } d ? $"{k.Variant} at depth {d} ({Slices(k.Slices)})" : k.Variant;

    private static string Slices(int? slices) => slices == 1 ? "1 slice" : $"{slices} slices";

    /// <summary>A valid kernel's rate over the policy kernel's, e.g. "1.25×"; null where either has no valid rate.</summary>
    private static string? Ratio(SweptProduct p, SweptKernel k) =>
        k.IsValid && p.PolicyKernel is { IsValid: true, Gflops: { } policy } ? $"{k.Gflops / policy:F2}×" : null;

    private static void Grid(StringBuilder md, BenchRun run, List<string> charts)
    {
        if (run.Grid.Count == 0)
            return;
        md.AppendLine($"### W3: seconds per {WorkloadSizes.W2EpochImages}-image epoch against parallelism × hidden units (per-sample SGD as W2)");
        md.AppendLine();
        var hidden = run.Grid.Select(p => p.Hidden).Distinct().Order().ToList();
        var images = string.Join(", ", run.Grid.GroupBy(p => p.Backend).Select(g => $"{g.Key} on {g.First().Images}"));
        md.AppendLine($"Measured on the first images ({images}) and scaled to {WorkloadSizes.W2EpochImages}; parallelism is threads " +
                      "(the host provider's worker pool; torch.set_num_threads), 1 for a GPU's sequential kernel, or, for the -hogwild rows, " +
                      "Hogwild workers (host: one single-threaded lane each; a GPU: concurrent samples, one thread group each). " +
                      "Speed-up rows: torch ÷ host at the same threads. " +
                      "The check is W2's (same code path, hidden 500).");
        md.AppendLine();
        md.AppendLine($"| backend | threads / workers | {string.Join(" | ", hidden.Select(h => $"{h} hidden"))} |");
        md.AppendLine($"| --- | ---: | {string.Join(" | ", hidden.Select(_ => "---:"))} |");
        foreach (var g in run.Grid.GroupBy(p => (p.Backend, p.Parallelism)).OrderBy(g => g.Key.Backend).ThenBy(g => g.Key.Parallelism))
            md.AppendLine($"| {g.Key.Backend} | {g.Key.Parallelism} | {string.Join(" | ", hidden.Select(h => Num(g.FirstOrDefault(p => p.Hidden == h)?.SecondsPerEpoch)))} |");
        foreach (var t in run.Grid.Where(p => p.Backend == "host").Select(p => p.Parallelism).Distinct().Order())
        {
            var cells = hidden.Select(h =>
            {
                var ours = run.Grid.FirstOrDefault(p => p.Backend == "host" && p.Parallelism == t && p.Hidden == h)?.SecondsPerEpoch;
                var theirs = run.Grid.FirstOrDefault(p => p.Backend.StartsWith("torch") && p.Parallelism == t && p.Hidden == h)?.SecondsPerEpoch;
                return ours is > 0 && theirs is > 0 ? $"{theirs / ours:F1}×" : "—";
            });
            md.AppendLine($"| speed-up host vs torch | {t} | {string.Join(" | ", cells)} |");
        }
        md.AppendLine();
        foreach (var c in charts.Where(c => c.StartsWith("w3")))
            md.AppendLine($"![W3]({c})");
        md.AppendLine();
    }

    private static void Memory(StringBuilder md, BenchRun run)
    {
        if (!run.Memory.Any(x => x.Of == Workload.W5))
            return;
        md.AppendLine("### W5: memory");
        md.AppendLine();
        md.AppendLine("Device bytes: what the W1 trainer (batch 100, 784→1000, 6000 training images, all 10 000 test images as `train dae` " +
                      "evaluates them) holds in tensors of its backend (`IBackend.AllocatedBytes`; an ILGPU context's own memory is not ours). " +
                      "Budget = parameters + gradients + optimizer state (none: SGD without momentum) + two batches of activations " +
                      "(x̃ [B,784], y [B,1000], z [B,784] each). The ratio leaves out the data set and its per-example bookkeeping " +
                      "(epoch order, per-example losses) but counts the evaluator's chunk buffers (" + ILGPUAE.Evaluation.ReconstructionEvaluator.ChunkRows + " rows; none when it works in the training batch's buffers) " +
                      "and what the kernels allocate on first use (split-K workspaces): it is read after a training epoch. " +
                      "Managed bytes per step: `GC.GetTotalAllocatedBytes(precise: true)` (all threads) and " +
                      "`GC.GetAllocatedBytesForCurrentThread` (the training thread) around whole `RunEpoch` calls of two trainers that " +
                      "differ only in their number of steps, less the epoch's shuffled order.");
        md.AppendLine();
        md.AppendLine("| backend | device total | data set | bookkeeping | evaluation chunk | training (params, grads, batch buffers) | budget | (training + evaluation) ÷ budget | managed B/step, all threads | managed B/step, training thread | note |");
        md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        foreach (var x in run.Memory.Where(x => x.Of == Workload.W5))
            md.AppendLine($"| {x.Backend} | {MiB(x.TotalBytes)} | {MiB(x.DataBytes)} | {MiB(x.BookkeepingBytes)} | {MiB(x.EvaluationBytes)} | " +
                          $"{MiB(x.TrainingBytes)} | {MiB(x.BudgetBytes)} | {x.BudgetRatio:F2}× | {Num(x.ManagedBytesPerStepAllThreads)} | " +
                          $"{Num(x.ManagedBytesPerStepThisThread)} | {x.Note} |");
        md.AppendLine();
    }

    /// <summary>W6's memory figure: the joint trainer's device bytes against its budget, and managed bytes per step.</summary>
    private static void DeepMemory(StringBuilder md, BenchRun run)
    {
        var rows = run.Memory.Where(x => x.Of == Workload.W6).ToList();
        if (rows.Count == 0)
            return;
        md.AppendLine("### W6: memory");
        md.AppendLine();
        md.AppendLine("Device bytes: what joint training of 784→1000→1000 (batch 100, σ 0.3, RMSprop) holds in tensors of its backend after a " +
                      "training epoch, less what the trainer holds for the data set (the images, the epoch order, the per-example losses). " +
                      "Budget = parameters + gradients + RMSprop's square averages + two batches of every module's output (each layer's " +
                      "corrupted input and code, each decoder's reconstruction: 2·(784 + 1000) + 2·1000 values per example). Managed bytes per " +
                      "step as W5 takes them.");
        md.AppendLine();
        md.AppendLine("| backend | device total | data set | bookkeeping | training | budget | training ÷ budget | managed B/step, all threads | managed B/step, training thread | note |");
        md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        foreach (var x in rows)
            md.AppendLine($"| {x.Backend} | {MiB(x.TotalBytes)} | {MiB(x.DataBytes)} | {MiB(x.BookkeepingBytes)} | {MiB(x.TrainingBytes)} | {MiB(x.BudgetBytes)} | " +
                          $"{x.BudgetRatio:F2}× | {Num(x.ManagedBytesPerStepAllThreads)} | {Num(x.ManagedBytesPerStepThisThread)} | {x.Note} |");
        md.AppendLine();
    }

    /// <summary>W7's memory figure: `train cae`'s trainer at each batch size against its budget, and managed bytes per step.</summary>
    private static void CaeMemory(StringBuilder md, BenchRun run)
    {
        var rows = run.Memory.Where(x => x.Of == Workload.W7).ToList();
        if (rows.Count == 0)
            return;
        md.AppendLine("### W7: memory");
        md.AppendLine();
        md.AppendLine("Device bytes: what training the convolutional autoencoder (Adam) holds in tensors of its backend after a training epoch, " +
                      "less what the trainer holds for the data set (the images, the epoch order, the per-example losses). Budget = parameters + " +
                      "gradients + Adam's two moments (4 floats per parameter) + two batches of every module's output (Σ of the modules' output " +
                      "widths per example). Managed bytes per step as W5 takes them, at the same batch.");
        md.AppendLine();
        md.AppendLine("| backend | batch | device total | data set | bookkeeping | training | budget | training ÷ budget | managed B/step, all threads | managed B/step, training thread | note |");
        md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        foreach (var x in rows)
            md.AppendLine($"| {x.Backend} | {x.Batch} | {MiB(x.TotalBytes)} | {MiB(x.DataBytes)} | {MiB(x.BookkeepingBytes)} | {MiB(x.TrainingBytes)} | {MiB(x.BudgetBytes)} | " +
                          $"{x.BudgetRatio:F2}× | {Num(x.ManagedBytesPerStepAllThreads)} | {Num(x.ManagedBytesPerStepThisThread)} | {x.Note} |");
        md.AppendLine();
    }

    private static void Checks(StringBuilder md, BenchRun run)
    {
        if (run.Checks.Count == 0)
            return;
        md.AppendLine("### Equivalence checks");
        md.AppendLine();
        md.AppendLine($"The harness writes our initial W, and in our epoch-0 order the clean images and the images our masks leave; the peer " +
                      $"trains on them and writes its final parameters; our side is the real trainer on the same images. Pass: every " +
                      $"|W_ours − W_torch| ≤ {EquivalenceCheck.AbsoluteTolerance.ToString(Inv)} + {EquivalenceCheck.RelativeTolerance.ToString(Inv)}·|W_torch|, " +
                      $"the largest difference under {EquivalenceCheck.UpdateFraction:P0} of the largest change training made to W, biases within " +
                      $"{(EquivalenceCheck.AbsoluteTolerance * 10).ToString(Inv)}, mean loss within a relative {EquivalenceCheck.LossTolerance.ToString(Inv)}. " +
                      "W4's products are compared element-wise on the same operands (|Δ| ≤ 1e-4 + 1e-3·|torch|). " +
                      "W6's check trains the deep stack without noise (the peer cannot draw ours) from the same initial weights on our clean images " +
                      "in our order, with RMSprop on both sides, and compares every layer's W and biases and the mean loss on the same terms." +
                      (run.Figures.Any(f => f.Workload == Workload.W7)
                          ? " W7's check trains the convolutional autoencoder from the same initial parameters on our images in our order, with Adam " +
                            "on both sides (the peer's layers built from our spec's JSON), and compares every convolution's W and bias and the mean " +
                            "loss on the same terms."
                          : ""));
        md.AppendLine();
        md.AppendLine("| configuration | backend | steps × batch | loss | ours | torch | max abs ΔW | largest update | passed |");
        md.AppendLine("| --- | --- | --- | --- | ---: | ---: | ---: | ---: | --- |");
        foreach (var c in run.Checks)
            md.AppendLine($"| {c.Name}{(c.Name.Contains('→') ? "" : $" (784→{c.Hidden})")} | {c.Backend} | {c.Steps} × {c.Batch} | {c.Loss} | {c.OurLoss:F4} | {Num(c.PeerLoss, "F4")} | " +
                          $"{Num(c.MaxWeightDiff, "g2")} | {Num(c.MaxWeightUpdate, "g2")} | {(c.Passed ? "yes" : $"**no**: {c.Detail}")} |");
        md.AppendLine();
    }

    private static string Speedup(Figure f) => f.Speedup is { } s ? f.Check == "valid" ? $"{s:F2}×" : $"({s:F2}×, {f.Check})" : "—";

    private static string Num(double? v, string? format = null)
    {
        if (v is not { } x || double.IsNaN(x))
            return "—";
        if (format is not null)
            return x.ToString(format, Inv);
        var a = Math.Abs(x);
        return x.ToString(a >= 1000 ? "N0" : a >= 100 ? "F0" : a >= 10 ? "F1" : a >= 1 ? "F2" : "G3", Inv);
    }

    private static string MiB(long bytes) => $"{bytes / 1048576.0:F1} MiB";
}
