namespace ILGPUAE.Cli;

using System.Runtime.InteropServices;
using ILGPUAE.Training;

/// <summary>
/// SIGINT and SIGTERM during a training run: the first one asks the engine to stop (<see cref="RunControl.Stop"/>), which finishes
/// the step in progress, commits a checkpoint of it and throws <see cref="RunInterruptedException"/>; the run then prints one line
/// and exits 130 (SIGINT) or 143 (SIGTERM), 128 + the signal's number, as a shell reports a process the signal ended. Every later
/// signal is ignored (the checkpoint being written is finished, never torn); SIGKILL still ends the process at once, and the
/// commit point keeps the directory resumable. Registered only while a training verb runs: other verbs keep the default.
/// </summary>
public static class StopSignals
{
    public const int InterruptExit = 130;
    public const int TerminateExit = 143;

    /// <summary>
    /// Runs <paramref name="run"/> with a <see cref="RunControl"/> that a signal stops; returns its exit code, or 130/143 once it
    /// stopped. <paramref name="continueWith"/>: what the stop line tells the user to run to continue (default --resume DIR).
    /// </summary>
    public static int Run(int checkpointEvery, Func<RunControl, int> run, string? continueWith = null)
    {
        using var stop = new CancellationTokenSource();
        // The first signal's name; later ones change nothing.
        string? received = null;
        void Handle(PosixSignalContext context)
        {
            context.Cancel = true;
            Interlocked.CompareExchange(ref received, context.Signal == PosixSignal.SIGINT ? "SIGINT" : "SIGTERM", null);
            stop.Cancel();
        }
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle);
        try
        {
            return run(new RunControl(checkpointEvery, stop.Token));
        }
        catch (RunInterruptedException e)
        {
            Console.Out.Flush();
            Console.Error.WriteLine($"interrupted ({received}) at {e.Where}: checkpoint written to {e.Directory}; continue with {continueWith ?? $"--resume {e.Directory}"}");
            return received == "SIGINT" ? InterruptExit : TerminateExit;
        }
    }
}
