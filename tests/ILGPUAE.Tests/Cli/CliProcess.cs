namespace ILGPUAE.Tests.Cli;

using System.Diagnostics;
using System.Text;

public sealed record CliResult(string[] Args, int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() =>
        $"ilgpuae {string.Join(' ', Args)} exited {ExitCode}\n--- stderr:\n{Stderr}\n--- stdout:\n{Stdout}";
}

/// <summary>Runs the built CLI (ilgpuae.dll, copied next to the test assembly) as a separate process.</summary>
public static class CliProcess
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    public static string DllPath => Path.Combine(AppContext.BaseDirectory, "ilgpuae.dll");

    public static CliResult Run(params string[] args) => Run(new Dictionary<string, string?>(), args);

    /// <summary>As <see cref="Run(string[])"/>, with <paramref name="environment"/> set (a null value unsets the variable).</summary>
    public static CliResult Run(IReadOnlyDictionary<string, string?> environment, params string[] args) =>
        Run(StartInfo(environment, args), Timeout) with { Args = args };

    /// <summary>
    /// Runs <paramref name="start"/> (its output redirected) to its end and returns what it printed, with its program and arguments
    /// as <see cref="CliResult.Args"/>; after <paramref name="timeout"/> it is killed and the test fails.
    /// </summary>
    public static CliResult Run(ProcessStartInfo start, TimeSpan timeout)
    {
        string[] command = [start.FileName, .. start.ArgumentList];
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{start.FileName} could not be started");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{string.Join(' ', command)} ran longer than {timeout}");
        }
        process.WaitForExit();
        return new CliResult(command, process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>`dotnet ilgpuae.dll <paramref name="args"/>` with its output redirected and <paramref name="environment"/> set (null unsets).</summary>
    public static ProcessStartInfo StartInfo(IReadOnlyDictionary<string, string?> environment, IEnumerable<string> args)
    {
        Assert.True(File.Exists(DllPath), $"{DllPath} is missing; the test project must reference ILGPUAE.Cli");
        return StartInfo("dotnet", environment, [DllPath, .. args]);
    }

    /// <summary><paramref name="program"/> <paramref name="args"/> with its output redirected (UTF-8) and <paramref name="environment"/> set (null unsets).</summary>
    public static ProcessStartInfo StartInfo(string program, IReadOnlyDictionary<string, string?> environment, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo(program)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var (name, value) in environment)
            start.Environment[name] = value;
        foreach (var a in args)
            start.ArgumentList.Add(a);
        return start;
    }
}
