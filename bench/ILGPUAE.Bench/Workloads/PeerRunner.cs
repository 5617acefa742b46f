namespace ILGPUAE.Bench.Workloads;

using System.Diagnostics;
using System.Text.Json;

/// <summary>
/// Runs a peer script of bench/peers with the configured Python and returns the JSON object it prints.
/// A missing interpreter, a missing torch or a failing script gives a <see cref="PeerUnavailableException"/>
/// whose message ends up in RESULTS.md instead of a figure.
/// </summary>
public sealed class PeerRunner(HarnessOptions options, Action<string> log)
{
    private string? unavailable;

    /// <summary>
    /// Set for every peer unless the caller's environment sets them: with glibc's defaults, memory that torch
    /// frees (a step's fresh [hidden, visible] gradients) goes back to the kernel and is faulted in again on the
    /// next step, which made per-sample steps ≈10× slower on the 2-core VM. Keeping it is the peer's faster setting.
    /// </summary>
    public static readonly IReadOnlyList<(string Name, string Value)> Environment =
        [("MALLOC_MMAP_THRESHOLD_", "1073741824"), ("MALLOC_TRIM_THRESHOLD_", "1073741824")];

    public string PeerDir => Path.Combine(options.BenchDir, "peers");

    /// <summary>Why peers cannot run in this invocation, or null while they can.</summary>
    public string? Unavailable => options.Peers ? unavailable : "peers disabled (--no-peers)";

    public JsonElement Run(string script, params string[] arguments)
    {
        if (Unavailable is { } reason)
            throw new PeerUnavailableException(reason);
        var start = new ProcessStartInfo(options.Python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in Environment)
            if (System.Environment.GetEnvironmentVariable(name) is null)
                start.Environment[name] = value;
        start.ArgumentList.Add(Path.Combine(PeerDir, script));
        foreach (var a in arguments)
            start.ArgumentList.Add(a);
        log($"peer: {options.Python} {script} {string.Join(' ', arguments)}");
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new PeerUnavailableException($"{options.Python} did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            unavailable = $"{options.Python} cannot run ({e.Message})";
            throw new PeerUnavailableException(unavailable);
        }
        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                var tail = string.Join('\n', stderr.Result.Split('\n').TakeLast(5));
                if (tail.Contains("No module named 'torch'") || tail.Contains("No module named 'numpy'"))
                    unavailable = $"{options.Python} has no torch/numpy";
                throw new PeerUnavailableException($"{script} exited {process.ExitCode}: {tail.Trim()}");
            }
            if (string.IsNullOrWhiteSpace(stdout))
                throw new PeerUnavailableException($"{script} printed nothing");
            return JsonDocument.Parse(stdout).RootElement.Clone();
        }
    }
}

public sealed class PeerUnavailableException(string message) : Exception(message);
