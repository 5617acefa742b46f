namespace ILGPUAE.Tests.Training;

using ILGPUAE.Models;
using ILGPUAE.Tests.Host;
using ILGPUAE.Training;

/// <summary>
/// The initial weights and the epoch order against values computed without the engine. The reference trainers
/// start from <see cref="TiedAutoencoder.InitialWeights"/> and visit <see cref="EpochOrder.Shuffle"/>'s order, so
/// they agree with the engine whatever those do; these known answers are what pins them. Every expected value
/// comes from tools/known_answers.py, which implements the documented formulas (SplitMix64-based CounterRng,
/// r = 4·√(6 / (in + out)), Fisher–Yates from the top with j = ⌊u·(i + 1)⌋) in plain Python.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class InitAndShuffleKnownAnswerTests(HostFixture fixture)
{
    /// <summary>
    /// (visible, hidden, seed, layer) → r rounded to float, and W[h, v] at four places: the first two elements, the
    /// last, and [hidden / 2, visible / 2] — each r·(2u − 1) with u = Uniform(seed, Init, layer, h, v), rounded to float.
    /// </summary>
    public static TheoryData<int, int, ulong, uint, float, float[]> WeightCases => new()
    {
        { 784, 7, 1, 0, 0.3483753204345703f, [-0.19820357859134674f, -0.11684828251600266f, 0.2733759582042694f, -0.022846702486276627f] },
        { 37, 33, 6, 0, 1.1710801124572754f, [-1.061081886291504f, -1.155653953552246f, 0.05810458958148956f, 0.8957764506340027f] },
        { 33, 17, 6, 1, 1.3856406211853027f, [0.6699760556221008f, -1.2923858165740967f, -0.10223115235567093f, 0.3617255985736847f] },
    };

    [Theory]
    [MemberData(nameof(WeightCases))]
    public void InitialWeightsKnownAnswersAndRange(int visible, int hidden, ulong seed, uint layer, float range, float[] expected)
    {
        var w = TiedAutoencoder.InitialWeights(visible, hidden, seed, layer);
        Assert.Equal(hidden * visible, w.Length);
        Assert.Equal(expected, Picks(w, visible, hidden));

        // Every weight in [−r, r] and the extremes near both ends: of 561 or more uniform draws, none beyond 0.9·r on one
        // side has probability 0.95⁵⁶¹ ≈ 3e-13, so only a narrower (or shifted) range fails this.
        Assert.All(w, x => Assert.InRange(x, -range, range));
        Assert.True(w.Max() > 0.9f * range && w.Min() < -0.9f * range, $"weights span [{w.Min()}, {w.Max()}] of ±{range}");
    }

    [Fact]
    public void ClassifierInitKnownAnswers()
    {
        // Layer 0 is 37 → 33 and layer 1 is 33 → 17 (the second and third weight cases), the softmax 17 → 10.
        var architecture = new ClassifierArchitecture(37, [33], [17], 10);
        using var model = FeedForwardClassifier.Create(fixture.Backend, architecture, seed: 6);
        var layers = model.Layers;
        Assert.Equal(3, layers.Count);
        Assert.Equal([-1.061081886291504f, -1.155653953552246f, 0.05810458958148956f, 0.8957764506340027f],
            Picks(layers[0].Weights.ToArray(), 37, 33));
        Assert.Equal([0.6699760556221008f, -1.2923858165740967f, -0.10223115235567093f, 0.3617255985736847f],
            Picks(layers[1].Weights.ToArray(), 33, 17));
        // As the Theano SdA tutorial: the softmax layer's W and every bias start at 0.
        Assert.All(layers[2].Weights.ToArray(), x => Assert.Equal(0f, x));
        foreach (var layer in layers)
            Assert.All(layer.Bias.ToArray(), x => Assert.Equal(0f, x));
    }

    [Fact]
    public void TiedAutoencoderCreateStartsFromTheKnownWeightsAndZeroBiases()
    {
        using var model = TiedAutoencoder.Create(fixture.Backend, visible: 784, hidden: 7, seed: 1);
        Assert.Equal([-0.19820357859134674f, -0.11684828251600266f, 0.2733759582042694f, -0.022846702486276627f],
            Picks(model.Weights.ToArray(), 784, 7));
        Assert.All(model.HiddenBias.ToArray(), x => Assert.Equal(0f, x));
        Assert.All(model.VisibleBias.ToArray(), x => Assert.Equal(0f, x));
    }

    public static TheoryData<ulong, int, int[]> ShuffleCases => new()
    {
        // (seed, epoch) → the whole permutation, from tools/known_answers.py.
        { 1, 0, [3, 2, 5, 8, 4, 9, 7, 6, 0, 1] },
        { 1, 1, [0, 3, 7, 9, 5, 6, 8, 1, 4, 2] },
        { 11, 0, [0, 1] },
        { 8, 3, [29, 37, 26, 30, 25, 4, 1, 9, 15, 14, 24, 35, 39, 13, 2, 21, 31, 34, 18, 16, 6, 5, 10, 27, 22, 33, 20, 23, 19, 28, 38, 36, 17, 0, 32, 12, 7, 11, 3, 8] },
    };

    [Theory]
    [MemberData(nameof(ShuffleCases))]
    public void EpochOrderKnownAnswers(ulong seed, int epoch, int[] expected) =>
        Assert.Equal(expected, EpochOrder.Shuffle(seed, epoch, expected.Length));

    [Fact]
    public void AnOrderOfOneOrNoneIsTheIdentity()
    {
        Assert.Equal([0], EpochOrder.Shuffle(5, 0, 1));
        Assert.Empty(EpochOrder.Shuffle(5, 0, 0));
    }

    /// <summary>W[0,0], W[0,1], W[hidden − 1, visible − 1] and W[hidden / 2, visible / 2] of W [hidden, visible].</summary>
    private static float[] Picks(float[] w, int visible, int hidden) =>
        [w[0], w[1], w[(hidden - 1) * visible + visible - 1], w[hidden / 2 * visible + visible / 2]];
}
