namespace ILGPUAE.Tests.Training.Anamo;

using ILGPUAE.Backend;
using ILGPUAE.Modules;
using ILGPUAE.Tests.Host;
using ILGPUAE.Tests.Kernels;
using ILGPUAE.Training;
using ILGPUAE.Training.Anamo;

/// <summary>
/// ANAMO on a tiny problem (7 examples of 6 values, 3 hidden units, minibatches of 4 and 3): the hand-derived double gradient
/// against central differences; the engine's gradient (encoder with the code penalty, decoder) against it; one outer iteration
/// through the <see cref="Trainer"/> against <see cref="AnamoReference.OuterIteration"/>; and each block's parameters untouched
/// by the other block's loop. On the host and ILGPU's CPU accelerator.
/// </summary>
public abstract class AnamoStepTests(IBackend backend)
{
    private const int Visible = 6, Hidden = 3, Count = 7, Batch = 4;
    private const float Lambda = 0.1f;
    private const ulong Seed = 5;

    /// <summary>x[n, i] = 0.5 + 0.45·sin(1.3·n + 0.7·i): pixels in (0, 1).</summary>
    private static readonly float[] Data = [.. Enumerable.Range(0, Count * Visible).Select(k => (float)(0.5 + 0.45 * Math.Sin(1.3 * (k / Visible) + 0.7 * (k % Visible))))];

    /// <summary>The binary encoder's smooth-step width in the tests that take it: wide enough that some units sit inside (0, ε).</summary>
    private const float Epsilon = 1.5f;

    private Network Build(float lambda = Lambda, float? epsilon = null)
    {
        var network = AnamoNetwork.Spec(Visible, Hidden, lambda, epsilon).Build(backend, Batch);
        network.Initialize(Seed);
        return network;
    }

    private static AnamoReference ReferenceOf(Network network, float lambda = Lambda, float? epsilon = null)
    {
        var reference = new AnamoReference(Visible, Hidden, lambda, epsilon);
        var ps = network.Body.Parameters;
        for (var p = 0; p < 4; p++)
            reference.Parameters[p].AsSpan().Clear();
        for (var p = 0; p < 4; p++)
        {
            var values = ps[p].Value.ToArray();
            for (var i = 0; i < values.Length; i++)
                reference.Parameters[p][i] = values[i];
        }
        return reference;
    }

    public static TheoryData<float?> Encoders => new() { null, Epsilon };

    /// <summary>With the sigmoid encoder, and with the binary variant's smooth step (whose slope the reference takes from its own formula).</summary>
    [Theory]
    [MemberData(nameof(Encoders))]
    public void ReferenceGradientMatchesCentralDifferences(float? epsilon)
    {
        using var network = Build(epsilon: epsilon);
        var reference = ReferenceOf(network, epsilon: epsilon);
        int[] rows = [4, 0, 6];
        var analytic = reference.Gradient(Data, rows);
        const double h = 1e-6;
        for (var p = 0; p < 4; p++)
            for (var i = 0; i < reference.Parameters[p].Length; i++)
            {
                var keep = reference.Parameters[p][i];
                reference.Parameters[p][i] = keep + h;
                var up = reference.Objective(Data, rows);
                reference.Parameters[p][i] = keep - h;
                var down = reference.Objective(Data, rows);
                reference.Parameters[p][i] = keep;
                var numeric = (up - down) / (2 * h);
                // Central differences in double: truncation O(h²) and cancellation about 1e-16/h on an O(1) objective.
                Assert.True(Math.Abs(numeric - analytic[p][i]) <= 1e-8 + 1e-6 * Math.Abs(numeric),
                    $"parameter {p} element {i}: analytic {analytic[p][i]:R}, central difference {numeric:R}");
            }
    }

    [Theory]
    [MemberData(nameof(Encoders))]
    public void EngineGradientWithTheCodePenaltyMatchesTheReference(float? epsilon)
    {
        using var network = Build(epsilon: epsilon);
        var reference = ReferenceOf(network, epsilon: epsilon);
        int[] rows = [4, 0, 6];
        using var data = Upload(Data, Count, Visible);
        using var indices = backend.Allocate<int>(rows.Length);
        indices.CopyFrom(rows);
        using var losses = backend.Allocate<float>(rows.Length);
        network.ForwardBackward(data, new StepContext(indices, Seed, 0, Training: true), losses);
        backend.Synchronize();
        var expected = reference.Gradient(Data, rows);
        var ps = network.Body.Parameters;
        for (var p = 0; p < 4; p++)
            AssertClose(expected[p], ps[p].Grad.ToArray(), 1e-6, $"gradient of {ps[p].Name}");
        AssertClose(reference.Losses(Data, rows), losses.ToArray(), 1e-6, "losses (reconstruction + code penalty)");
        if (epsilon is not null)
        {
            // The codes cover the three pieces of the step: exactly 0, exactly 1, and inside, where its slope carries the gradient.
            Assert.IsType<SmoothStepModule>(network.Body.Modules[1]);
            using var evaluator = new ILGPUAE.Evaluation.NetworkEvaluator(backend, network);
            var codes = evaluator.Codes(data, 1);
            Assert.Contains(0f, codes);
            Assert.Contains(1f, codes);
            Assert.Contains(codes, c => c is > 0f and < 1f);
        }
    }

    public static TheoryData<int, int, float> Schedules => new()
    {
        { 3, 4, 0f },
        // An L1 penalty on the encoder's weights, taken by FISTA's soft threshold.
        { 2, 5, 0.5f },
    };

    [Theory]
    [MemberData(nameof(Schedules))]
    public void OneOuterIterationMatchesTheDoubleReference(int encoderIterations, int decoderIterations, float encoderWeightL1)
    {
        var encoder = new InnerBlock(encoderIterations, 0.8f, WeightL1: encoderWeightL1);
        var decoder = new InnerBlock(decoderIterations, 1.5f);
        var network = Build();
        var reference = ReferenceOf(network);
        var (enc, dec) = AnamoNetwork.Blocks(network);
        using var step = new AnamoStep(network, enc, encoder, dec, decoder);
        using var trainer = new Trainer(backend, step, new TrainerSettings(Seed, Batch, 0f), Data, Count, measureHostThreads: false);
        var epoch = trainer.RunEpoch();

        reference.OuterIteration(Data, ILGPUAE.Training.EpochOrder.Shuffle(Seed, 0, Count), Batch, encoder, decoder);
        backend.Synchronize();
        var ps = network.Body.Parameters;
        // Float rounding of O(1) parameters over two minibatches of 7–9 gradient steps each.
        for (var p = 0; p < 4; p++)
            AssertClose(reference.Parameters[p], ps[p].Value.ToArray(), 2e-5, $"{ps[p].Name} after one outer iteration");
        Assert.True(double.IsFinite(epoch.TrainLoss));
        if (encoderWeightL1 > 0f)
            // The prox put some encoder weights exactly at 0, as the reference's did.
            Assert.Contains(0f, ps[0].Value.ToArray());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void TheFixedBlockDoesNotMove(bool encoderOnly)
    {
        var network = Build();
        var (enc, dec) = AnamoNetwork.Blocks(network);
        var (moving, fixedBlock) = encoderOnly ? (enc, dec) : (dec, enc);
        var before = fixedBlock.Select(p => p.Value.ToArray()).ToArray();
        var movingBefore = moving.Select(p => p.Value.ToArray()).ToArray();
        using var step = new AnamoStep(network, enc, new InnerBlock(encoderOnly ? 3 : 0, 0.8f), dec, new InnerBlock(encoderOnly ? 0 : 3, 1.5f));
        using var trainer = new Trainer(backend, step, new TrainerSettings(Seed, Batch, 0f), Data, Count, measureHostThreads: false);
        trainer.RunEpoch();
        backend.Synchronize();
        for (var p = 0; p < fixedBlock.Count; p++)
            Assert.Equal(before[p], fixedBlock[p].Value.ToArray());
        Assert.NotEqual(movingBefore[0], moving[0].Value.ToArray());
    }

    private Tensor<float> Upload(float[] values, int rows, int columns)
    {
        var t = backend.Allocate<float>(rows, columns);
        t.CopyFrom(values);
        return t;
    }

    private void AssertClose(double[] expected, float[] actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= tolerance + tolerance * Math.Abs(expected[i]),
                $"{backend.Name}: {what} element {i}: engine {actual[i]:R}, reference {expected[i]:R}");
    }
}

[Collection(HostCollection.Name)]
public sealed class HostAnamoStepTests(HostFixture fixture) : AnamoStepTests(fixture.Backend);

[Collection(CpuAcceleratorCollection.Name)]
public sealed class CpuAcceleratorAnamoStepTests(CpuAcceleratorFixture fixture) : AnamoStepTests(fixture.Backend);
