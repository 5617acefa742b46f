namespace ILGPUAE.Tests.Cli;

using ILGPUAE.Cli;
using Spectre.Console;

/// <summary>
/// The tests that call <see cref="CliApp"/> in this process: they swap Console's writers, so they run one at a time, apart
/// from every other test.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class InProcessCliCollection
{
    public const string Name = "CLI in process";
}

/// <summary>
/// Runs <see cref="CliApp.Run"/> (or only its parsing) in this process with stdout and stderr captured: about a thousand times
/// cheaper than starting `dotnet ilgpuae.dll`. An exception out of it is what the real CLI would end on with a stack trace, so it
/// is returned as the exit code 134 with its trace on stderr, for the assertions to see.
/// </summary>
public static class InProcessCli
{
    public const int Crashed = 134;

    public static CliResult Run(params string[] args) => Capture(args, () => CliApp.Run(args));

    /// <summary>Only <see cref="CliApp.Parse"/>: what the command line is read as, without running the verb.</summary>
    public static CliResult Parse(params string[] args) => Capture(args, () => CliApp.Parse(args).Exit);

    private static CliResult Capture(string[] args, Func<int> run)
    {
        var (stdout, stderr, ansi) = (Console.Out, Console.Error, AnsiConsole.Console);
        var outWriter = new StringWriter();
        var errorWriter = new StringWriter();
        Console.SetOut(outWriter);
        Console.SetError(errorWriter);
        // The progress display writes through Spectre's console, which holds the writer it was made with.
        AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(outWriter),
            Ansi = AnsiSupport.No,
            Interactive = InteractionSupport.No,
        });
        int exit;
        try
        {
            exit = run();
        }
        catch (Exception e)
        {
            errorWriter.WriteLine($"Unhandled exception. {e}");
            exit = Crashed;
        }
        finally
        {
            Console.SetOut(stdout);
            Console.SetError(stderr);
            AnsiConsole.Console = ansi;
        }
        return new CliResult(args, exit, outWriter.ToString(), errorWriter.ToString());
    }

    /// <summary>
    /// Asserts a refusal of bad input: exit 2, no stack trace, and on stderr exactly one error line naming <paramref name="named"/>,
    /// optionally followed by the line that points to the verb's --help. Returns the error line.
    /// </summary>
    public static string AssertRefused(CliResult result, string named)
    {
        Assert.True(result.ExitCode == 2, $"expected exit 2: {result}");
        Assert.DoesNotContain("   at ", result.Stderr);
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length is 1 or 2, $"expected one error line (and the --help pointer): {result}");
        Assert.StartsWith("error: ", lines[0]);
        Assert.True(lines[0].Contains(named, StringComparison.Ordinal), $"expected the error line to name {named}: {result}");
        if (lines.Length == 2)
            Assert.Matches(@"^run 'ilgpuae [a-z ]*--help' for the (options|verbs)$", lines[1]);
        return lines[0];
    }
}
