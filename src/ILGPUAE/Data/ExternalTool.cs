using System.Diagnostics;
using ILGPUAE.IO;

namespace ILGPUAE.Data;

/// <summary>Finds and runs the programs a fetch needs (npm, apt-get, dpkg-deb), without a shell.</summary>
public static class ExternalTool
{
    /// <summary>The first of <paramref name="names"/> found in a PATH directory, or null.</summary>
    public static string? FindOnPath(params string[] names)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var directory in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            foreach (var name in names)
            {
                var candidate = Path.Combine(directory, name);
                if (File.Exists(candidate))
                    return candidate;
            }
        return null;
    }

    /// <summary>
    /// Runs <paramref name="program"/> with <paramref name="arguments"/> in <paramref name="workingDirectory"/> and returns its exit
    /// code and its standard error as one line; a program that cannot be started is an <see cref="InputException"/> naming it and
    /// <paramref name="purpose"/>.
    /// </summary>
    public static (int ExitCode, string Stderr) Run(string program, IEnumerable<string> arguments, string workingDirectory, string purpose)
    {
        var startInfo = new ProcessStartInfo(program)
        {
            // Run inside the caller's (temporary) directory, so that no configuration in the user's working directory
            // (package.json, .npmrc) changes what the tool does.
            WorkingDirectory = workingDirectory,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
            startInfo.ArgumentList.Add(argument);
        using var process = Process.Start(startInfo)
            ?? throw new InputException($"{program}: could not be started, expected a runnable {Path.GetFileName(program)} to {purpose}");
        // Drain both pipes concurrently so that neither can fill up and stall the tool.
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        Task.WaitAll(stdout, stderr);
        return (process.ExitCode, OneLine(stderr.Result));
    }

    /// <summary>Joins the non-empty lines of a tool's output with " | " so an error stays one line.</summary>
    public static string OneLine(string text) =>
        string.Join(" | ", text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
