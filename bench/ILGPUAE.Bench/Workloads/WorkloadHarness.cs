namespace ILGPUAE.Bench.Workloads;

using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;

/// <summary>
/// `workloads`: runs W1–W7 on our backends and the peers in one invocation, writes bench/results/NAME.json,
/// then renders bench/RESULTS.md and the charts from every results file present (so a GPU run adds its rows
/// beside the CPU ones). `report` only renders.
/// </summary>
public static class WorkloadHarness
{
    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static int Run(IReadOnlyList<string> args)
    {
        var options = HarnessOptions.Parse(args);
        var sizes = WorkloadSizes.For(options.Mode);
        var clock = Stopwatch.StartNew();
        void Log(string message) => Console.WriteLine($"[{clock.Elapsed:mm\\:ss}] {message}");

        var peer = new PeerRunner(options, Log);
        var (peerInfo, peerProblem) = PeerIdentity(peer, options);
        var run = new BenchRun(options.Name, options.Mode, Machine(peerInfo), peerInfo, peerProblem);
        Log($"{options.Mode} run '{options.Name}' on {run.Machine.Cpu}, backends {string.Join(", ", options.Backends.Select(Backends.Label))}; " +
            $"peer: {(peerInfo is null ? peerProblem : $"torch {peerInfo.Torch} ({peerInfo.Device}, BLAS {string.Join(' ', peerInfo.BlasLibraries.Select(Path.GetFileName))})")}");

        using var data = BenchData.Load(options.DataDir, Log);
        var failures = 0;
        void RunWorkload(Workload w, Action body)
        {
            if (!options.Runs(w))
                return;
            Log($"--- {w}");
            try
            {
                body();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                failures++;
                run.Notes.Add($"{w} failed: {e.GetType().Name}: {e.Message}");
                Log($"{w} FAILED: {e}");
            }
        }
        var dae = new DaeWorkloads(options, sizes, data, peer, run, Log);
        RunWorkload(Workload.W1, dae.RunW1);
        RunWorkload(Workload.W2, dae.RunW2);
        RunWorkload(Workload.W3, dae.RunW3);
        RunWorkload(Workload.W4, new GemmWorkload(options, sizes, data, peer, run, Log).Run);
        RunWorkload(Workload.W5, new MemoryWorkload(options, sizes, data, run, Log).Run);
        RunWorkload(Workload.W6, new DeepDaeWorkload(options, sizes, data, peer, run, Log).Run);
        RunWorkload(Workload.W7, new CaeWorkload(options, sizes, data, peer, run, Log).Run);
        RunWorkload(Workload.W8, new SparseGradientWorkload(options, sizes, data, peer, run, Log).Run);
        RunWorkload(Workload.W9, new AnamoWorkload(options, sizes, data, peer, run, Log).Run);
        RunWorkload(Workload.W10, new GaWorkload(options, sizes, data, peer, run, Log).Run);

        run.WallSeconds = clock.Elapsed.TotalSeconds;
        var finished = run with { Machine = run.Machine with { LoadAfter = LoadAverage() } };
        var resultsDir = Path.Combine(options.BenchDir, "results");
        Directory.CreateDirectory(resultsDir);
        var path = Path.Combine(resultsDir, $"{options.Name}.json");
        File.WriteAllText(path, JsonSerializer.Serialize(finished, Json));
        Log($"wrote {path}");
        Render(options.BenchDir, Log);
        return failures == 0 ? 0 : 1;
    }

    /// <summary>RESULTS.md and the charts from every bench/results/*.json.</summary>
    public static void Render(string benchDir, Action<string> log)
    {
        var runs = Directory.GetFiles(Path.Combine(benchDir, "results"), "*.json").Order()
            .Select(f => JsonSerializer.Deserialize<BenchRun>(File.ReadAllText(f), Json)!).ToList();
        var charts = runs.SelectMany(r => Charts.Write(benchDir, r)).ToList();
        var results = Path.Combine(benchDir, "RESULTS.md");
        File.WriteAllText(results, ResultsReport.Markdown(runs, charts.Select(c => Path.GetRelativePath(benchDir, c)).ToList()));
        log($"wrote {results} and {string.Join(", ", charts)}");
    }

    private static (PeerInfo?, string?) PeerIdentity(PeerRunner peer, HarnessOptions options)
    {
        try
        {
            var j = peer.Run("dae_torch.py", "info", "--device", options.PeerDevice, "--threads", options.PeerThreads.ToString());
            static string? Str(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            return (new PeerInfo(Str(j, "torch")!, j.GetProperty("threads").GetInt32(), options.PeerDevice, Str(j, "BLAS_INFO") ?? "unknown",
                Str(j, "blas_config_line") ?? "", j.GetProperty("blas_libraries").EnumerateArray().Select(e => e.GetString()!).ToList(),
                Str(j, "OPENBLAS_CORETYPE"), Str(j, "cuda"),
                string.Join(' ', PeerRunner.Environment.Select(e => $"{e.Name}={System.Environment.GetEnvironmentVariable(e.Name) ?? e.Value}"))), null);
        }
        catch (PeerUnavailableException e)
        {
            return (null, e.Message);
        }
    }

    private static MachineInfo Machine(PeerInfo? peer) => new(
        Cpu: CpuModel(), Cores: Environment.ProcessorCount, Os: RuntimeInformation.OSDescription,
        Runtime: RuntimeInformation.FrameworkDescription,
        Vector: System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? "AVX-512 (Vector512 accelerated)"
            : $"Vector<float>.Count = {System.Numerics.Vector<float>.Count}",
        DateUtc: DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'"), LoadBefore: LoadAverage(), LoadAfter: null,
        OpenBlasCoreType: Environment.GetEnvironmentVariable("OPENBLAS_CORETYPE"), Gpu: peer?.Cuda);

    private static string CpuModel()
    {
        try
        {
            return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name"))?.Split(':', 2)[1].Trim() ?? "unknown";
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    /// <summary>The 1/5/15-minute load averages: other processes on the machine skew every timing, ours and the peer's alike.</summary>
    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }
}
