namespace ILGPUAE.Tests.IO;

using ILGPUAE.IO;

/// <summary>
/// How a runtime file-system error becomes one line (issue 13, finding 5): the path the user knows and the cause in plain words,
/// with whose fault it is (the exit code). On Unix the runtime's IOException carries the errno as its HResult.
/// </summary>
public sealed class FileFaultTests
{
    [Theory]
    [InlineData(28, "no space left on device", FaultOrigin.Environment)]
    [InlineData(122, "disk quota exceeded", FaultOrigin.Environment)]
    [InlineData(5, "input/output error (the disk or device failed)", FaultOrigin.Environment)]
    [InlineData(30, "read-only file system", FaultOrigin.Input)]
    [InlineData(21, "is a directory, expected a file", FaultOrigin.Input)]
    [InlineData(20, "a part of the path is a file, expected a directory", FaultOrigin.Input)]
    public void AnErrnoBecomesItsCauseAndOrigin(int errno, string cause, FaultOrigin origin)
    {
        if (OperatingSystem.IsWindows())
            return; // The HResult is a Win32 HRESULT there; Classify reads those separately.
        var fault = FileFaultException.Of(new IOException("Some runtime words : '/runs/x/metrics.json'", errno));

        Assert.NotNull(fault);
        Assert.Equal($"/runs/x/metrics.json: {cause}", fault.Message);
        Assert.Equal(origin, fault.Origin);
    }

    [Fact]
    public void AFaultWritingACheckpointsTemporaryFileNamesTheCheckpoint()
    {
        var fault = FileFaultException.Of(new IOException("No space left on device : '/runs/x/.model.safetensors.tmp-0123abcdef'", 28));

        Assert.Equal("/runs/x/model.safetensors: no space left on device", fault?.Message);
    }

    [Fact]
    public void PermissionDeniedIsBadInputNamingThePath()
    {
        var fault = FileFaultException.Of(new UnauthorizedAccessException("Access to the path '/runs/locked' is denied.", new IOException("Permission denied", 13)));

        Assert.Equal("/runs/locked: permission denied", fault?.Message);
        Assert.Equal(FaultOrigin.Input, fault?.Origin);
    }

    [Fact]
    public void AnUnknownErrnoKeepsTheRuntimesWordsWithoutThePath()
    {
        var fault = FileFaultException.Of(new IOException("Stale file handle : '/nfs/run/model.safetensors'", 116));

        Assert.Equal("/nfs/run/model.safetensors: stale file handle", fault?.Message);
        Assert.Equal(FaultOrigin.Environment, fault?.Origin);
    }

    [Fact]
    public void ADirectoryOverARegularFileIsBadInput()
    {
        using var dir = new TempDirectory();
        var file = dir.File("data");
        File.WriteAllText(file, "");

        var e = Assert.ThrowsAny<IOException>(() => Directory.CreateDirectory(file));
        var fault = FileFaultException.Of(e);

        Assert.Equal($"{file}: is a file, expected a directory", fault?.Message);
        Assert.Equal(FaultOrigin.Input, fault?.Origin);
    }

    [Fact]
    public void AnExceptionThatIsNotAFileSystemErrorIsNotOne()
    {
        Assert.Null(FileFaultException.Of(new InvalidOperationException("x : '/a'")));
        Assert.Null(FileFaultException.Of(new IOException("no path here")));
    }
}
