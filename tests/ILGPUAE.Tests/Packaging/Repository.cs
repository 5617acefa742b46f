namespace ILGPUAE.Tests.Packaging;

using System.Diagnostics;
using System.Xml.Linq;

/// <summary>The checkout the tests were built from: its root, the version Directory.Build.props sets, and its commit.</summary>
internal static class Repository
{
    /// <summary>The folder above the test assembly that holds ILGPUAE.sln.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The one version of every assembly and package: Directory.Build.props' &lt;Version&gt;.</summary>
    public static string Version { get; } =
        XDocument.Load(Path.Combine(Root, "Directory.Build.props")).Descendants("Version").Single().Value;

    /// <summary>`git rev-parse HEAD` of the checkout, or null where the sources are not a git checkout (no .git).</summary>
    public static string? Head()
    {
        if (!Path.Exists(Path.Combine(Root, ".git")))
            return null;
        var start = new ProcessStartInfo("git") { WorkingDirectory = Root, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "rev-parse", "HEAD" })
            start.ArgumentList.Add(a);
        var git = Cli.CliProcess.Run(start, TimeSpan.FromSeconds(30));
        Assert.True(git.ExitCode == 0, $"git rev-parse HEAD in {Root} exited {git.ExitCode}: {git.Stderr}");
        return git.Stdout.Trim();
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ILGPUAE.sln")))
                return dir.FullName;
        throw new InvalidOperationException($"no ILGPUAE.sln above {AppContext.BaseDirectory}");
    }
}
