namespace ILGPUAE.Tests;

using ILGPUAE.Random;

public class RngTests
{
    [Fact]
    public void BernoulliThresholdGivesTheRequestedRate()
    {
        var threshold = CounterRng.BernoulliThreshold(0.25f);
        var hits = 0;
        const int n = 200_000;
        for (uint i = 0; i < n; i++)
            if (CounterRng.Hash32(7, (uint)RngStream.Mask, 0, i / 784, i % 784) < threshold)
                hits++;
        // Binomial standard deviation at n = 200000, p = 0.25 is ≈ 0.001; allow 5σ.
        Assert.InRange(hits / (double)n, 0.245, 0.255);
    }

    [Fact]
    public void ThresholdsAtTheEndsAreExact()
    {
        Assert.Equal(0UL, CounterRng.BernoulliThreshold(0f));
        Assert.Equal(1UL << 32, CounterRng.BernoulliThreshold(1f));
        Assert.Equal(1UL << 31, CounterRng.BernoulliThreshold(0.5f));
    }

    [Fact]
    public void EveryCounterChangesTheDraw()
    {
        var baseline = CounterRng.Hash64(1, 1, 1, 1, 1);
        Assert.NotEqual(baseline, CounterRng.Hash64(2, 1, 1, 1, 1));
        Assert.NotEqual(baseline, CounterRng.Hash64(1, 2, 1, 1, 1));
        Assert.NotEqual(baseline, CounterRng.Hash64(1, 1, 2, 1, 1));
        Assert.NotEqual(baseline, CounterRng.Hash64(1, 1, 1, 2, 1));
        Assert.NotEqual(baseline, CounterRng.Hash64(1, 1, 1, 1, 2));
    }
}
