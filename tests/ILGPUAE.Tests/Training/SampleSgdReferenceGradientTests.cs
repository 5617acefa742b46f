namespace ILGPUAE.Tests.Training;

using ILGPUAE.Backend;
using ILGPUAE.Corruption;
using ILGPUAE.Models;
using ILGPUAE.Random;
using ILGPUAE.SampleSgd;
using ILGPUAE.Tests.Models;

/// <summary>
/// <see cref="SampleSgdReference"/>, the reference every SampleSgd kernel is checked against (KernelChecks' "sample sgd"
/// families), against central finite differences of its own loss, in double. One step of per-sample SGD moves θ to
/// θ − η·∇L, so at η = 1 the step's gradient is θ − θ′ (exact to an ulp of θ); the loss at θ is what the reference reports
/// with η = 0, which leaves θ alone. Each example is checked at the weights the previous ones left, masked as the
/// kernels mask it, and the loss itself against the independent double models (<see cref="ReferenceDae"/>,
/// <see cref="ClassifierReference"/>, each checked against finite differences elsewhere).
/// </summary>
public sealed class SampleSgdReferenceGradientTests
{
    private const ulong Seed = 31;
    private static readonly int[] Indices = [4, 0, 11, 4];

    // Central differences with h = 1e-4 in double: truncation h²·|L‴|/6 and rounding ε·|L|/h stay near 1e-10 at these
    // sizes, far inside 1e-8 + 1e-6·|g|; a wrong term of the gradient (a missing factor, the untied half) is off by more.
    private const double Step = 1e-4, AbsoluteTolerance = 1e-8, RelativeTolerance = 1e-6;

    public static TheoryData<LossKind> Losses => new(LossKind.SquaredError, LossKind.CrossEntropy);

    [Theory]
    [MemberData(nameof(Losses))]
    public void TiedDaeStepsAreGradientStepsOfTheirLoss(LossKind loss)
    {
        const int visible = 13, hidden = 7;
        const float corruption = 0.3f;
        var data = Closeness.ToDouble(Synthetic.Pixels(12, visible, Seed));
        var noise = new NoiseKey(Seed, RngStream.Mask, 2);
        double[][] theta =
        [
            Closeness.ToDouble(TiedAutoencoder.InitialWeights(visible, hidden, Seed)),
            Closeness.ToDouble(Synthetic.Uniform(hidden, 0.5, Seed, 1)),
            Closeness.ToDouble(Synthetic.Uniform(visible, 0.5, Seed, 2)),
        ];
        var start = theta.Select(t => (double[])t.Clone()).ToArray();

        double Loss(double[][] at, int index)
        {
            var losses = new double[1];
            SampleSgdReference.TiedDae(visible, hidden, (double[])at[0].Clone(), (double[])at[1].Clone(), (double[])at[2].Clone(), data, [index],
                noise, corruption, loss, learningRate: 0, losses);
            return losses[0];
        }

        foreach (var index in Indices)
        {
            // The loss it reports is the independent model's loss of the same masked example.
            var (clean, corrupted) = ReferenceDae.Batch(data, visible, [index], noise, corruption);
            var independent = ReferenceDae.Loss(loss, clean, ReferenceDae.Forward(new DaeParameters(visible, hidden, theta[0], theta[1], theta[2]), corrupted).Z);
            Assert.Equal(independent, Loss(theta, index), 12);

            var numeric = FiniteDifferences(theta, at => Loss(at, index));
            var next = theta.Select(t => (double[])t.Clone()).ToArray();
            SampleSgdReference.TiedDae(visible, hidden, next[0], next[1], next[2], data, [index], noise, corruption, loss, learningRate: 1, new double[1]);
            AssertStepIsGradient($"{loss}, example {index}", ["W", "b_hidden", "b_visible"], theta, next, numeric);
            theta = next;
        }

        // The steps above, one call each, are what one call over the whole order does: it carries the weights along.
        var together = start.Select(t => (double[])t.Clone()).ToArray();
        SampleSgdReference.TiedDae(visible, hidden, together[0], together[1], together[2], data, Indices, noise, corruption, loss, learningRate: 1,
            new double[Indices.Length]);
        for (var i = 0; i < theta.Length; i++)
            Assert.Equal(theta[i], together[i]);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void ClassifierStepsAreGradientStepsOfTheirLoss(int firstTrained)
    {
        // 13 → 7 → 5 sigmoid layers, softmax over 4 classes; inputs masked at 0.3 by the FinetuneMask stream.
        var architecture = new ClassifierArchitecture(13, [7], [5], 4);
        const float corruption = 0.3f;
        var data = Closeness.ToDouble(Synthetic.Pixels(12, architecture.Inputs, Seed));
        int[] labels = [2, 0, 3, 1];
        var noise = new NoiseKey(Seed, RngStream.FinetuneMask, 5);
        var reference = ClassifierReference.Random(architecture, seed: 3);
        // θ as [W0, b0, W1, b1, W2, b2].
        var theta = Enumerable.Range(0, architecture.LayerCount).SelectMany(l => new[] { reference.Weights[l], reference.Biases[l] })
            .Select(t => (double[])t.Clone()).ToArray();
        var names = Enumerable.Range(0, architecture.LayerCount).SelectMany(l => new[] { architecture.WeightName(l), architecture.BiasName(l) }).ToArray();

        SampleSgdReference.Layer[] Layers(double[][] at) =>
            Enumerable.Range(0, architecture.LayerCount)
                .Select(l => new SampleSgdReference.Layer(architecture.InputsOf(l), architecture.OutputsOf(l), at[2 * l], at[2 * l + 1])).ToArray();

        double Loss(double[][] at, int index, int label)
        {
            var losses = new double[1];
            var copy = at.Select(t => (double[])t.Clone()).ToArray();
            SampleSgdReference.Classifier(Layers(copy), firstTrained, data, [index], [label], noise, corruption, learningRate: 0, losses);
            return losses[0];
        }

        for (var s = 0; s < Indices.Length; s++)
        {
            var (index, label) = (Indices[s], labels[s]);
            var masked = new double[architecture.Inputs];
            CorruptionReference.Mask(1, architecture.Inputs, data.AsSpan(index * architecture.Inputs, architecture.Inputs), [index], noise, corruption, masked);
            var independent = new ClassifierReference(architecture,
                Enumerable.Range(0, architecture.LayerCount).Select(l => theta[2 * l]).ToArray(),
                Enumerable.Range(0, architecture.LayerCount).Select(l => theta[2 * l + 1]).ToArray()).MeanLoss(masked, [label]);
            Assert.Equal(independent, Loss(theta, index, label), 12);

            var numeric = FiniteDifferences(theta, at => Loss(at, index, label));
            var next = theta.Select(t => (double[])t.Clone()).ToArray();
            SampleSgdReference.Classifier(Layers(next), firstTrained, data, [index], [label], noise, corruption, learningRate: 1, new double[1]);
            for (var i = 0; i < 2 * firstTrained; i++)
            {
                // Frozen: untouched, though the loss does depend on it (a freeze, not a zero gradient).
                Assert.Equal(theta[i], next[i]);
                Assert.True(numeric[i].Max(Math.Abs) > 1e3 * AbsoluteTolerance, $"{names[i]}'s gradient is ≈ 0; freezing it would prove nothing");
            }
            AssertStepIsGradient($"frozen<{firstTrained}, example {index}", names[(2 * firstTrained)..], theta[(2 * firstTrained)..],
                next[(2 * firstTrained)..], numeric[(2 * firstTrained)..]);
            theta = next;
        }
    }

    /// <summary>θ − θ′ (a unit step's gradient) against the finite differences, and not vacuously: the gradient is far from 0.</summary>
    private static void AssertStepIsGradient(string what, string[] names, double[][] before, double[][] after, double[][] numeric)
    {
        for (var i = 0; i < before.Length; i++)
        {
            var analytic = before[i].Zip(after[i], (b, a) => b - a).ToArray();
            Closeness.Assert($"{what}: ∂L/∂{names[i]}", numeric[i], analytic, AbsoluteTolerance, RelativeTolerance);
        }
        Assert.True(numeric.Max(g => g.Max(Math.Abs)) > 1e4 * AbsoluteTolerance, $"{what}: the gradient is ≈ 0");
    }

    /// <summary>(L(θ + h) − L(θ − h)) / 2h for every element of every tensor of θ.</summary>
    private static double[][] FiniteDifferences(double[][] theta, Func<double[][], double> loss)
    {
        var result = new double[theta.Length][];
        for (var i = 0; i < theta.Length; i++)
        {
            result[i] = new double[theta[i].Length];
            for (var e = 0; e < theta[i].Length; e++)
            {
                var saved = theta[i][e];
                theta[i][e] = saved + Step;
                var plus = loss(theta);
                theta[i][e] = saved - Step;
                var minus = loss(theta);
                theta[i][e] = saved;
                result[i][e] = (plus - minus) / (2 * Step);
            }
        }
        return result;
    }
}
