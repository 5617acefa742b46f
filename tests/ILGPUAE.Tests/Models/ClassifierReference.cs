namespace ILGPUAE.Tests.Models;

using ILGPUAE.Activation;
using ILGPUAE.Backend;
using ILGPUAE.MatVec;
using ILGPUAE.Models;
using ILGPUAE.Softmax;

/// <summary>
/// A <see cref="FeedForwardClassifier"/> in double, built from the kernel references: the trusted side of
/// the gradient checks. Weights[l] is [out, in] and Biases[l] is [out], as the model stores them.
/// </summary>
internal sealed class ClassifierReference(ClassifierArchitecture architecture, double[][] weights, double[][] biases)
{
    public double[][] Weights { get; } = weights;
    public double[][] Biases { get; } = biases;

    /// <summary>Random parameters in [−1, 1] (the softmax layer too, so every gradient term is exercised).</summary>
    public static ClassifierReference Random(ClassifierArchitecture architecture, int seed)
    {
        var random = new System.Random(seed);
        var n = architecture.LayerCount;
        double[] Draw(int count) => Enumerable.Range(0, count).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        var w = Enumerable.Range(0, n).Select(l => Draw(architecture.OutputsOf(l) * architecture.InputsOf(l))).ToArray();
        var b = Enumerable.Range(0, n).Select(l => Draw(architecture.OutputsOf(l))).ToArray();
        return new ClassifierReference(architecture, w, b);
    }

    /// <summary>The layer outputs for x [m, inputs]; the last is the softmax.</summary>
    public double[][] Forward(double[] x, int m)
    {
        var outputs = new double[architecture.LayerCount][];
        var input = x;
        for (var l = 0; l < outputs.Length; l++)
        {
            int n = architecture.OutputsOf(l), k = architecture.InputsOf(l);
            var a = new double[m * n];
            GemmReference.Gemm(Transpose.None, Transpose.Transposed, m, n, k, 1, input, Weights[l], 0, a);
            if (l < outputs.Length - 1)
                ActivationReference.BiasActivate(m, n, a, Biases[l], Activation.Sigmoid);
            else
                SoftmaxReference.BiasSoftmax(m, n, a, Biases[l]);
            outputs[l] = a;
            input = a;
        }
        return outputs;
    }

    public double MeanLoss(double[] x, int[] labels)
    {
        var z = Forward(x, labels.Length)[^1];
        var c = architecture.Classes;
        return Enumerable.Range(0, labels.Length).Average(i => SoftmaxReference.Loss(z.AsSpan(i * c, c), labels[i]));
    }

    /// <summary>∂(mean loss)/∂W and ∂/∂b of every layer, by back-propagation.</summary>
    public (double[][] Weights, double[][] Biases) Gradients(double[] x, int[] labels)
    {
        var m = labels.Length;
        var outputs = Forward(x, m);
        var last = architecture.LayerCount - 1;
        var gw = new double[last + 1][];
        var gb = new double[last + 1][];
        var delta = new double[m * architecture.Classes];
        SoftmaxReference.CrossEntropyDelta(m, architecture.Classes, outputs[last], labels, 1.0 / m, delta, new double[m]);
        for (var l = last; l >= 0; l--)
        {
            int n = architecture.OutputsOf(l), k = architecture.InputsOf(l);
            var below = l == 0 ? x : outputs[l - 1];
            gw[l] = new double[n * k];
            gb[l] = new double[n];
            GemmReference.Gemm(Transpose.Transposed, Transpose.None, n, k, m, 1, delta, below, 0, gw[l]);
            GemmReference.ColumnSums(m, n, 1, delta, 0, gb[l]);
            if (l > 0)
            {
                var next = new double[m * k];
                GemmReference.Gemm(Transpose.None, Transpose.None, m, k, n, 1, delta, Weights[l], 0, next);
                ActivationReference.Backward(next, below, Activation.Sigmoid);
                delta = next;
            }
        }
        return (gw, gb);
    }
}
