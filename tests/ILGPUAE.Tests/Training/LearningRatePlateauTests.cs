namespace ILGPUAE.Tests.Training;

using ILGPUAE.Training.Stacked;

public sealed class LearningRatePlateauTests
{
    [Fact]
    public void TheRateHalvesAfterTwoEpochsWithoutABestAndTheCountRestartsAfterEach()
    {
        var plateau = new LearningRatePlateau(initial: 0.1, epochs: 2, factor: 0.5, minimum: 0.02);
        Assert.False(plateau.Observe(improved: true));
        Assert.False(plateau.Observe(improved: false));
        Assert.Equal(1, plateau.EpochsWithoutBest);
        Assert.True(plateau.Observe(improved: false));      // second epoch in a row without a best
        Assert.Equal(0.05, plateau.Rate);
        Assert.Equal(0, plateau.EpochsWithoutBest);
        Assert.False(plateau.Observe(improved: false));
        Assert.False(plateau.Observe(improved: true));      // a best restarts the count
        Assert.False(plateau.Observe(improved: false));
        Assert.True(plateau.Observe(improved: false));
        Assert.Equal(0.025, plateau.Rate);
        plateau.Observe(improved: false);
        Assert.True(plateau.Observe(improved: false));      // 0.0125 is below the minimum: held at 0.02
        Assert.Equal(0.02, plateau.Rate);
        plateau.Observe(improved: false);
        Assert.False(plateau.Observe(improved: false));     // at the minimum nothing changes
        Assert.Equal(0.02, plateau.Rate);
    }

    [Fact]
    public void ZeroEpochsKeepsTheRate()
    {
        var plateau = new LearningRatePlateau(initial: 0.1, epochs: 0, factor: 0.5, minimum: 0);
        for (var i = 0; i < 5; i++)
            Assert.False(plateau.Observe(improved: false));
        Assert.Equal(0.1, plateau.Rate);
        Assert.False(plateau.IsOn);
    }
}
