namespace ILGPUAE.Tests.Kernels;

using ILGPUAE.Backend;
using ILGPUAE.Checks;

/// <summary>
/// Every kernel family against its double-precision reference at sizes around the warp width. The body
/// is backend-agnostic: each backend gets a subclass that supplies its fixture, and says whether the backend
/// has a SampleSgd family (stated, not read from the backend, so a family that goes missing fails the count).
/// </summary>
public abstract class KernelReferenceTests(IBackend backend, bool hasSampleSgd)
{
    public static TheoryData<int> Sizes => new(KernelChecks.AwkwardSizes);

    [Theory]
    [MemberData(nameof(Sizes))]
    public void EveryKernelMatchesItsReference(int size)
    {
        var results = new KernelChecks(backend).All([size]).ToList();
        var failures = results.Where(r => !r.Passed).ToList();
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        KernelCheckFamilies.AssertCounts(results, hasSampleSgd, size);
    }

    [Fact]
    public void TiedAutoencoderProductsMatchAtRealShapes()
    {
        var results = new KernelChecks(backend).TiedAutoencoderShapes(batch: 10, visible: 784, hidden: 100).ToList();
        // Encode, decode, the hidden delta and the weight gradient.
        Assert.Equal(4, results.Count);
        var failures = results.Where(r => !r.Passed).ToList();
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    /// <summary>
    /// The comparison must be able to fail on a real kernel output: the seam changes the downloaded result of an actual
    /// launch, at its first or its last element, before it is compared with the reference.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void APerturbedKernelOutputFailsItsCheck(int element)
    {
        static int At(float[] output, int element) => element >= 0 ? element : output.Length + element;
        KernelChecks Perturbing(Func<float, float> change) =>
            new(backend) { BeforeCompare = output => output[At(output, element)] = change(output[At(output, element)]) };

        // Unchanged, the exact mask and the toleranced GEMM pass (the same seed gives each the same inputs every time).
        Assert.True(new KernelChecks(backend).Mask(3, 17, 0.5f).Passed);
        Assert.True(new KernelChecks(backend).Gemm(Transpose.None, Transpose.Transposed, 5, 33, 31).Passed);

        // The mask is compared bit for bit: one ulp up or down fails it (a masked 0 becomes ±1.4e-45).
        Assert.False(Perturbing(MathF.BitIncrement).Mask(3, 17, 0.5f).Passed);
        Assert.False(Perturbing(MathF.BitDecrement).Mask(3, 17, 0.5f).Passed);
        Assert.False(Perturbing(_ => float.NaN).Mask(3, 17, 0.5f).Passed);

        // A GEMM has a tolerance (4e-7·(K + 8) + 1e-4·|ref|): one ulp is within it, a NaN or twice the tolerance is not.
        Assert.True(Perturbing(MathF.BitIncrement).Gemm(Transpose.None, Transpose.Transposed, 5, 33, 31).Passed);
        Assert.False(Perturbing(_ => float.NaN).Gemm(Transpose.None, Transpose.Transposed, 5, 33, 31).Passed);
        Assert.False(Perturbing(v => v + 2 * (4e-7f * (31 + 8) + 1e-4f * Math.Abs(v))).Gemm(Transpose.None, Transpose.Transposed, 5, 33, 31).Passed);
    }

    [Fact]
    public void ANaNInEitherOutputOfATwoOutputKernelFailsItsCheck()
    {
        // The output delta compares delta [M,N] first, then the losses [M]: a NaN in either alone fails the check.
        for (var target = 0; target < 2; target++)
        {
            var compared = 0;
            var nanAt = target;
            var checks = new KernelChecks(backend) { BeforeCompare = output => { if (compared++ == nanAt) output[0] = float.NaN; } };
            Assert.False(checks.OutputDelta(LossKind.CrossEntropy, 3, 31).Passed, $"a NaN in output {target} passed");
            Assert.Equal(2, compared);
        }
        Assert.True(new KernelChecks(backend).OutputDelta(LossKind.CrossEntropy, 3, 31).Passed);
    }
}

[Collection(CpuAcceleratorCollection.Name)]
public sealed class CpuAcceleratorKernelTests(CpuAcceleratorFixture fixture) : KernelReferenceTests(fixture.Backend, hasSampleSgd: true);
