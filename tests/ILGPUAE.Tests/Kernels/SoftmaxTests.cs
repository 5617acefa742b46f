namespace ILGPUAE.Tests.Kernels;

using ILGPUAE.Backend;
using ILGPUAE.Softmax;
using ILGPUAE.Tests.Host;

/// <summary>The softmax family's reference against calculus, and behaviour every backend must share.</summary>
public abstract class SoftmaxBehaviourTests(IBackend backend)
{
    [Fact]
    public void ALabelOutsideTheClassesGivesANaNLossAndNoOneHotTerm()
    {
        using var z = backend.Allocate<float>(2, 3);
        z.CopyFrom([0.2f, 0.3f, 0.5f, 0.1f, 0.1f, 0.8f]);
        using var labels = backend.Allocate<int>(2);
        labels.CopyFrom([2, 3]);
        using var delta = backend.Allocate<float>(2, 3);
        using var losses = backend.Allocate<float>(2);
        backend.Softmax.CrossEntropyDelta(z, labels, 1f, delta, losses);
        backend.Synchronize();
        var l = losses.ToArray();
        Assert.Equal(-Math.Log(0.5), l[0], 1e-6);
        Assert.True(float.IsNaN(l[1]));
        Assert.Equal([0.2f, 0.3f, -0.5f, 0.1f, 0.1f, 0.8f], delta.ToArray());
    }

    [Fact]
    public void ArgmaxTakesTheFirstOfTiedMaxima()
    {
        using var scores = backend.Allocate<float>(2, 4);
        scores.CopyFrom([0f, 3f, 3f, 1f, -1f, -1f, -1f, -1f]);
        using var labels = backend.Allocate<int>(2);
        labels.CopyFrom([1, 2]);
        using var predictions = backend.Allocate<int>(2);
        using var correct = backend.Allocate<int>(2);
        backend.Softmax.Argmax(scores, labels, predictions, correct);
        backend.Synchronize();
        Assert.Equal([1, 0], predictions.ToArray());
        Assert.Equal([1, 0], correct.ToArray());
    }

    [Fact]
    public void ShapeMismatchesAreRejectedWithTheShapes()
    {
        using var z = backend.Allocate<float>(4, 10);
        using var labels = backend.Allocate<int>(3);
        using var delta = backend.Allocate<float>(4, 10);
        using var losses = backend.Allocate<float>(4);
        var e = Assert.Throws<ArgumentException>(() => backend.Softmax.CrossEntropyDelta(z, labels, 1f, delta, losses));
        Assert.Contains("[3]", e.Message);
        Assert.Contains("[4, 10]", e.Message);
        using var noClasses = backend.Allocate<float>(4, 0);
        using var bias = backend.Allocate<float>(0);
        Assert.Throws<ArgumentException>(() => backend.Softmax.BiasSoftmax(noClasses, bias));
    }
}

[Collection(CpuAcceleratorCollection.Name)]
public sealed class CpuAcceleratorSoftmaxTests(CpuAcceleratorFixture fixture) : SoftmaxBehaviourTests(fixture.Backend);

[Collection(HostCollection.Name)]
public sealed class HostSoftmaxTests(HostFixture fixture) : SoftmaxBehaviourTests(fixture.Backend);

public sealed class SoftmaxReferenceTests
{
    [Theory]
    [InlineData(1, 0)]
    [InlineData(10, 3)]
    [InlineData(10, 9)]
    [InlineData(33, 17)]
    public void TheCrossEntropyDeltaIsTheGradientOfTheLossWithRespectToTheLogits(int classes, int label)
    {
        var random = new System.Random(classes * 100 + label);
        var logits = Enumerable.Range(0, classes).Select(_ => random.NextDouble() * 8 - 4).ToArray();
        var delta = new double[classes];
        SoftmaxReference.CrossEntropyDelta(1, classes, Softmax(logits), [label], 1.0, delta, new double[1]);
        const double h = 1e-5;
        for (var j = 0; j < classes; j++)
        {
            var plus = (double[])logits.Clone();
            var minus = (double[])logits.Clone();
            plus[j] += h;
            minus[j] -= h;
            var numeric = (SoftmaxReference.Loss(Softmax(plus), label) - SoftmaxReference.Loss(Softmax(minus), label)) / (2 * h);
            Assert.Equal(numeric, delta[j], 1e-8);
        }
    }

    [Fact]
    public void SoftmaxOfHugeLogitsStaysFiniteAndSumsToOne()
    {
        double[] x = [1000, 1001, 999, -1000];
        SoftmaxReference.BiasSoftmax(1, 4, x, new double[4]);
        Assert.All(x, v => Assert.True(double.IsFinite(v)));
        Assert.Equal(1.0, x.Sum(), 1e-12);
        Assert.Equal(Math.Exp(1) / (1 + Math.Exp(1) + Math.Exp(-1)), x[1], 1e-12);
    }

    private static double[] Softmax(double[] logits)
    {
        var z = (double[])logits.Clone();
        SoftmaxReference.BiasSoftmax(1, z.Length, z, new double[z.Length]);
        return z;
    }
}
