namespace ILGPUAE.Tests.Training;

using ILGPUAE.Training.Stacked;

public sealed class EarlyStoppingTests
{
    [Fact]
    public void PatienceStartsAtTenEpochsAndDoublesOnAHalfPercentImprovement()
    {
        var rule = new EarlyStopping(stepsPerEpoch: 100, patienceEpochs: 10, increase: 2, threshold: 0.995);
        Assert.Equal(1000, rule.Patience);

        Assert.True(rule.Observe(epoch: 1, stepsDone: 100, error: 0.10));
        Assert.Equal(1000, rule.Patience);              // max(1000, 2·99)
        for (var epoch = 2; epoch <= 7; epoch++)
            Assert.False(rule.Observe(epoch, 100 * epoch, 0.11));
        Assert.True(rule.Observe(8, 800, 0.09));          // 10 % better: patience max(1000, 2·799) = 1598
        Assert.Equal(1598, rule.Patience);
        Assert.True(rule.Observe(9, 900, 0.0899));        // better, but by less than 0.5 %: kept, patience unchanged
        Assert.Equal(1598, rule.Patience);
        Assert.Equal(9, rule.BestEpoch);
        Assert.Equal(0.0899, rule.BestError);

        Assert.False(rule.ShouldStop(1500));
        Assert.True(rule.ShouldStop(1599));               // patience ≤ t, t = 1598 the last step's 0-based index
    }

    [Fact]
    public void PatienceZeroNeverStopsButStillTracksTheBest()
    {
        var rule = new EarlyStopping(stepsPerEpoch: 10, patienceEpochs: 0, increase: 2, threshold: 0.995);
        Assert.True(rule.Observe(1, 10, 0.5));
        Assert.False(rule.Observe(2, 20, 0.6));
        Assert.False(rule.ShouldStop(long.MaxValue - 1));
        Assert.Equal(1, rule.BestEpoch);
    }
}
