namespace ILGPUAE.Tests.Kernels;

using System.Runtime.Intrinsics;
using ILGPUAE.Activation;
using ILGPUAE.Backend;

/// <summary>
/// Each activation struct on its own: the double reference's derivative against central finite differences of the
/// reference's function, then the float function, derivative and backward product (scalar and Vector512) against the
/// reference. The kernels that apply them are checked in <see cref="KernelReferenceTests"/> (GEMM epilogues, on every
/// backend) and <see cref="GemmVariantTests"/> (every GEMM variant).
/// </summary>
public sealed class ActivationTests
{
    public static TheoryData<Activation> All => new(Activations.All);

    /// <summary>
    /// Pre-activations over [−12, 12] in steps of 1/64 offset by 1/256 (exact in float, so float and double see the same a,
    /// and none is ReLU's kink), the values either side of tanh's switch from series to exponential, and a few near 0.
    /// </summary>
    private static readonly float[] Inputs =
    [
        .. Enumerable.Range(-768, 1537).Select(i => i / 64f + 1f / 256f),
        0.124999f, 0.125f, 0.125001f, -0.124999f, -0.125f, -0.125001f, 1e-6f, -1e-6f, 3e-3f, -3e-3f,
    ];

    [Theory]
    [MemberData(nameof(All))]
    public void TheStructIsTheOneItsValueNames(Activation activation) =>
        Assert.Equal(activation, Activations.Of(activation).Kind);

    /// <summary>act′(a) through y = act(a) equals (act(a + h) − act(a − h)) / 2h of the reference: the derivative that backward passes use is the function's.</summary>
    [Theory]
    [MemberData(nameof(All))]
    public void TheReferenceDerivativeMatchesFiniteDifferences(Activation activation)
    {
        var act = Activations.Of(activation);
        const double h = 1e-5;
        // ReLU has no derivative at 0: points within 10⁻³ of it (100 h) are left out.
        foreach (var a in Inputs.Where(v => Math.Abs(v) >= 1e-3f).Select(v => (double)v))
        {
            var numeric = (act.ApplyReference(a + h) - act.ApplyReference(a - h)) / (2 * h);
            var analytic = act.DerivativeFromOutputReference(act.ApplyReference(a));
            // Central differences err by h²·act‴/6 plus rounding of about 10⁻¹⁶/h.
            Assert.True(Math.Abs(numeric - analytic) <= 1e-8, $"{activation} at a = {a}: finite differences {numeric}, derivative through the output {analytic}");
        }
    }

    [Theory]
    [MemberData(nameof(All))]
    public void TheFloatFunctionMatchesTheReference(Activation activation)
    {
        var act = Activations.Of(activation);
        foreach (var a in Inputs)
            AssertClose(activation, "act", a, act.Apply(a), act.ApplyReference(a), FunctionTolerance);
    }

    /// <summary>The float derivative and the backward product at the float outputs y = act(a), against the reference at the same y.</summary>
    [Theory]
    [MemberData(nameof(All))]
    public void TheFloatDerivativeAndBackwardMatchTheReference(Activation activation)
    {
        var act = Activations.Of(activation);
        foreach (var a in Inputs)
        {
            var y = act.Apply(a);
            var derivative = act.DerivativeFromOutputReference(y);
            AssertClose(activation, "act′", a, act.DerivativeFromOutput(y), derivative, DerivativeTolerance);
            // A gradient of either sign and a magnitude that is not a power of two, so the product rounds.
            var gradient = -0.7f + a / 13f;
            AssertClose(activation, "backward", a, act.Backward(gradient, y), gradient * derivative, DerivativeTolerance);
        }
    }

    /// <summary>The host's 16-lane forms: each lane against the reference, as the scalar forms are.</summary>
    [Theory]
    [MemberData(nameof(All))]
    public void TheVectorFormsMatchTheReference(Activation activation)
    {
        var act = Activations.Of(activation);
        var padded = Inputs.Concat(new float[(16 - Inputs.Length % 16) % 16]).ToArray();
        for (var i = 0; i < padded.Length; i += 16)
        {
            var a = Vector512.Create(padded, i);
            var y = act.Apply(a);
            var gradient = Vector512.Create(-0.7f) + a / Vector512.Create(13f);
            var backward = act.Backward(gradient, y);
            for (var lane = 0; lane < 16; lane++)
            {
                AssertClose(activation, "act (Vector512)", a[lane], y[lane], act.ApplyReference(a[lane]), FunctionTolerance);
                AssertClose(activation, "backward (Vector512)", a[lane], backward[lane], gradient[lane] * act.DerivativeFromOutputReference(y[lane]),
                    DerivativeTolerance);
            }
        }
    }

    /// <summary>The sigmoid struct is the kernels' sigmoid, bit for bit, in both its forward and its backward order.</summary>
    [Fact]
    public void TheSigmoidStructKeepsTheKernelsArithmetic()
    {
        foreach (var a in Inputs)
        {
            Assert.Equal(BitConverter.SingleToInt32Bits(ActivationKernels.Sigmoid(a)), BitConverter.SingleToInt32Bits(default(Sigmoid).Apply(a)));
            var (g, y) = (a / 7f, ActivationKernels.Sigmoid(a));
            Assert.Equal(BitConverter.SingleToInt32Bits(g * y * (1f - y)), BitConverter.SingleToInt32Bits(default(Sigmoid).Backward(g, y)));
        }
    }

    [Fact]
    public void ANaNInputStaysNaN()
    {
        foreach (var activation in Activations.All)
        {
            Assert.True(float.IsNaN(Activations.Of(activation).Apply(float.NaN)), $"{activation}");
            Assert.True(float.IsNaN(Activations.Of(activation).Apply(Vector512.Create(float.NaN))[0]), $"{activation} (Vector512)");
        }
    }

    /// <summary>
    /// The function to a few float roundings of its value, however small: |float − reference| ≤ 10⁻⁶·|reference| + 10⁻¹²
    /// (tanh's exponential form loses up to 3 bits just past 1/8, the sigmoid's 1/(1 + e^−a) a bit or two).
    /// </summary>
    private const double FunctionTolerance = 1e-12;

    /// <summary>
    /// Derivatives to a few roundings of 1: 1 − y² cancels as tanh's y nears ±1, where y·y's rounding (≤ 2⁻²⁴) is all
    /// that is left, so the absolute part is 10⁻⁷.
    /// </summary>
    private const double DerivativeTolerance = 1e-7;

    private static void AssertClose(Activation activation, string what, float a, float actual, double expected, double absoluteTolerance) =>
        Assert.True(Math.Abs(actual - expected) <= 1e-6 * Math.Abs(expected) + absoluteTolerance,
            $"{activation} {what} at a = {a}: {actual}, reference {expected}");
}
