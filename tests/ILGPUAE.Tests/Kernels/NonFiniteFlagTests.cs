namespace ILGPUAE.Tests.Kernels;

using ILGPUAE.Backend;
using ILGPUAE.Checks;
using ILGPUAE.Tests.Host;

/// <summary>
/// The guard's scan (<see cref="INonFinite.Flag"/>) against its reference at the awkward sizes, on every backend: a NaN or
/// ±∞ anywhere (first element, middle, last, past the SIMD blocks) sets the flag; finite tensors leave it at 0; a flag
/// already set keeps the first tensor's code.
/// </summary>
public abstract class NonFiniteFlagTests(IBackend backend)
{
    public static TheoryData<int> Sizes => [.. KernelChecks.AwkwardSizes];

    [Theory]
    [MemberData(nameof(Sizes))]
    public void TheFlagMatchesTheReference(int n)
    {
        var result = new KernelChecks(backend).NonFiniteFlag(n);

        Assert.True(result.Passed, $"{result.Kernel} {result.Size}: worst ratio {result.WorstToleranceRatio}");
    }

    /// <summary>The check is exact: a kernel that never sets the flag (simulated by clearing its result) fails it.</summary>
    [Fact]
    public void AFlagThatStaysClearFailsTheCheck()
    {
        var checks = new KernelChecks(backend) { BeforeCompare = flags => Array.Clear(flags) };

        Assert.False(checks.NonFiniteFlag(33).Passed);
    }

    /// <summary>A second non-finite tensor does not overwrite the first one's code: the message names the first parameter found.</summary>
    [Fact]
    public void TheFirstFlaggedTensorKeepsItsCode()
    {
        using var a = backend.Allocate<float>(3, 11);
        using var b = backend.Allocate<float>(1000);
        using var flag = backend.Allocate<int>(1);
        a.CopyFrom([.. Enumerable.Range(0, 33).Select(i => i == 32 ? float.PositiveInfinity : i)]);
        b.CopyFrom([.. Enumerable.Range(0, 1000).Select(i => i == 999 ? float.NaN : 0f)]);

        backend.NonFinite.Flag(a, 4, flag);
        backend.NonFinite.Flag(b, 5, flag);
        backend.Synchronize();

        Assert.Equal(4, flag.ToArray()[0]);
    }
}

[Collection(CpuAcceleratorCollection.Name)]
public sealed class CpuAcceleratorNonFiniteFlagTests(CpuAcceleratorFixture fixture) : NonFiniteFlagTests(fixture.Backend);

[Collection(HostCollection.Name)]
public sealed class HostNonFiniteFlagTests(HostFixture fixture) : NonFiniteFlagTests(fixture.Backend);
