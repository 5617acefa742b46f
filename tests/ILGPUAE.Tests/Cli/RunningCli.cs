namespace ILGPUAE.Tests.Cli;

using System.Diagnostics;

/// <summary>The CLI started in the background (<see cref="CliProcess"/> runs it to the end), so a test can kill it or run another beside it.</summary>
public sealed class RunningCli : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    private readonly Process process;
    private readonly Task<string> stdout;
    private readonly Task<string> stderr;

    public RunningCli(IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        Args = args;
        process = Process.Start(CliProcess.StartInfo(environment, args)) ?? throw new InvalidOperationException("dotnet could not be started");
        stdout = process.StandardOutput.ReadToEndAsync();
        stderr = process.StandardError.ReadToEndAsync();
    }

    public RunningCli(params string[] args) : this(new Dictionary<string, string?>(), args)
    {
    }

    public string[] Args { get; }

    public int Id => process.Id;

    public bool HasExited => process.HasExited;

    /// <summary>SIGKILL, as the kernel's OOM killer or `kill -9` would; false if the process had already exited.</summary>
    public bool Kill()
    {
        if (process.HasExited)
            return false;
        process.Kill();
        process.WaitForExit();
        return true;
    }

    public CliResult Wait()
    {
        if (!process.WaitForExit(Timeout))
        {
            process.Kill();
            Assert.Fail($"ilgpuae {string.Join(' ', Args)} ran longer than {Timeout}");
        }
        process.WaitForExit();
        return new CliResult(Args, process.ExitCode, stdout.Result, stderr.Result);
    }

    public void Dispose()
    {
        if (!process.HasExited)
            process.Kill();
        process.Dispose();
    }
}
