namespace ILGPUAE.Tests.Optimizers;

using ILGPUAE.Optimizer;

/// <summary>
/// Each double reference against PyTorch's documented algorithm (<see cref="TorchDocumented"/>) over the fixed sequence of
/// gradients, step by step. Both are double and differ only in the order of operations (e.g. Adam's lr/(1 − β1ᵗ)·m against
/// m̂ = m/(1 − β1ᵗ)), so they must agree to |ref − doc| ≤ 1e-12 + 1e-12·|doc|.
/// </summary>
public sealed class OptimizerReferenceTests
{
    private const double Atol = 1e-12, Rtol = 1e-12;

    [Theory]
    [MemberData(nameof(RuleCases.Names), MemberType = typeof(RuleCases))]
    public void ReferenceFollowsTorchDocumentation(string name)
    {
        var rule = RuleCases.Named(name);
        const int n = 11;
        var grads = RuleCases.Gradients(n);
        var documented = rule.Documented(RuleCases.InitialParameters(n), grads);
        var param = RuleCases.InitialParameters(n);
        var state = Enumerable.Range(0, rule.StateCount).Select(_ => new double[n]).ToArray();
        for (var t = 1; t <= grads.Length; t++)
        {
            rule.Reference(param, grads[t - 1], state, t);
            for (var i = 0; i < n; i++)
                Assert.True(Math.Abs(param[i] - documented[t - 1][i]) <= Atol + Rtol * Math.Abs(documented[t - 1][i]),
                    $"{name} step {t} element {i}: reference {param[i]:R}, documented {documented[t - 1][i]:R}");
        }
        // The rule moved the parameters: a reference that did nothing would not pass for free.
        Assert.True(param.Zip(RuleCases.InitialParameters(n)).Max(p => Math.Abs(p.First - p.Second)) > 1e-3);
    }

    [Fact]
    public void FirstSgdStepSetsTheBufferToTheGradientWithoutDampening()
    {
        // PyTorch: buf = clone(d) on the first step, not μ·0 + (1 − τ)·d: with τ = 0.5 the two differ by half.
        var param = new double[] { 1.0 };
        var buf = new double[1];
        OptimizerReference.Sgd(param, [2.0], buf, new Backend.SgdSettings(0.1f, Momentum: 0.9f, Dampening: 0.5f), step: 1);
        Assert.Equal(2.0, buf[0]);
        OptimizerReference.Sgd(param, [2.0], buf, new Backend.SgdSettings(0.1f, Momentum: 0.9f, Dampening: 0.5f), step: 2);
        Assert.Equal(0.9f * 2.0 + 0.5 * 2.0, buf[0], 12);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(3.0)]
    public void ClipReferenceFollowsTorchDocumentation(double limitOverNorm)
    {
        double[][] grads = [[3, -4, 0.5], [1.25], [-2, 0, 7, 0.125]];
        var norm = Math.Sqrt(grads.Sum(g => g.Sum(v => v * v)));
        var maxNorm = (float)(limitOverNorm * norm);
        var documented = grads.Select(g => (double[])g.Clone()).ToArray();
        var documentedNorm = TorchDocumented.ClipGradNorm(documented, maxNorm);
        var reference = grads.Select(g => (double[])g.Clone()).ToArray();
        var referenceNorm = OptimizerReference.ClipGradNorm(reference, maxNorm);
        Assert.Equal(documentedNorm, referenceNorm, 12);
        for (var k = 0; k < grads.Length; k++)
            for (var i = 0; i < grads[k].Length; i++)
                Assert.Equal(documented[k][i], reference[k][i], 9);
        // Above the limit the clipped norm is max_norm (to 1e-6 / norm); below it nothing moves.
        var clippedNorm = Math.Sqrt(reference.Sum(g => g.Sum(v => v * v)));
        Assert.Equal(Math.Min(norm, maxNorm), clippedNorm, 5);
    }
}
