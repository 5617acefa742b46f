namespace ILGPUAE.Tests.Training;

using ILGPUAE.Backend;
using ILGPUAE.Optimizers;
using ILGPUAE.Tests.Host;
using ILGPUAE.Training;

/// <summary>
/// The weights' half of the non-finite guard (issue 13): a parameter that becomes NaN or ±∞ while every loss stays finite (as
/// a cross-entropy clamped at −100 can) stops the run where the trainer reads the losses, naming the parameter, the epoch
/// and the step; a loss that is not finite is still named first, with its exact step.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class WeightGuardTests(HostFixture fixture)
{
    private const int Rows = 45, Batch = 7;

    /// <summary>
    /// A stand-in step: every row's loss is 0.5, and at call <paramref name="poisonAt"/> (0-based) it writes
    /// <paramref name="value"/> into element 3 of <paramref name="target"/> (and, with <paramref name="poisonLoss"/>, into
    /// that call's first loss too).
    /// </summary>
    private sealed class PoisoningStep(Tensor<float> target, int poisonAt, float value, bool poisonLoss = false) : ITrainingStep
    {
        private int calls;

        public int Chunk => 0;
        public int Workers => 1;
        public Optimizer? Optimizer => null;

        public void Run(int worker, in TrainingBatch batch)
        {
            var losses = Enumerable.Repeat(0.5f, batch.Losses.Length).ToArray();
            if (calls++ == poisonAt)
            {
                var values = target.ToArray();
                values[3] = value;
                target.CopyFrom(values);
                if (poisonLoss)
                    losses[0] = value;
            }
            batch.Losses.CopyFrom(losses);
        }

        public void Dispose()
        {
        }
    }

    private (Tensor<float> W, Tensor<float> B) Parameters()
    {
        var w = fixture.Backend.Allocate<float>(4, 5);
        var b = fixture.Backend.Allocate<float>(1000);
        return (w, b);
    }

    private Trainer NewTrainer(ITrainingStep step, Tensor<float> w, Tensor<float> b) =>
        new(fixture.Backend, step, new TrainerSettings(Seed: 1, Batch, 0.1f), new float[Rows * 3], Rows, measureHostThreads: false,
            guarded: [("layer0.W", w), ("layer0.b", b)]);

    [Theory]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NaN)]
    [InlineData(float.NegativeInfinity)]
    public void AParameterThatIsNotFiniteStopsTheEpochNamingItAndTheStep(float value)
    {
        var (w, b) = Parameters();
        using (w)
        using (b)
        using (var step = new PoisoningStep(b, poisonAt: 2, value))
        using (var trainer = NewTrainer(step, w, b))
        {
            var error = Assert.Throws<TrainingDivergedException>(() => trainer.RunEpoch());

            // No progress callback: the epoch's end is the one read, after all 7 steps (45 rows in batches of 7).
            Assert.Equal("layer0.b", error.Parameter);
            Assert.Equal(1, error.Epoch);
            Assert.Equal(7, error.Step);
            Assert.StartsWith("a value of parameter 'layer0.b' is not finite at epoch 1, step 7; training stopped (try a lower learning_rate)", error.Message);
            Assert.Equal(0, trainer.EpochsDone);
        }
    }

    [Fact]
    public void ANonFiniteLossIsNamedFirstWithItsExactStep()
    {
        var (w, b) = Parameters();
        using (w)
        using (b)
        using (var step = new PoisoningStep(w, poisonAt: 2, float.NaN, poisonLoss: true))
        using (var trainer = NewTrainer(step, w, b))
        {
            var error = Assert.Throws<TrainingDivergedException>(() => trainer.RunEpoch());

            Assert.Null(error.Parameter);
            Assert.Equal("loss", error.Quantity);
            Assert.Equal(3, error.Step);
        }
    }

    /// <summary>Finite parameters pass every epoch; a later run of the same trainer is not stopped by an old flag.</summary>
    [Fact]
    public void FiniteParametersTrainOn()
    {
        var (w, b) = Parameters();
        using (w)
        using (b)
        using (var step = new PoisoningStep(w, poisonAt: 9, 1e38f))
        using (var trainer = NewTrainer(step, w, b))
        {
            var first = trainer.RunEpoch();
            var second = trainer.RunEpoch();

            Assert.Equal(0.5, first.TrainLoss, 6);
            Assert.Equal(2, second.Epoch);
        }
    }
}
