namespace ILGPUAE.SampleSgd;

using ILGPUAE.Activation;
using ILGPUAE.Backend;
using ILGPUAE.Corruption;
using ILGPUAE.Random;

/// <summary>Reference for <see cref="ISampleSgd"/>: per-sample SGD in double, one example after another.</summary>
public static class SampleSgdReference
{
    private static double Sigmoid(double a) => ActivationReference.Sigmoid(a);

    private static double ClampedLog(double v) => v > 0 ? Math.Max(Math.Log(v), -100) : v == 0 ? -100 : double.NaN;

    /// <summary>W [hidden·visible], b_hidden, b_visible updated in place; data [rows·visible]; losses [indices.Length].</summary>
    public static void TiedDae(int visible, int hidden, double[] w, double[] hiddenBias, double[] visibleBias, double[] data, int[] indices,
        NoiseKey noise, float corruption, LossKind loss, double learningRate, double[] losses)
    {
        var x = new double[visible];
        var corrupted = new double[visible];
        var y = new double[hidden];
        var dz = new double[visible];
        var dy = new double[hidden];
        for (var s = 0; s < indices.Length; s++)
        {
            Array.Copy(data, (long)indices[s] * visible, x, 0, visible);
            CorruptionReference.Mask(1, visible, x, [indices[s]], noise, corruption, corrupted);
            for (var i = 0; i < hidden; i++)
            {
                var a = hiddenBias[i];
                for (var j = 0; j < visible; j++)
                    a += w[i * visible + j] * corrupted[j];
                y[i] = Sigmoid(a);
            }
            double sum = 0;
            for (var j = 0; j < visible; j++)
            {
                var a = visibleBias[j];
                for (var i = 0; i < hidden; i++)
                    a += w[i * visible + j] * y[i];
                var z = Sigmoid(a);
                var d = z - x[j];
                if (loss == LossKind.SquaredError)
                {
                    dz[j] = d * z * (1 - z);
                    sum += 0.5 * d * d;
                }
                else
                {
                    dz[j] = d;
                    sum -= x[j] * ClampedLog(z) + (1 - x[j]) * ClampedLog(1 - z);
                }
            }
            losses[s] = sum;
            for (var i = 0; i < hidden; i++)
            {
                double a = 0;
                for (var j = 0; j < visible; j++)
                    a += w[i * visible + j] * dz[j];
                dy[i] = a * y[i] * (1 - y[i]);
            }
            for (var i = 0; i < hidden; i++)
            {
                for (var j = 0; j < visible; j++)
                    w[i * visible + j] -= learningRate * (dy[i] * corrupted[j] + y[i] * dz[j]);
                hiddenBias[i] -= learningRate * dy[i];
            }
            for (var j = 0; j < visible; j++)
                visibleBias[j] -= learningRate * dz[j];
        }
    }

    /// <summary>One dense layer in double: weights [outputs·inputs] and bias [outputs], updated in place.</summary>
    public sealed record Layer(int Inputs, int Outputs, double[] Weights, double[] Bias);

    /// <summary>
    /// Sigmoid hidden layers, softmax on top, softmax cross-entropy; layers below firstTrained frozen. Each example's
    /// input is masked as <see cref="CorruptionReference.Mask"/> draws it, for the forward and the first layer's update.
    /// </summary>
    public static void Classifier(IReadOnlyList<Layer> layers, int firstTrained, double[] data, int[] indices, int[] labels,
        NoiseKey noise, float corruption, double learningRate, double[] losses)
    {
        var threshold = CounterRng.BernoulliThreshold(corruption);
        var top = layers.Count - 1;
        var activations = new double[layers.Count + 1][];
        activations[0] = new double[layers[0].Inputs];
        for (var l = 0; l < layers.Count; l++)
            activations[l + 1] = new double[layers[l].Outputs];
        var deltas = layers.Select(l => new double[l.Outputs]).ToArray();
        for (var s = 0; s < indices.Length; s++)
        {
            Array.Copy(data, (long)indices[s] * layers[0].Inputs, activations[0], 0, layers[0].Inputs);
            for (var j = 0; j < layers[0].Inputs; j++)
            {
                if (CorruptionReference.IsMasked(noise, threshold, indices[s], j))
                    activations[0][j] = 0;
            }
            for (var l = 0; l <= top; l++)
            {
                var layer = layers[l];
                for (var i = 0; i < layer.Outputs; i++)
                {
                    var a = layer.Bias[i];
                    for (var j = 0; j < layer.Inputs; j++)
                        a += layer.Weights[i * layer.Inputs + j] * activations[l][j];
                    activations[l + 1][i] = l == top ? a : Sigmoid(a);
                }
            }
            var logits = activations[top + 1];
            var max = logits.Max();
            var sum = logits.Sum(v => Math.Exp(v - max));
            var label = labels[s];
            losses[s] = label >= 0 && label < logits.Length ? -ClampedLog(Math.Exp(logits[label] - max) / sum) : double.NaN;
            for (var c = 0; c < logits.Length; c++)
                deltas[top][c] = Math.Exp(logits[c] - max) / sum - (c == label ? 1 : 0);
            for (var l = top; l > firstTrained; l--)
            {
                var layer = layers[l];
                var below = activations[l];
                for (var j = 0; j < layer.Inputs; j++)
                {
                    double a = 0;
                    for (var i = 0; i < layer.Outputs; i++)
                        a += layer.Weights[i * layer.Inputs + j] * deltas[l][i];
                    deltas[l - 1][j] = a * below[j] * (1 - below[j]);
                }
            }
            for (var l = firstTrained; l <= top; l++)
            {
                var layer = layers[l];
                for (var i = 0; i < layer.Outputs; i++)
                {
                    for (var j = 0; j < layer.Inputs; j++)
                        layer.Weights[i * layer.Inputs + j] -= learningRate * deltas[l][i] * activations[l][j];
                    layer.Bias[i] -= learningRate * deltas[l][i];
                }
            }
        }
    }
}
