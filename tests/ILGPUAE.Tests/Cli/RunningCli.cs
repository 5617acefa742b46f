namespace ILGPUAE.Tests.Cli;

using System.Diagnostics;
using System.Text;

/// <summary>The CLI started in the background (<see cref="CliProcess"/> runs it to the end), so a test can kill it or run another beside it.</summary>
public sealed class RunningCli : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    private readonly Process process;
    private readonly Task<string> stdout;
    private readonly Task<string> stderr;
    private readonly StringBuilder output = new();

    public RunningCli(IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        Args = args;
        process = Process.Start(CliProcess.StartInfo(environment, args)) ?? throw new InvalidOperationException("dotnet could not be started");
        stdout = Task.Run(async () =>
        {
            while (await process.StandardOutput.ReadLineAsync() is { } line)
                lock (output)
                    output.AppendLine(line);
            lock (output)
                return output.ToString();
        });
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

    /// <summary>Waits until a line of standard output contains <paramref name="text"/>; false if the process ended first.</summary>
    public bool WaitForOutput(string text)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < Timeout)
        {
            lock (output)
                if (output.ToString().Contains(text, StringComparison.Ordinal))
                    return true;
            if (process.HasExited && stdout.IsCompleted)
                return false;
            Thread.Sleep(10);
        }
        return false;
    }

    /// <summary>Sends <paramref name="signal"/> (INT, TERM) with kill(1); false if the process had already exited.</summary>
    public bool Signal(string signal)
    {
        if (process.HasExited)
            return false;
        using var kill = Process.Start("kill", ["-s", signal, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        return kill.ExitCode == 0;
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
