namespace ILGPUAE.Tests.Kernels;

using ILGPUAE.Backend;
using ILGPUAE.Tests.Host;

/// <summary>
/// A diverged model must report a NaN loss, never a clamped finite one, on every backend: the trainer
/// stops on the first non-finite loss. Saturated outputs (exactly 0 or 1) stay finite, as in PyTorch.
/// </summary>
public abstract class NonFiniteLossTests(IBackend backend)
{
    [Theory]
    [InlineData(LossKind.CrossEntropy)]
    [InlineData(LossKind.SquaredError)]
    public void NaNOutputsGiveNaNLossesAndSaturatedOnesStayFinite(LossKind loss)
    {
        // Row 0: one NaN among ordinary outputs (NaN at an index past the first SIMD block, too).
        // Row 1: outputs saturated at exactly 0 and 1.
        const int n = 37;
        var z = new float[2 * n];
        var x = new float[2 * n];
        for (var j = 0; j < n; j++)
        {
            z[j] = 0.5f;
            x[j] = j % 2;
            z[n + j] = j % 2 == 0 ? 0f : 1f;
            x[n + j] = j % 3 == 0 ? 1f : 0f;
        }
        z[20] = float.NaN;
        using var tz = backend.Allocate<float>(2, n);
        using var tx = backend.Allocate<float>(2, n);
        using var td = backend.Allocate<float>(2, n);
        using var tl = backend.Allocate<float>(2);
        tz.CopyFrom(z);
        tx.CopyFrom(x);
        backend.Delta.SigmoidOutputDelta(loss, tz, tx, 1f, td, tl);
        backend.Synchronize();
        var losses = tl.ToArray();
        Assert.True(float.IsNaN(losses[0]), $"row with a NaN output: loss {losses[0]}");
        Assert.True(float.IsFinite(losses[1]), $"row with saturated outputs: loss {losses[1]}");
    }
}

[Collection(CpuAcceleratorCollection.Name)]
public sealed class CpuAcceleratorNonFiniteLossTests(CpuAcceleratorFixture fixture) : NonFiniteLossTests(fixture.Backend);

[Collection(HostCollection.Name)]
public sealed class HostNonFiniteLossTests(HostFixture fixture) : NonFiniteLossTests(fixture.Backend);
