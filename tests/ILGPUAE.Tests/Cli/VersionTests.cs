namespace ILGPUAE.Tests.Cli;

using ILGPUAE.Tests.Packaging;

/// <summary>
/// `ilgpuae --version` (and `ilgpuae version`) prints the version Directory.Build.props sets and the commit the CLI was built from,
/// as "ilgpuae 0.18.0+&lt;40 hex digits&gt;", on stdout; built outside a git checkout, the version alone.
/// </summary>
public sealed class VersionTests
{
    [Theory]
    [InlineData("--version")]
    [InlineData("version")]
    public void TheVersionIsTheVersionAndTheCommitOnStdout(string word)
    {
        var result = CliProcess.Run(word);
        Assert.True(result.ExitCode == 0, result.ToString());
        var head = Repository.Head();
        Assert.Equal(head is null ? $"ilgpuae {Repository.Version}" : $"ilgpuae {Repository.Version}+{head}", result.Stdout.Trim());
        Assert.Equal("", result.Stderr);
    }
}
