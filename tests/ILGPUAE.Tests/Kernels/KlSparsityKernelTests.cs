namespace ILGPUAE.Tests.Kernels;

using ILGPUAE.Backend;
using ILGPUAE.Checks;
using ILGPUAE.Tests.Host;

/// <summary>
/// The KL sparsity penalty's kernel (<see cref="IDelta.KlSparsity"/>) against its double-precision reference at awkward sizes, batch
/// b = 1, 7, 33 by width 1, 17, 100 (below, at and above a 16-lane vector, with a tail), through each activation's derivative, into a
/// separate δ and in place, with both ends of the ρ̂ clamp taken (<see cref="KernelChecks.KlSparsity"/>).
/// </summary>
public abstract class KlSparsityKernelTests(IBackend backend)
{
    public static TheoryData<int, int> Sizes
    {
        get
        {
            var data = new TheoryData<int, int>();
            foreach (var b in new[] { 1, 7, 33 })
                foreach (var width in new[] { 1, 17, 100 })
                    data.Add(b, width);
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void TheKernelMatchesTheReference(int b, int width)
    {
        var checks = new KernelChecks(backend);
        var results = ILGPUAE.Activation.Activations.All
            .SelectMany(a => new[] { checks.KlSparsity(a, inPlace: false, b, width), checks.KlSparsity(a, inPlace: true, b, width) })
            .ToList();
        var failures = results.Where(r => !r.Passed).ToList();

        Assert.Equal(2 * ILGPUAE.Activation.Activations.All.Count, results.Count);
        Assert.True(failures.Count == 0, string.Join("; ", failures.Select(r => $"{r.Kernel} {r.Size}: worst ratio {r.WorstToleranceRatio}")));
    }

    /// <summary>The `ilgpuae check` registration: the family's checks run at one of the awkward sizes, all pass.</summary>
    [Fact]
    public void TheChecksRunTheFamily()
    {
        var results = new KernelChecks(backend).KlSparsities([33]).ToList();

        Assert.Equal(2 * ILGPUAE.Activation.Activations.All.Count, results.Count);
        Assert.All(results, r => Assert.True(r.Passed, $"{r.Kernel} {r.Size}: worst ratio {r.WorstToleranceRatio}"));
    }
}

[Collection(CpuAcceleratorCollection.Name)]
public sealed class CpuAcceleratorKlSparsityKernelTests(CpuAcceleratorFixture fixture) : KlSparsityKernelTests(fixture.Backend);

[Collection(HostCollection.Name)]
public sealed class HostKlSparsityKernelTests(HostFixture fixture) : KlSparsityKernelTests(fixture.Backend);
