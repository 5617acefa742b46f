namespace ILGPUAE.Convolution;

using ILGPUAE.Activation;
using ILGPUAE.Backend;

/// <summary>
/// Reference for <see cref="IConv2d"/>, in double, written straight from the definitions (zero padding as a bounds test): what
/// every backend's kernels are checked against. Images are rows of [b, C·H·W] in NCHW order; W is [out, in, 3, 3].
/// </summary>
public static class Conv2dReference
{
    /// <summary>y [b, Outputs] = act(x ⊛ W + bias) for x [b, Inputs].</summary>
    public static double[] Forward(Conv2dGeometry g, int batch, ReadOnlySpan<double> x, ReadOnlySpan<double> weights, ReadOnlySpan<double> bias,
        Backend.Activation activation)
    {
        var act = Activations.Of(activation);
        var (hs, ws) = (g.Height, g.Width);
        var y = new double[batch * g.Outputs];
        for (var b = 0; b < batch; b++)
            for (var o = 0; o < g.OutChannels; o++)
                for (var h = 0; h < hs; h++)
                    for (var w = 0; w < ws; w++)
                    {
                        var sum = bias[o];
                        for (var c = 0; c < g.InChannels; c++)
                            for (var i = 0; i < 3; i++)
                                for (var j = 0; j < 3; j++)
                                {
                                    var (hi, wj) = (h + i - 1, w + j - 1);
                                    if (hi >= 0 && hi < hs && wj >= 0 && wj < ws)
                                        sum += weights[((o * g.InChannels + c) * 3 + i) * 3 + j] * x[b * g.Inputs + (c * hs + hi) * ws + wj];
                                }
                        y[b * g.Outputs + (o * hs + h) * ws + w] = act.ApplyReference(sum);
                    }
        return y;
    }

    /// <summary>dx [b, Inputs] = (dy ⊛ᵀ W) ⊙ act′ written through input [b, Inputs], for dy [b, Outputs].</summary>
    public static double[] InputGradient(Conv2dGeometry g, int batch, ReadOnlySpan<double> dy, ReadOnlySpan<double> weights, ReadOnlySpan<double> input,
        Backend.Activation inputActivation)
    {
        var act = Activations.Of(inputActivation);
        var (hs, ws) = (g.Height, g.Width);
        var dx = new double[batch * g.Inputs];
        for (var b = 0; b < batch; b++)
            for (var c = 0; c < g.InChannels; c++)
                for (var h = 0; h < hs; h++)
                    for (var w = 0; w < ws; w++)
                    {
                        double sum = 0;
                        for (var o = 0; o < g.OutChannels; o++)
                            for (var i = 0; i < 3; i++)
                                for (var j = 0; j < 3; j++)
                                {
                                    // Output (h − i + 1, w − j + 1) read this input through tap (i, j).
                                    var (ho, wo) = (h - i + 1, w - j + 1);
                                    if (ho >= 0 && ho < hs && wo >= 0 && wo < ws)
                                        sum += weights[((o * g.InChannels + c) * 3 + i) * 3 + j] * dy[b * g.Outputs + (o * hs + ho) * ws + wo];
                                }
                        var at = b * g.Inputs + (c * hs + h) * ws + w;
                        dx[at] = sum * act.DerivativeFromOutputReference(input[at]);
                    }
        return dx;
    }

    /// <summary>
    /// (weightsGrad [out, in, 3, 3], biasGrad [out]) = (Σ_b dy ⋆ x + weightsBeta·oldWeightsGrad, Σ_b Σ_{h,w} dy + biasBeta·oldBiasGrad),
    /// the old values unread where their beta is 0.
    /// </summary>
    public static (double[] WeightsGrad, double[] BiasGrad) ParameterGradients(Conv2dGeometry g, int batch, ReadOnlySpan<double> dy, ReadOnlySpan<double> x,
        ReadOnlySpan<double> oldWeightsGrad, double weightsBeta, ReadOnlySpan<double> oldBiasGrad, double biasBeta)
    {
        var (hs, ws) = (g.Height, g.Width);
        var dw = new double[g.WeightLength];
        var db = new double[g.OutChannels];
        for (var o = 0; o < g.OutChannels; o++)
        {
            for (var c = 0; c < g.InChannels; c++)
                for (var i = 0; i < 3; i++)
                    for (var j = 0; j < 3; j++)
                    {
                        var k = ((o * g.InChannels + c) * 3 + i) * 3 + j;
                        double sum = 0;
                        for (var b = 0; b < batch; b++)
                            for (var h = 0; h < hs; h++)
                                for (var w = 0; w < ws; w++)
                                {
                                    var (hi, wj) = (h + i - 1, w + j - 1);
                                    if (hi >= 0 && hi < hs && wj >= 0 && wj < ws)
                                        sum += dy[b * g.Outputs + (o * hs + h) * ws + w] * x[b * g.Inputs + (c * hs + hi) * ws + wj];
                                }
                        dw[k] = sum + (weightsBeta == 0 ? 0 : weightsBeta * oldWeightsGrad[k]);
                    }
            double bs = 0;
            for (var b = 0; b < batch; b++)
                for (var p = 0; p < g.Pixels; p++)
                    bs += dy[b * g.Outputs + o * g.Pixels + p];
            db[o] = bs + (biasBeta == 0 ? 0 : biasBeta * oldBiasGrad[o]);
        }
        return (dw, db);
    }
}
