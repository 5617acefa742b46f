namespace ILGPUAE.Checks;

using ILGPUAE.Backend;
using ILGPUAE.Convolution;

/// <summary>The Convolution family's checks: forward, input gradient and parameter gradients against <see cref="Conv2dReference"/>.</summary>
public sealed partial class KernelChecks
{
    /// <summary>
    /// The awkward convolutions checked once per <see cref="All"/> call: input channels 1 and 3 (and the study's 8), output channels 1, 5
    /// and 8, images 1×1, 5×7 and 28×28, batches 1 and 3, each activation somewhere; (batch, in, out, height, width, activation).
    /// </summary>
    internal static readonly (int Batch, int In, int Out, int Height, int Width, Backend.Activation Activation)[] CheckedConvolutions =
    [
        (1, 1, 8, 28, 28, Backend.Activation.Relu),
        (3, 3, 5, 5, 7, Backend.Activation.Sigmoid),
        (3, 1, 1, 1, 1, Backend.Activation.Identity),
        (1, 3, 1, 5, 7, Backend.Activation.Tanh),
        (3, 3, 8, 1, 1, Backend.Activation.Relu),
        (1, 1, 5, 5, 7, Backend.Activation.Identity),
        (3, 8, 1, 7, 7, Backend.Activation.Relu),
        (3, 3, 8, 28, 28, Backend.Activation.Sigmoid),
    ];

    /// <summary>
    /// Each of <see cref="CheckedConvolutions"/> (forward, input gradient, parameter gradients), then per size s a batch of 3 images 3→5 of
    /// 3 rows by s columns, where s crosses the host's 16-lane chunks and a GPU's warps.
    /// </summary>
    public IEnumerable<CheckResult> Convolutions(IReadOnlyList<int> sizes)
    {
        var cases = CheckedConvolutions.Select((c, i) => (c.Batch, new Conv2dGeometry(c.In, c.Out, c.Height, c.Width), c.Activation, i))
            .Concat(sizes.Select((s, i) => (3, new Conv2dGeometry(3, 5, 3, s), Backend.Activation.Relu, i)));
        foreach (var (batch, geometry, activation, i) in cases)
        {
            yield return Conv2dForward(batch, geometry, activation);
            yield return Conv2dInputGradient(batch, geometry, activation);
            yield return Conv2dParameterGradients(batch, geometry, weightsBetaZero: i % 2 == 0);
        }
    }

    /// <summary>y = act(x ⊛ W + bias) for x, W, bias in [−1, 1], into a NaN-filled y. A sum of Cin·9 + 1 products of at most 1, as a GEMM's.</summary>
    public CheckResult Conv2dForward(int batch, Conv2dGeometry g, Backend.Activation activation)
    {
        var x = Uniform(batch * g.Inputs, -1, 1);
        var w = Uniform(g.WeightLength, -1, 1);
        var bias = Uniform(g.OutChannels, -1, 1);
        using var tx = Upload(x, batch, g.Inputs);
        using var tw = Upload(w, g.OutChannels, g.InChannels, 3, 3);
        using var tb = Upload(bias, g.OutChannels);
        using var ty = Upload(Nans(batch * g.Outputs), batch, g.Outputs);
        backend.Conv2d.Forward(g, tx, tw, tb, activation, ty);
        var expected = Conv2dReference.Forward(g, batch, ToDouble(x), ToDouble(w), ToDouble(bias), activation);
        return Compare($"conv2d forward {Name(activation)}", Conv2dSize(batch, g), Download(ty), expected, 4e-7 * (g.InChannels * 9 + 8));
    }

    /// <summary>dx = (dy ⊛ᵀ W) ⊙ act′ through activation outputs, dy and W in [−1, 1], into a NaN-filled dx. A sum of Cout·9 products.</summary>
    public CheckResult Conv2dInputGradient(int batch, Conv2dGeometry g, Backend.Activation inputActivation)
    {
        var dy = Uniform(batch * g.Outputs, -1, 1);
        var w = Uniform(g.WeightLength, -1, 1);
        var input = ActivationOutputs(inputActivation, batch * g.Inputs);
        using var tdy = Upload(dy, batch, g.Outputs);
        using var tw = Upload(w, g.OutChannels, g.InChannels, 3, 3);
        using var tin = Upload(input, batch, g.Inputs);
        using var tdx = Upload(Nans(batch * g.Inputs), batch, g.Inputs);
        backend.Conv2d.InputGradient(g, tdy, tw, tin, inputActivation, tdx);
        var expected = Conv2dReference.InputGradient(g, batch, ToDouble(dy), ToDouble(w), ToDouble(input), inputActivation);
        return Compare($"conv2d input gradient {Name(inputActivation)}", Conv2dSize(batch, g), Download(tdx), expected, 4e-7 * (g.OutChannels * 9 + 8));
    }

    /// <summary>
    /// ∂W and ∂bias from dy, x in [−1, 1]: one over NaNs at beta 0, the other added at beta 1 onto old values in [−1, 1]
    /// (<paramref name="weightsBetaZero"/> picks which). Sums of b·H·W products, as a GEMM's over that K.
    /// </summary>
    public CheckResult Conv2dParameterGradients(int batch, Conv2dGeometry g, bool weightsBetaZero)
    {
        var dy = Uniform(batch * g.Outputs, -1, 1);
        var x = Uniform(batch * g.Inputs, -1, 1);
        var oldW = weightsBetaZero ? Nans(g.WeightLength) : Uniform(g.WeightLength, -1, 1);
        var oldB = weightsBetaZero ? Uniform(g.OutChannels, -1, 1) : Nans(g.OutChannels);
        var (betaW, betaB) = weightsBetaZero ? (0f, 1f) : (1f, 0f);
        using var tdy = Upload(dy, batch, g.Outputs);
        using var tx = Upload(x, batch, g.Inputs);
        using var tdw = Upload(oldW, g.OutChannels, g.InChannels, 3, 3);
        using var tdb = Upload(oldB, g.OutChannels);
        backend.Conv2d.ParameterGradients(g, tdy, tx, tdw, betaW, tdb, betaB);
        var (dw, db) = Conv2dReference.ParameterGradients(g, batch, ToDouble(dy), ToDouble(x), ToDouble(oldW), betaW, ToDouble(oldB), betaB);
        var atol = 4e-7 * (batch * g.Pixels + 8);
        var size = $"{Conv2dSize(batch, g)} beta W={betaW} b={betaB}";
        return Worst(Compare("conv2d parameter gradients", size, Download(tdw), dw, atol), Compare("conv2d parameter gradients", size, Download(tdb), db, atol));
    }

    private static string Conv2dSize(int batch, Conv2dGeometry g) => $"b={batch} {g}";

    private static string Name(Backend.Activation activation) => activation.ToString().ToLowerInvariant();
}
