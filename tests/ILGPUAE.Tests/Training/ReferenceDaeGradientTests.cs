namespace ILGPUAE.Tests.Training;

using ILGPUAE.Backend;
using ILGPUAE.Random;

/// <summary>
/// The reference gradient against central finite differences of the reference loss, in double, at an
/// awkward size with masking; every element of W, b_hidden and b_visible is checked.
/// </summary>
public class ReferenceDaeGradientTests
{
    private const int Visible = 13, Hidden = 7;
    private const ulong Seed = 29;
    private static readonly int[] Indices = [4, 0, 11];

    // Central differences in double with h = 1e-4: truncation h²·|L‴|/6 and rounding ε·|L|/h leave errors
    // of at most 2e-10 here, 1/50 of the tolerance, while a wrong gradient is off by far more.
    private const double Step = 1e-4, AbsoluteTolerance = 1e-8, RelativeTolerance = 1e-6;

    public static TheoryData<LossKind> Losses => new(LossKind.SquaredError, LossKind.CrossEntropy);

    [Theory]
    [MemberData(nameof(Losses))]
    public void AnalyticGradientMatchesFiniteDifferences(LossKind loss)
    {
        var (p, clean, corrupted) = Problem();

        var (_, analytic) = ReferenceDae.Backward(loss, p, Indices.Length, clean, corrupted);
        var numeric = FiniteDifferences(loss, p, clean, corrupted);

        string[] names = ["W", "b_hidden", "b_visible"];
        for (var i = 0; i < names.Length; i++)
        {
            Assert.Equal(p.All[i].Length, numeric[i].Length);
            Closeness.Assert($"{loss} ∂L/∂{names[i]}", numeric[i], analytic.All[i], AbsoluteTolerance, RelativeTolerance);
        }
        // Not a vacuous pass: the gradient is far from zero compared with the tolerance.
        Assert.True(analytic.Weight.Max(Math.Abs) > 1e4 * AbsoluteTolerance);
    }

    [Theory]
    [MemberData(nameof(Losses))]
    public void EveryElementIsChecked_ATinyChangeToAnyOneFailsTheCheck(LossKind loss)
    {
        var (p, clean, corrupted) = Problem();
        var (_, analytic) = ReferenceDae.Backward(loss, p, Indices.Length, clean, corrupted);
        var numeric = FiniteDifferences(loss, p, clean, corrupted);

        for (var i = 0; i < numeric.Length; i++)
        {
            for (var e = 0; e < numeric[i].Length; e++)
            {
                var perturbed = (double[])analytic.All[i].Clone();
                // Ten times the tolerance: about 1e-5 relative.
                perturbed[e] += 10 * (AbsoluteTolerance + RelativeTolerance * Math.Abs(numeric[i][e]));
                var c = Closeness.Of(numeric[i], perturbed, AbsoluteTolerance, RelativeTolerance);
                Assert.False(c.Passed, $"{loss}: parameter {i}, element {e} perturbed by 1e-5 relative still passed");
                Assert.Equal(e, c.WorstIndex);
            }
        }
    }

    [Fact]
    public void WrongFormulasFailTheCheck()
    {
        var (p, clean, corrupted) = Problem();
        var (_, xent) = ReferenceDae.Backward(LossKind.CrossEntropy, p, Indices.Length, clean, corrupted);
        var (_, mse) = ReferenceDae.Backward(LossKind.SquaredError, p, Indices.Length, clean, corrupted);
        var numericXent = FiniteDifferences(LossKind.CrossEntropy, p, clean, corrupted);

        // Untied: only the encoder's use of W (forgetting that the decoder reads Wᵀ).
        Assert.False(Closeness.Of(numericXent[0], xent.EncoderWeight, AbsoluteTolerance, RelativeTolerance).Passed);
        // Only the decoder's use of W.
        Assert.False(Closeness.Of(numericXent[0], xent.DecoderWeight, AbsoluteTolerance, RelativeTolerance).Passed);
        // The squared-error delta under a cross-entropy loss.
        for (var i = 0; i < 3; i++)
            Assert.False(Closeness.Of(numericXent[i], mse.All[i], AbsoluteTolerance, RelativeTolerance).Passed);
        // The gradient of the summed loss instead of the mean over the batch.
        Assert.False(Closeness.Of(numericXent[0], xent.Weight.Select(g => g * Indices.Length).ToArray(), AbsoluteTolerance, RelativeTolerance).Passed);
    }

    [Fact]
    public void TheMaskIsTheCountersMaskAndChangesTheGradient()
    {
        var (p, clean, corrupted) = Problem();
        var threshold = CounterRng.BernoulliThreshold(0.3f);
        var masked = 0;
        for (var i = 0; i < Indices.Length; i++)
            for (var j = 0; j < Visible; j++)
            {
                var isMasked = CounterRng.Hash32(Seed, (uint)RngStream.Mask, 2, (uint)Indices[i], (uint)j) < threshold;
                Assert.Equal(isMasked ? 0 : clean[i * Visible + j], corrupted[i * Visible + j]);
                if (isMasked && clean[i * Visible + j] != 0)
                    masked++;
            }
        Assert.True(masked > 0, "no non-zero pixel was masked: the check below would be vacuous");

        var (_, withMask) = ReferenceDae.Backward(LossKind.CrossEntropy, p, Indices.Length, clean, corrupted);
        var (_, withoutMask) = ReferenceDae.Backward(LossKind.CrossEntropy, p, Indices.Length, clean, clean);
        Assert.False(Closeness.Of(withMask.Weight, withoutMask.Weight, AbsoluteTolerance, RelativeTolerance).Passed);
    }

    /// <summary>Initial W, small random biases, synthetic pixels (with exact 0s and 1s), masked at 0.3 in epoch 2.</summary>
    private static (DaeParameters P, double[] Clean, double[] Corrupted) Problem()
    {
        var p = DaeParameters.FromFloats(Visible, Hidden,
            ILGPUAE.Models.TiedAutoencoder.InitialWeights(Visible, Hidden, Seed),
            Synthetic.Uniform(Hidden, 0.5, Seed, 1), Synthetic.Uniform(Visible, 0.5, Seed, 2));
        var data = Closeness.ToDouble(Synthetic.Pixels(12, Visible, Seed));
        var (clean, corrupted) = ReferenceDae.Batch(data, Visible, Indices, new NoiseKey(Seed, RngStream.Mask, 2), 0.3f);
        return (p, clean, corrupted);
    }

    /// <summary>(L(θ + h) − L(θ − h)) / 2h for every element of every parameter, in the order of <see cref="DaeParameters.All"/>.</summary>
    private static double[][] FiniteDifferences(LossKind loss, DaeParameters p, double[] clean, double[] corrupted)
    {
        var q = p.Clone();
        var result = new double[q.All.Length][];
        for (var i = 0; i < q.All.Length; i++)
        {
            var theta = q.All[i];
            result[i] = new double[theta.Length];
            for (var e = 0; e < theta.Length; e++)
            {
                var saved = theta[e];
                theta[e] = saved + Step;
                var plus = ReferenceDae.MeanLoss(loss, q, Indices.Length, clean, corrupted);
                theta[e] = saved - Step;
                var minus = ReferenceDae.MeanLoss(loss, q, Indices.Length, clean, corrupted);
                theta[e] = saved;
                result[i][e] = (plus - minus) / (2 * Step);
            }
        }
        return result;
    }
}
