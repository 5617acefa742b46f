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
    public static CliResult Run(IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        using var process = Process.Start(StartInfo(environment, args)) ?? throw new InvalidOperationException("dotnet could not be started");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"ilgpuae {string.Join(' ', args)} ran longer than {Timeout}");
        }
        process.WaitForExit();
        return new CliResult(args, process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>`dotnet ilgpuae.dll <paramref name="args"/>` with its output redirected and <paramref name="environment"/> set (null unsets).</summary>
    public static ProcessStartInfo StartInfo(IReadOnlyDictionary<string, string?> environment, IEnumerable<string> args)
    {
        Assert.True(File.Exists(DllPath), $"{DllPath} is missing; the test project must reference ILGPUAE.Cli");
        var start = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var (name, value) in environment)
            start.Environment[name] = value;
        start.ArgumentList.Add(DllPath);
        foreach (var a in args)
            start.ArgumentList.Add(a);
        return start;
    }
}
