namespace ILGPUAE.Tests.Kernels;

using ILGPUAE.Backend;
using ILGPUAE.Checks;

/// <summary>
/// Every kernel family against its double-precision reference at sizes around the warp width. The body
/// is backend-agnostic: each backend gets a subclass that supplies its fixture.
/// </summary>
public abstract class KernelReferenceTests(IBackend backend)
{
    public static TheoryData<int> Sizes => new(KernelChecks.AwkwardSizes);

    [Theory]
    [MemberData(nameof(Sizes))]
    public void EveryKernelMatchesItsReference(int size)
    {
        var failures = new KernelChecks(backend).All([size]).Where(r => !r.Passed).ToList();
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void TiedAutoencoderProductsMatchAtRealShapes()
    {
        var failures = new KernelChecks(backend).TiedAutoencoderShapes(batch: 10, visible: 784, hidden: 100).Where(r => !r.Passed).ToList();
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void ACorruptedKernelResultIsCaught()
    {
        // The comparison itself must be able to fail: a NaN or a one-ulp change in an exact kernel fails.
        var checks = new KernelChecks(backend);
        var ok = checks.Mask(3, 17, 0.5f);
        Assert.True(ok.Passed);
        Assert.False((ok with { WorstToleranceRatio = double.PositiveInfinity }).Passed);
    }
}

[Collection(CpuAcceleratorCollection.Name)]
public sealed class CpuAcceleratorKernelTests(CpuAcceleratorFixture fixture) : KernelReferenceTests(fixture.Backend);
