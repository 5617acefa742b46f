namespace ILGPUAE.Tests.Training.Anamo;

using ILGPUAE.Backend;
using ILGPUAE.Modules;
using ILGPUAE.Tests.Host;
using ILGPUAE.Tests.Kernels;
using ILGPUAE.Training.Anamo;

/// <summary>
/// <see cref="Network.ForwardBackwardAbove"/> from <see cref="Network.ForwardBelow"/>'s codes against the whole pass
/// <see cref="Network.ForwardBackward"/> on ANAMO's network (sigmoid and smooth-step encoders, 13 → 5 → 13, 7 of 9 rows): the
/// decoder's gradients and the losses (code penalty included) bit for bit — the same launches on the same values — and the encoder's
/// gradient buffers untouched. On the host and ILGPU's CPU accelerator.
/// </summary>
public abstract class DecoderPassTests(IBackend backend)
{
    private const int Visible = 13, Hidden = 5, Count = 9;

    public static TheoryData<float?> Encoders => new() { null, 1.5f };

    [Theory]
    [MemberData(nameof(Encoders))]
    public void TheDecoderPassGivesTheWholePassDecoderGradientsAndLosses(float? epsilon)
    {
        using var network = AnamoNetwork.Spec(Visible, Hidden, 0.1f, epsilon).Build(backend, 7);
        network.Initialize(11);
        var top = network.Body.Modules.Count - 1;
        using var data = backend.Allocate<float>(Count, Visible);
        data.CopyFrom([.. Enumerable.Range(0, Count * Visible).Select(k => (float)(0.5 + 0.45 * Math.Cos(0.9 * (k / Visible) + 1.7 * (k % Visible))))]);
        using var indices = backend.Allocate<int>(7);
        indices.CopyFrom([8, 2, 0, 5, 5, 7, 1]);
        using var losses = backend.Allocate<float>(7);
        var context = new StepContext(indices, 11, 0, Training: true);

        network.ForwardBackward(data, context, losses);
        backend.Synchronize();
        var whole = network.Body.Parameters.Select(p => p.Grad.ToArray()).ToArray();
        var wholeLosses = losses.ToArray();
        // Marks in the encoder's gradients: the decoder pass must leave them.
        var (encoder, decoder) = AnamoNetwork.Blocks(network);
        foreach (var p in encoder)
            p.Grad.CopyFrom(Enumerable.Repeat(7f, p.Grad.Length).ToArray());
        losses.CopyFrom(new float[7]);

        var codes = network.ForwardBelow(data, context, top);
        network.ForwardBackwardAbove(codes, top, context, losses);
        backend.Synchronize();

        Assert.Equal(wholeLosses, losses.ToArray());
        var ps = network.Body.Parameters;
        for (var i = 0; i < ps.Count; i++)
            if (decoder.Contains(ps[i]))
                Assert.Equal(whole[i], ps[i].Grad.ToArray());
            else
                Assert.All(ps[i].Grad.ToArray(), g => Assert.Equal(7f, g));
    }
}

[Collection(HostCollection.Name)]
public sealed class HostDecoderPassTests(HostFixture fixture) : DecoderPassTests(fixture.Backend);

[Collection(CpuAcceleratorCollection.Name)]
public sealed class CpuAcceleratorDecoderPassTests(CpuAcceleratorFixture fixture) : DecoderPassTests(fixture.Backend);
