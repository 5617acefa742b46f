namespace ILGPUAE.Tests.Training.Anamo;

using ILGPUAE.Backend;
using ILGPUAE.Optimizer;
using ILGPUAE.Training.Anamo;

/// <summary>
/// ANAMO's autoencoder in double, written out by hand: a = W_e·x + b_e, h = σ(a), z = W_d·h + b_d, x̂ = σ(z); each example's loss
/// ½‖x − x̂‖² + λ‖h‖₁, a minibatch's objective their mean. Its gradient is derived on paper (δz = (x̂ − x)⊙x̂(1 − x̂)/B,
/// δh = W_dᵀδz + λ/B·sign h, δa = δh⊙h(1 − h)), checked against central differences of <see cref="Objective"/>; its
/// <see cref="OuterIteration"/> is the algorithm: per minibatch, FISTA on the encoder then on the decoder
/// (<see cref="OptimizerReference.Fista"/>), each loop restarted and ending at its last iterate.
/// </summary>
/// <param name="epsilon">The binary encoder's smooth step of this width in place of the sigmoid (<see cref="Delta.DeltaReference.SmoothStep"/>).</param>
internal sealed class AnamoReference(int visible, int hidden, double lambda, double? epsilon = null)
{
    public double[] We = new double[hidden * visible], Be = new double[hidden], Wd = new double[visible * hidden], Bd = new double[visible];

    /// <summary>The parameters in <see cref="AnamoNetwork"/>'s order: enc.W [hidden, visible], enc.b, dec.W [visible, hidden], dec.b.</summary>
    public double[][] Parameters => [We, Be, Wd, Bd];

    private static double Sigmoid(double a) => 1 / (1 + Math.Exp(-a));

    /// <summary>The encoder's activation and its derivative at pre-activation a (given its value h).</summary>
    private double Encode(double a) => epsilon is { } e ? Delta.DeltaReference.SmoothStep(a, e) : Sigmoid(a);

    private double EncodeSlope(double a, double h) => epsilon is { } e ? Delta.DeltaReference.SmoothStepSlope(a, e) : h * (1 - h);

    private (double[] H, double[] Y) Forward(ReadOnlySpan<float> x) => Forward(x, out _);

    private (double[] H, double[] Y) Forward(ReadOnlySpan<float> x, out double[] pre)
    {
        var h = new double[hidden];
        pre = new double[hidden];
        for (var j = 0; j < hidden; j++)
        {
            var a = Be[j];
            for (var i = 0; i < visible; i++)
                a += We[j * visible + i] * x[i];
            pre[j] = a;
            h[j] = Encode(a);
        }
        var y = new double[visible];
        for (var i = 0; i < visible; i++)
        {
            var z = Bd[i];
            for (var j = 0; j < hidden; j++)
                z += Wd[i * hidden + j] * h[j];
            y[i] = Sigmoid(z);
        }
        return (h, y);
    }

    /// <summary>Each example's ½‖x − x̂‖² + λ‖h‖₁ for <paramref name="rows"/> of <paramref name="data"/> [N, visible].</summary>
    public double[] Losses(float[] data, IReadOnlyList<int> rows) =>
        [.. rows.Select(r =>
        {
            var x = data.AsSpan(r * visible, visible);
            var (h, y) = Forward(x);
            var loss = 0.0;
            for (var i = 0; i < visible; i++)
                loss += 0.5 * (x[i] - y[i]) * (x[i] - y[i]);
            return loss + lambda * h.Sum(Math.Abs);
        })];

    public double Objective(float[] data, IReadOnlyList<int> rows) => Losses(data, rows).Average();

    /// <summary>∂<see cref="Objective"/>/∂θ for the four parameters, in <see cref="Parameters"/>' order.</summary>
    public double[][] Gradient(float[] data, IReadOnlyList<int> rows)
    {
        double[][] g = [new double[We.Length], new double[Be.Length], new double[Wd.Length], new double[Bd.Length]];
        var b = rows.Count;
        foreach (var r in rows)
        {
            var x = data.AsSpan(r * visible, visible);
            var (h, y) = Forward(x, out var pre);
            var dz = new double[visible];
            for (var i = 0; i < visible; i++)
                dz[i] = (y[i] - x[i]) * y[i] * (1 - y[i]) / b;
            var dh = new double[hidden];
            for (var j = 0; j < hidden; j++)
            {
                dh[j] = lambda / b * Math.Sign(h[j]);
                for (var i = 0; i < visible; i++)
                {
                    dh[j] += Wd[i * hidden + j] * dz[i];
                    g[2][i * hidden + j] += dz[i] * h[j];
                }
            }
            for (var i = 0; i < visible; i++)
                g[3][i] += dz[i];
            for (var j = 0; j < hidden; j++)
            {
                var da = dh[j] * EncodeSlope(pre[j], h[j]);
                g[1][j] += da;
                for (var i = 0; i < visible; i++)
                    g[0][j * visible + i] += da * x[i];
            }
        }
        return g;
    }

    /// <summary>
    /// One outer iteration over <paramref name="order"/> in minibatches of <paramref name="batch"/>: per minibatch, the encoder's
    /// loop of FISTA iterations (step e, L1 λ_w on enc.W by its prox) with the decoder fixed, then the decoder's loop (step d, no
    /// prox: Nesterov) with the encoder fixed.
    /// </summary>
    public void OuterIteration(float[] data, int[] order, int batch, InnerBlock encoder, InnerBlock decoder)
    {
        for (var start = 0; start < order.Length; start += batch)
        {
            var rows = order[start..Math.Min(order.Length, start + batch)];
            Loop(data, rows, encoder, [0, 1]);
            Loop(data, rows, decoder, [2, 3]);
        }
    }

    private void Loop(float[] data, int[] rows, InnerBlock block, int[] which)
    {
        var previous = which.Select(p => new double[Parameters[p].Length]).ToArray();
        for (var k = 1; k <= block.Iterations; k++)
        {
            var g = Gradient(data, rows);
            for (var n = 0; n < which.Length; n++)
            {
                // The L1 penalty on weights applies to W (parameter 0 or 2), never to a bias.
                var l1 = which[n] % 2 == 0 ? block.WeightL1 : 0f;
                OptimizerReference.Fista(Parameters[which[n]], g[which[n]], previous[n], new FistaSettings(block.Step, l1, Last: k == block.Iterations), k);
            }
        }
    }
}
