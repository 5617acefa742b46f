namespace ILGPUAE.Tests.Training.Sweeps;

using ILGPUAE.IO;
using ILGPUAE.Training.Deep;
using ILGPUAE.Training.Sweeps;

public sealed class SweepGridTests
{
    [Fact]
    public void TheStudysDenoisingGridIsFourLearningRatesByFiveNoiseLevelsLearningRateMajor()
    {
        var grid = SweepGrid.Create(DeepRegularizer.Denoise);

        Assert.Equal(20, grid.Configs.Count);
        Assert.Equal(Enumerable.Range(0, 20), grid.Configs.Select(c => c.Ordinal));
        Assert.Equal("lr0.001-noise0.1", grid.Configs[0].Key);
        Assert.Equal("lr0.001-noise0.9", grid.Configs[4].Key);
        Assert.Equal("lr0.005-noise0.3", grid.Configs[6].Key);
        Assert.Equal("lr0.02-noise0.9", grid.Configs[19].Key);
        Assert.Equal((0.01f, 0.5f), (grid.Configs[12].LearningRate, grid.Configs[12].Strength));
        Assert.Equal(20, grid.Configs.Select(c => c.Key).Distinct().Count());
    }

    [Fact]
    public void ContractiveAndL2GridsNameTheirStrength()
    {
        var contract = SweepGrid.Create(DeepRegularizer.Contract);
        var l2 = SweepGrid.Create(DeepRegularizer.L2);

        Assert.Equal([0.01f, 0.05f, 0.15f, 0.3f, 0.6f], contract.Strengths);
        Assert.Equal("lr0.02-contraction0.6", contract.Configs[19].Key);
        Assert.Equal([1e-5f, 1e-4f, 1e-3f, 1e-2f, 0.1f], l2.Strengths);
        Assert.Equal("lr0.001-weightdecay1E-05", l2.Configs[0].Key);
        Assert.Equal("lr0.001-weightdecay0.1", l2.Configs[4].Key);
    }

    [Fact]
    public void AGivenGridKeepsItsOrderAndKeys()
    {
        var grid = SweepGrid.Create(DeepRegularizer.Denoise, [0.02f, 0.001f], [0.25f]);

        Assert.Equal(["lr0.02-noise0.25", "lr0.001-noise0.25"], grid.Configs.Select(c => c.Key));
    }

    [Theory]
    [InlineData("learning_rate", new[] { 0.01f, 0.01f }, new[] { 0.1f }, "learning_rate 0.01,0.01: 0.01 is given twice; expected distinct values")]
    [InlineData("learning_rate", new[] { 0.01f, -1f }, new[] { 0.1f }, "learning_rate 0.01,-1: -1 is out of range; expected finite numbers > 0")]
    [InlineData("learning_rate", new float[0], new[] { 0.1f }, "learning_rate (none): expected a list of one or more finite numbers > 0")]
    [InlineData("noise", new[] { 0.01f }, new[] { 0.1f, -0.5f }, "noise 0.1,-0.5: -0.5 is out of range; expected finite numbers ≥ 0")]
    public void ABadListIsRefusedNamingItsSetting(string setting, float[] learningRates, float[] strengths, string message)
    {
        var e = Assert.Throws<InputException>(() => SweepGrid.Create(DeepRegularizer.Denoise, learningRates, strengths));

        Assert.Equal(setting, e.Setting);
        Assert.Equal(message, e.Message);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(20)]
    [InlineData(25)]
    public void TheShardsOfAGridRunEachConfigurationExactlyOnce(int n)
    {
        var grid = SweepGrid.Create(DeepRegularizer.Contract);

        var run = Enumerable.Range(1, n).SelectMany(i => grid.Configs.Where(SweepShard.Parse($"{i}/{n}").Contains)).Select(c => c.Ordinal).ToList();

        Assert.Equal(Enumerable.Range(0, 20), run.Order());
        // Round robin: shard i holds ordinals i − 1, i − 1 + n, …
        Assert.Equal(Enumerable.Range(0, 20).Where(o => o % n == 0), grid.Configs.Where(SweepShard.Parse($"1/{n}").Contains).Select(c => c.Ordinal));
    }

    [Theory]
    [InlineData("0/2")]
    [InlineData("3/2")]
    [InlineData("1/0")]
    [InlineData("-1/2")]
    [InlineData("a/b")]
    [InlineData("1/2/3")]
    [InlineData("2")]
    [InlineData("1 /2")]
    [InlineData("")]
    [InlineData("1\n/2")]
    public void AShardOutsideOneToNIsRefusedInOneLine(string text)
    {
        var e = Assert.Throws<InputException>(() => SweepShard.Parse(text));

        Assert.Equal("shard", e.Setting);
        Assert.StartsWith("shard ", e.Message);
        Assert.EndsWith("expected i/n with integers 1 ≤ i ≤ n, e.g. 2/4 (the second of four shards)", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
