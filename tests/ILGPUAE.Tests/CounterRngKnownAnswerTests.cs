namespace ILGPUAE.Tests;

using ILGPUAE.Random;

/// <summary>
/// <see cref="CounterRng"/> against values computed without it: SplitMix64's published outputs, and values
/// that tools/known_answers.py derives from the formulas in CounterRng's comments (exact Python integers).
/// Every mask, shuffle and initial weight of a run comes from these functions, so a change to any of them
/// changes every result the README reports; these tests are where such a change shows.
/// </summary>
public class CounterRngKnownAnswerTests
{
    private const ulong Golden = 0x9E3779B97F4A7C15UL;

    /// <summary>SplitMix64's reference next(): state += golden gamma; return mix(state).</summary>
    private static ulong[] SplitMix64(ulong seed, int count)
    {
        var state = seed;
        var outputs = new ulong[count];
        for (var i = 0; i < count; i++)
        {
            state += Golden;
            outputs[i] = CounterRng.Mix(state);
        }
        return outputs;
    }

    [Fact]
    public void MixGivesSplitMix64sPublishedOutputs()
    {
        // The first outputs of splitmix64.c (Vigna) seeded with 1234567, and seeded with 0 (0xE220A8397B1DCDAF,
        // 0x6E789E6AA1B965F4, 0x06C45D188009454F), as published; tools/known_answers.py reproduces both lists.
        Assert.Equal(
            [6457827717110365317UL, 3203168211198807973UL, 9817491932198370423UL, 4593380528125082431UL, 16408922859458223821UL],
            SplitMix64(1234567, 5));
        Assert.Equal([0xE220A8397B1DCDAFUL, 0x6E789E6AA1B965F4UL, 0x06C45D188009454FUL], SplitMix64(0, 3));
    }

    [Theory]
    // mix(z) from tools/known_answers.py; 0 is the bijection's fixed point.
    [InlineData(0UL, 0UL)]
    [InlineData(1UL, 6238072747940578789UL)]
    [InlineData(0xFFFFFFFFFFFFFFFFUL, 13029008266876403067UL)]
    [InlineData(0x0123456789ABCDEFUL, 12880392674509918508UL)]
    public void MixKnownAnswers(ulong z, ulong expected) => Assert.Equal(expected, CounterRng.Mix(z));

    /// <summary>
    /// (seed, stream, a, b, c) → Hash64, Hash32, and Uniform as the integer Hash64 >> 11 (Uniform is that over 2⁵³,
    /// exact in double). From tools/known_answers.py: h = mix(seed + γ(stream + 1)), then h = mix(h + γ(counter + 1))
    /// for a, b and c, all mod 2⁶⁴. The last key's counters are uint.MaxValue, so "+ 1" must be 64-bit (in 32 bits it
    /// wraps to 0 and the draw is another's).
    /// </summary>
    public static TheoryData<ulong, uint, uint, uint, uint, ulong, uint, ulong> HashCases => new()
    {
        { 0, 0, 0, 0, 0, 2391539541053276776UL, 556823690U, 1167743916529920UL },
        { 1, 1, 1, 1, 1, 17033591367265838800UL, 3965942041U, 8317183284797772UL },
        { 12345, 1, 7, 100, 783, 4482877547623796447UL, 1043751264U, 2188905052550681UL },
        { ulong.MaxValue, 6, uint.MaxValue, uint.MaxValue, uint.MaxValue, 17119924532957558220UL, 3986043048U, 8359338150858182UL },
    };

    [Theory]
    [MemberData(nameof(HashCases))]
    public void HashAndUniformKnownAnswers(ulong seed, uint stream, uint a, uint b, uint c, ulong hash64, uint hash32, ulong top53)
    {
        Assert.Equal(hash64, CounterRng.Hash64(seed, stream, a, b, c));
        Assert.Equal(hash32, CounterRng.Hash32(seed, stream, a, b, c));
        Assert.Equal(top53 / 9007199254740992.0, CounterRng.Uniform(seed, stream, a, b, c));
    }

    [Fact]
    public void UniformKnownAnswersAsDecimals()
    {
        // Python's repr of the same doubles: a second spelling, so a wrong 2⁵³ constant above cannot hide a wrong one in the engine.
        Assert.Equal(0.1296456182997474, CounterRng.Uniform(0, 0, 0, 0, 0));
        Assert.Equal(0.9233928382809977, CounterRng.Uniform(1, 1, 1, 1, 1));
        Assert.Equal(0.24301727880601043, CounterRng.Uniform(12345, 1, 7, 100, 783));
    }

    [Theory]
    // ⌊(double)p · 2³²⌋ of the float p, from tools/known_answers.py; 0.1f is 0.100000001490116…, hence not 429496729.
    [InlineData(0.25f, 1073741824UL)]
    [InlineData(0.1f, 429496736UL)]
    [InlineData(0.3f, 1288490240UL)]
    [InlineData(1e-9f, 4UL)]
    [InlineData(0.999999f, 4294962944UL)]
    // Clamped: p ≤ 0 (and NaN) never masks, p ≥ 1 always does (Hash32 < 2³² for every draw).
    [InlineData(0f, 0UL)]
    [InlineData(-0.5f, 0UL)]
    [InlineData(float.NaN, 0UL)]
    [InlineData(1f, 4294967296UL)]
    [InlineData(2f, 4294967296UL)]
    public void BernoulliThresholdKnownAnswers(float probability, ulong expected) =>
        Assert.Equal(expected, CounterRng.BernoulliThreshold(probability));
}
