namespace ILGPUAE.Tests.Training.Labels;

using ILGPUAE.Backend;
using ILGPUAE.Modules;
using ILGPUAE.Random;
using ILGPUAE.Tests.Host;
using ILGPUAE.Tests.Modules;
using ILGPUAE.Training;
using ILGPUAE.Training.Labels;

/// <summary>Issue 15's classifiers on the host backend: the small CNN's gradient, and frozen encoders trained on codes computed once.</summary>
[Collection(HostCollection.Name)]
public sealed class LabelClassifierTests(HostFixture fixture)
{
    private readonly IBackend backend = fixture.Backend;

    /// <summary>
    /// The small CNN's analytic gradient (through ReLU, max-pool, dropout with a fixed key, and the softmax layer) against central
    /// differences of its own float forward's mean cross-entropy on two 28×28 images (an 8×8 patch each on a zero background), for
    /// every convolution parameter and the bias and every 29th weight of the linear layer. Step h = 1e-3: the loss (≈ 2.3) carries
    /// float rounding of a few 1e-7 per evaluation, ≲ 1e-4 over 2h, and the smooth parts' third-order term h²/6·|L‴| is ≲ 1e-6, so
    /// 3e-4 + 1e-2·|g| holds where L is smooth on [−h, h]. Where it is not — a ReLU unit crosses zero or a pool window changes its
    /// maximum (converging to the analytic value only as h → 0, as a probe of single elements at h = 3e-2 … 3e-4 showed) — the
    /// differences at h and h/2 disagree by more than the tolerance: such an element is skipped, and at most 5 % may be.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SmallCnnGradientMatchesFiniteDifferences(bool secondPool)
    {
        const double h = 1e-3, Absolute = 3e-4, Relative = 1e-2;
        var spec = Networks.SmallCnn(10, secondPool);
        using var network = spec.Build(backend, 2);
        network.Initialize(3, ConvInit.HeUniform);
        // The softmax layer starts at zero: small random weights instead, so the convolutions get a gradient.
        var fc = network.Body.Parameters.Where(p => p.Name.StartsWith("fc.", StringComparison.Ordinal)).ToList();
        uint draw = 0;
        foreach (var p in fc)
            p.Value.CopyFrom([.. Enumerable.Range(0, p.Value.Length).Select(_ => (float)(0.2 * CounterRng.Uniform(5, 1, draw++, 0, 0) - 0.1))]);
        const int visible = 28 * 28;
        var data = Patches(3);
        int[] batch = [2, 0];
        using var labels = backend.Allocate<int>(2);
        labels.CopyFrom([7, 3]);
        using var x = backend.Allocate<float>(3, visible);
        x.CopyFrom(data);
        using var indices = backend.Allocate<int>(2);
        indices.CopyFrom(batch);
        using var losses = backend.Allocate<float>(2);
        // A fixed (seed, epoch) and rows: the same dropout mask in every evaluation.
        var context = new StepContext(indices, 11, 2, Training: true);
        double Loss()
        {
            network.ForwardBackward(x, context, losses, labels);
            return losses.ToArray().Average(v => (double)v);
        }

        Loss();
        var analytic = network.Body.Parameters.ToDictionary(p => p.Name, p => p.Grad.ToArray());
        var dropped = network.Body.Modules.OfType<Dropout>().Single();
        Assert.Equal(secondPool ? 245 : 980, dropped.Inputs);
        var checkedCount = 0;
        (double Excess, string What) worst = (double.NegativeInfinity, "");
        var kinks = 0;
        foreach (var p in network.Body.Parameters)
        {
            var values = p.Value.ToArray();
            var every = p.Name == "fc.W" ? 29 : 1;
            for (var i = 0; i < values.Length; i += every)
            {
                double Difference(double step)
                {
                    var saved = values[i];
                    values[i] = saved + (float)step;
                    p.Value.CopyFrom(values);
                    var plus = Loss();
                    values[i] = saved - (float)step;
                    p.Value.CopyFrom(values);
                    var minus = Loss();
                    values[i] = saved;
                    p.Value.CopyFrom(values);
                    // The float step actually taken: saved ± step rounds.
                    return (plus - minus) / ((double)(saved + (float)step) - (saved - (float)step));
                }
                var numeric = Difference(h);
                checkedCount++;
                if (Math.Abs(numeric - Difference(h / 2)) > Absolute + Relative * Math.Abs(numeric))
                {
                    // The two steps disagree: a kink lies within ±h (a ReLU unit or a pool window's order changes).
                    kinks++;
                    continue;
                }
                var g = analytic[p.Name][i];
                var excess = Math.Abs(g - numeric) - (Absolute + Relative * Math.Abs(numeric));
                if (excess > worst.Excess)
                    worst = (excess, $"{p.Name}[{i}]: analytic {g}, central differences {numeric}");
            }
        }
        Assert.True(worst.Excess <= 0, $"worst of {checkedCount}: {worst.What}");
        Assert.True(kinks <= checkedCount / 20, $"{kinks} of {checkedCount} elements have a kink within ±{h}");
        // Not a vacuous check: the convolutions' gradients are not all zero.
        Assert.Contains(analytic["conv1.W"], v => Math.Abs(v) > 1e-4);
        Assert.Contains(analytic["conv2.W"], v => Math.Abs(v) > 1e-4);
        Assert.True(checkedCount > 280);
    }

    /// <summary>
    /// A frozen encoder's classifier trained on codes computed once ends with the same softmax layer, bit for bit, as the same
    /// classifier trained through the frozen encoder at every step: both run the same trainer (same order, same batches, same Adam with
    /// clipping) and the host's convolution and pool compute each row alone, in the same order, whichever rows share its batch, so the
    /// codes a batch sees are the very floats computed once. 70 examples (a last batch of 6), batch 16, 2 epochs. The encoder is
    /// left unchanged in both.
    /// </summary>
    [Fact]
    public void CodesComputedOnceTrainTheSameClassifierAsTheEncoderEveryStep()
    {
        const int count = 70, visible = 28 * 28;
        var spec = Networks.EncoderClassifier(Networks.ConvEncoder(), Networks.ConvCodeWidth, 10);
        var data = GradientCheck.Data(count, visible);
        var labels = Enumerable.Range(0, count).Select(i => (int)(CounterRng.Uniform(4, 0, (uint)i, 0, 0) * 10)).ToArray();
        var rule = LabelTraining.Optimizer(LabelModel.Random);
        using var everyStep = spec.Build(backend, 16);
        using var once = spec.Build(backend, 16);
        everyStep.Initialize(8, ConvInit.HeUniform);
        once.Initialize(8, ConvInit.HeUniform);
        var encoderBefore = Parameters(once).Where(p => p.Key.StartsWith("enc", StringComparison.Ordinal)).ToList();

        var lossesEveryStep = LabelTraining.Fit(everyStep, rule, data, labels, 21, 16, 2);
        using var pixels = backend.Allocate<float>(count, visible);
        pixels.CopyFrom(data);
        var lossesOnce = LabelTraining.FitOnCodes(once, rule, pixels, labels, 21, 16, 2);

        var a = Parameters(everyStep);
        var b = Parameters(once);
        Assert.Equal(a["fc.W"], b["fc.W"]);
        Assert.Equal(a["fc.b"], b["fc.b"]);
        Assert.Equal(lossesEveryStep.Select(e => e.TrainLoss), lossesOnce.Select(e => e.TrainLoss));
        // It trained: the softmax layer left zero and the loss fell; the encoder did not move.
        Assert.Contains(b["fc.W"], v => v != 0f);
        Assert.True(lossesOnce[1].TrainLoss < lossesOnce[0].TrainLoss);
        foreach (var (name, before) in encoderBefore)
        {
            Assert.Equal(before, a[name]);
            Assert.Equal(before, b[name]);
        }
    }

    /// <summary>
    /// The random encoder's weights lie in ±√(6/fan_in) and fill it (the widest draw is within 2 % of the bound), wider by √6 than
    /// PyTorch's default ±1/√fan_in, which the default initialisation keeps; both keep the bias in ±1/√fan_in.
    /// </summary>
    [Fact]
    public void RandomEncoderIsHeUniformAndTheDefaultIsPyTorchs()
    {
        var spec = Networks.EncoderClassifier(Networks.ConvEncoder(), Networks.ConvCodeWidth, 10);
        using var he = spec.Build(backend, 1);
        using var torch = spec.Build(backend, 1);
        he.Initialize(2, ConvInit.HeUniform);
        torch.Initialize(2);
        foreach (var (k, fanIn) in new[] { (1, 9), (2, 72) })
        {
            var (w, bias) = Networks.ConvEncoderNames(k);
            var wide = Parameters(he)[w].Max(v => Math.Abs((double)v));
            var narrow = Parameters(torch)[w].Max(v => Math.Abs((double)v));
            Assert.InRange(wide, 0.98 * Math.Sqrt(6.0 / fanIn), Math.Sqrt(6.0 / fanIn));
            Assert.InRange(narrow, 0.98 / Math.Sqrt(fanIn), 1 / Math.Sqrt(fanIn));
            Assert.Equal(Parameters(torch)[bias], Parameters(he)[bias]);
        }
    }

    /// <summary>The labelled subset: N distinct examples, in dataset order, fixed by the seed and changed by another.</summary>
    [Fact]
    public void TheSubsetIsDrawnBySeedWithoutReplacement()
    {
        const int count = 500, features = 4;
        var pixels = Enumerable.Range(0, count * features).Select(i => (float)(i / features)).ToArray();
        var classes = Enumerable.Range(0, count).Select(i => (byte)(i % 10)).ToArray();
        var train = new ILGPUAE.Data.Dataset("toy", count, new ILGPUAE.Data.ImageShape(1, 2, 2), pixels, classes);

        var a = LabelTraining.Subset(train, 60, 1);
        var rows = Enumerable.Range(0, 60).Select(i => (int)a.Pixels[i * features]).ToArray();

        Assert.Equal(60, rows.Distinct().Count());
        Assert.Equal(rows.Order(), rows);
        Assert.Equal(rows.Select(r => (byte)(r % 10)), a.Labels);
        Assert.Equal(a.Pixels, LabelTraining.Subset(train, 60, 1).Pixels);
        Assert.NotEqual(a.Pixels, LabelTraining.Subset(train, 60, 2).Pixels);
        Assert.Throws<ILGPUAE.IO.InputException>(() => { LabelTraining.Subset(train, count + 1, 1); });
    }

    /// <summary>
    /// [rows, 28·28] images, zero but for an 8×8 patch of U[0.2, 1) values, placed differently in each row (like a digit on its
    /// background): a convolution weight then moves only the few units whose window holds the patch, not all 784.
    /// </summary>
    private static float[] Patches(int rows)
    {
        var data = new float[rows * 28 * 28];
        for (var r = 0; r < rows; r++)
            for (var i = 0; i < 8; i++)
                for (var j = 0; j < 8; j++)
                    data[r * 784 + (9 + i) * 28 + 7 + 3 * r + j] = (float)(0.2 + 0.8 * CounterRng.Uniform(9, 2, (uint)r, (uint)i, (uint)j));
        return data;
    }

    private static Dictionary<string, float[]> Parameters(Network network) =>
        network.Body.Parameters.ToDictionary(p => p.Name, p => p.Value.ToArray());
}
