namespace ILGPUAE.Tests.Optimizers;

using ILGPUAE.Backend;
using ILGPUAE.Host;
using ILGPUAE.Modules;
using ILGPUAE.Optimizer;
using ILGPUAE.Optimizers;

/// <summary>The engine's <see cref="Optimizer"/>: groups, frozen parameters, state names, clipping, step counts, options.</summary>
public sealed class OptimizerEngineTests : IDisposable
{
    private readonly HostBackend backend = new(threads: 2);
    private readonly List<Tensor<float>> tensors = [];

    public void Dispose()
    {
        foreach (var t in tensors)
            t.Dispose();
        backend.Dispose();
    }

    [Fact]
    public void StateIsNamedByParameterAndStateName()
    {
        Parameter[] ps = [Make("layer0.W", 3, 2), Make("layer0.b", 3, group: ParameterGroups.Biases)];
        using var adam = new Optimizer(backend, ps, OptimizerOptions.Defaults(OptimizerKind.Adam));
        Assert.Equal(["layer0.W.exp_avg", "layer0.W.exp_avg_sq", "layer0.b.exp_avg", "layer0.b.exp_avg_sq"], adam.State.Select(s => s.Name));
        Assert.Equal([3, 2], adam.State[0].Tensor.Shape.Dimensions);
        Assert.All(adam.State, s => Assert.All(s.Tensor.ToArray(), v => Assert.Equal(0f, v)));

        using var rms = new Optimizer(backend, ps, OptimizerOptions.Defaults(OptimizerKind.RmsProp) with { Momentum = 0.9f, Centered = true });
        Assert.Equal(["layer0.W.square_avg", "layer0.W.momentum_buffer", "layer0.W.grad_avg", "layer0.b.square_avg", "layer0.b.momentum_buffer", "layer0.b.grad_avg"],
            rms.State.Select(s => s.Name));
        using var sgd = new Optimizer(backend, ps, new OptimizerOptions { Momentum = 0.9f });
        Assert.Equal(["layer0.W.momentum_buffer", "layer0.b.momentum_buffer"], sgd.State.Select(s => s.Name));
        using var plain = new Optimizer(backend, ps, new OptimizerOptions());
        Assert.Empty(plain.State);

        adam.Step();
        adam.Step();
        Assert.Equal(2, adam.Steps);
        Assert.Equal(new Dictionary<string, long> { ["layer0.W.step"] = 2, ["layer0.b.step"] = 2 }, adam.StepCounts);
    }

    [Fact]
    public void FrozenGroupsAreNeitherUpdatedNorClippedAndPerGroupLearningRatesApply()
    {
        var w = Make("W", 4, 5);
        var b = Make("b", 4, group: ParameterGroups.Biases);
        var frozen = Make("encoder.W", 5, 3, group: "encoder");
        Parameter[] ps = [w, b, frozen];
        var before = ps.Select(p => (Value: p.Value.ToArray(), Grad: p.Grad.ToArray())).ToArray();
        var options = new OptimizerOptions { LearningRate = 0.1f, MaxGradNorm = 0.5f };
        using var optimizer = new Optimizer(backend, ps, options,
            [new ParameterGroupOptions(ParameterGroups.Biases, LearningRate: 0.01f), new ParameterGroupOptions("encoder", Frozen: true)]);

        optimizer.Step();

        // The frozen parameter and its gradient are bit for bit as they were; its step count stays 0.
        Assert.Equal(before[2].Value, frozen.Value.ToArray());
        Assert.Equal(before[2].Grad, frozen.Grad.ToArray());
        Assert.Equal(0, optimizer.StepCounts["encoder.W.step"]);
        Assert.Equal(1, optimizer.StepCounts["W.step"]);
        // The trained ones: clipped over W and b only, then p − lr_group·g.
        double[][] grads = [ToDouble(before[0].Grad), ToDouble(before[1].Grad)];
        var norm = OptimizerReference.ClipGradNorm(grads, 0.5);
        Assert.True(norm > 0.5, "the test means the gradients to be clipped");
        var coefficient = grads[0][0] / before[0].Grad[0];
        var gradNorm = optimizer.GradNorm!.ToArray();
        Assert.Equal(norm, gradNorm[0], 1e-5 * norm);
        Assert.Equal(coefficient, gradNorm[1], 1e-6);
        float[] lrs = [0.1f, 0.01f];
        for (var k = 0; k < 2; k++)
        {
            var after = ps[k].Value.ToArray();
            for (var i = 0; i < after.Length; i++)
                Assert.Equal(before[k].Value[i] - lrs[k] * grads[k][i], after[i], 1e-6);
        }
    }

    [Fact]
    public void WeightDecaySkipsBiasesUnlessTheirGroupSetsIt()
    {
        var w = Make("W", 2, 3);
        var b = Make("b", 2, group: ParameterGroups.Biases);
        var c = Make("c", 2, group: "other biases");
        var before = new[] { w, b, c }.Select(p => p.Value.ToArray()).ToArray();
        var grads = new[] { w, b, c }.Select(p => p.Grad.ToArray()).ToArray();
        using var optimizer = new Optimizer(backend, [w, b, c], new OptimizerOptions { LearningRate = 0.1f, WeightDecay = 0.5f },
            [new ParameterGroupOptions("other biases", WeightDecay: 0.25f)]);
        optimizer.Step();
        float[] decays = [0.5f, 0f, 0.25f];
        var ps = new[] { w, b, c };
        for (var k = 0; k < 3; k++)
        {
            var after = ps[k].Value.ToArray();
            for (var i = 0; i < after.Length; i++)
                Assert.Equal(before[k][i] - 0.1 * (grads[k][i] + decays[k] * before[k][i]), after[i], 1e-6);
        }
    }

    [Theory]
    [InlineData(OptimizerKind.Sgd)]
    [InlineData(OptimizerKind.Nesterov)]
    [InlineData(OptimizerKind.RmsProp)]
    [InlineData(OptimizerKind.Adam)]
    [InlineData(OptimizerKind.AdamW)]
    public void OptimizerMatchesTheReferenceRuleWithClippingOverSteps(OptimizerKind kind)
    {
        // Two parameters, three steps with fresh gradients, clipping at 1 (the gradients' norm is ≈ 2.5): the engine's
        // composition of clip and rule against the double references composed the same way.
        var w = Make("W", 3, 4);
        var b = Make("b", 3, group: ParameterGroups.Biases);
        var options = OptimizerOptions.Defaults(kind) with { MaxGradNorm = 1f, WeightDecay = 0.05f, Momentum = kind == OptimizerKind.RmsProp ? 0.5f : 0.9f, Centered = true };
        using var optimizer = new Optimizer(backend, [w, b], options, [new ParameterGroupOptions(ParameterGroups.Biases, WeightDecay: 0.05f)]);
        double[][] param = [ToDouble(w.Value.ToArray()), ToDouble(b.Value.ToArray())];
        var state = param.Select(p => new[] { new double[p.Length], new double[p.Length], new double[p.Length] }).ToArray();
        for (var t = 1; t <= 3; t++)
        {
            double[][] grads = [Fill(w.Grad, 0.7 * t), Fill(b.Grad, 1.9 * t)];
            optimizer.Step();
            OptimizerReference.ClipGradNorm(grads, 1.0);
            for (var k = 0; k < 2; k++)
                ReferenceStep(options, param[k], grads[k], state[k], t);
        }
        for (var k = 0; k < 2; k++)
        {
            var actual = new[] { w, b }[k].Value.ToArray();
            for (var i = 0; i < actual.Length; i++)
                Assert.True(Math.Abs(actual[i] - param[k][i]) <= 1e-6 + 1e-5 * Math.Abs(param[k][i]), $"{kind} parameter {k} element {i}: {actual[i]} vs {param[k][i]}");
        }
    }

    /// <summary>
    /// The L1 weight penalty λ‖w‖₁ (issue 15's sparse autoencoder): over three SGD steps (momentum 0.9) with clipping, each step's weight gradients
    /// gain λ·sign(w) of the weights as they are then (sign(0) = 0: one weight is exactly 0 at the start), before the clipping, which
    /// sees the penalised gradients; biases are not penalised; a dense, a vector and a convolution's weights are. Against the double references composed the same way. λ = 0.3 is large
    /// enough that a missing, mis-signed or post-clipping term moves the result by ≫ the 1e-5 tolerance.
    /// </summary>
    [Fact]
    public void WeightL1AddsLambdaSignOfTheWeightsBeforeClippingAndTheRule()
    {
        var w = Make("dense.W", 2, 3);
        var vector = Make("vector.W", 5);
        var b = Make("b", 3, group: ParameterGroups.Biases);
        var convWeights = backend.Allocate<float>(2, 1, 3, 3);
        var convGrad = backend.Allocate<float>(2, 1, 3, 3);
        tensors.Add(convWeights);
        tensors.Add(convGrad);
        var k4 = new Parameter("enc.W", convWeights, convGrad);
        convWeights.CopyFrom([.. Enumerable.Range(0, 18).Select(i => (float)Math.Cos(0.9 * i + 0.2))]);
        var startW = w.Value.ToArray();
        startW[4] = 0f;
        w.Value.CopyFrom(startW);
        Parameter[] ps = [w, vector, b, k4];
        const double lambda = 0.3;
        // SGD with momentum: Adam's normalised steps would hide most of a wrong penalty in three steps.
        var options = new OptimizerOptions { Kind = OptimizerKind.Sgd, LearningRate = 0.1f, Momentum = 0.9f, MaxGradNorm = 1f, WeightL1 = (float)lambda };
        using var optimizer = new Optimizer(backend, ps, options);
        double[][] param = [.. ps.Select(p => ToDouble(p.Value.ToArray()))];
        var state = param.Select(p => new[] { new double[p.Length], new double[p.Length] }).ToArray();
        bool[] penalised = [true, true, false, true];
        for (var t = 1; t <= 3; t++)
        {
            double[][] grads = [.. ps.Select((p, k) => Fill(p.Grad, 0.7 * t + k))];
            for (var k = 0; k < ps.Length; k++)
                if (penalised[k])
                    for (var i = 0; i < grads[k].Length; i++)
                        grads[k][i] += lambda * Math.Sign(param[k][i]);
            optimizer.Step();
            OptimizerReference.ClipGradNorm(grads, 1.0);
            for (var k = 0; k < ps.Length; k++)
                ReferenceStep(options, param[k], grads[k], state[k], t);
        }
        for (var k = 0; k < ps.Length; k++)
        {
            var actual = ps[k].Value.ToArray();
            for (var i = 0; i < actual.Length; i++)
                Assert.True(Math.Abs(actual[i] - param[k][i]) <= 1e-6 + 1e-5 * Math.Abs(param[k][i]), $"parameter {ps[k].Name} element {i}: {actual[i]} vs {param[k][i]}");
        }
    }

    [Fact]
    public void DefaultsAreTorchDefaults()
    {
        var sgd = OptimizerOptions.Defaults(OptimizerKind.Sgd);
        Assert.Equal((1e-3f, 0f, 0f, 0f, (float?)null), (sgd.LearningRate, sgd.Momentum, sgd.Dampening, sgd.WeightDecay, sgd.MaxGradNorm));
        var rms = OptimizerOptions.Defaults(OptimizerKind.RmsProp);
        Assert.Equal((1e-2f, 0.99f, 1e-8f, 0f, 0f, false), (rms.LearningRate, rms.Alpha, rms.Epsilon, rms.WeightDecay, rms.Momentum, rms.Centered));
        var adam = OptimizerOptions.Defaults(OptimizerKind.Adam);
        Assert.Equal((1e-3f, 0.9f, 0.999f, 1e-8f, 0f), (adam.LearningRate, adam.Beta1, adam.Beta2, adam.Epsilon, adam.WeightDecay));
        var adamW = OptimizerOptions.Defaults(OptimizerKind.AdamW);
        Assert.Equal((1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f), (adamW.LearningRate, adamW.Beta1, adamW.Beta2, adamW.Epsilon, adamW.WeightDecay));
        foreach (var kind in Enum.GetValues<OptimizerKind>())
            OptimizerOptions.Defaults(kind).Validate();
    }

    [Theory]
    [InlineData("beta1", "beta1 1.2: expected [0, 1)")]
    [InlineData("beta2", "beta2 -0.5: expected [0, 1)")]
    [InlineData("lr", "learning rate -1: expected a finite value ≥ 0")]
    [InlineData("eps", "eps NaN: expected a finite value ≥ 0")]
    [InlineData("alpha", "alpha 1: expected [0, 1)")]
    [InlineData("dampening", "dampening 1.5: expected [0, 1]")]
    [InlineData("clip", "max grad norm 0: expected a finite value > 0")]
    [InlineData("nesterov", "Nesterov momentum 0 with dampening 0: expected momentum > 0 and dampening 0")]
    public void ValidationNamesTheSettingInEngineTerms(string setting, string message)
    {
        var o = OptimizerOptions.Defaults(OptimizerKind.Adam);
        o = setting switch
        {
            "beta1" => o with { Beta1 = 1.2f },
            "beta2" => o with { Beta2 = -0.5f },
            "lr" => o with { LearningRate = -1f },
            "eps" => o with { Epsilon = float.NaN },
            "alpha" => o with { Alpha = 1f },
            "dampening" => o with { Dampening = 1.5f },
            "clip" => o with { MaxGradNorm = 0f },
            "nesterov" => o with { Kind = OptimizerKind.Nesterov, Momentum = 0f },
            _ => throw new ArgumentOutOfRangeException(nameof(setting)),
        };
        var e = Assert.Throws<ArgumentException>(o.Validate);
        Assert.Equal(message, e.Message);
        Assert.Throws<ArgumentException>(() => new Optimizer(backend, [Make("W", 2)], o));
    }

    [Fact]
    public void DuplicateParameterNamesAreRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => new Optimizer(backend, [Make("W", 2), Make("W", 3)], new OptimizerOptions { Momentum = 0.9f }));
        Assert.Contains("two parameters are named 'W'", e.Message);
    }

    private static void ReferenceStep(OptimizerOptions o, double[] p, double[] g, double[][] s, long t)
    {
        switch (o.Kind)
        {
            case OptimizerKind.Sgd:
            case OptimizerKind.Nesterov:
                OptimizerReference.Sgd(p, g, s[0], new SgdSettings(o.LearningRate, o.Momentum, o.Dampening, o.WeightDecay, o.Kind == OptimizerKind.Nesterov), t);
                break;
            case OptimizerKind.RmsProp:
                OptimizerReference.RmsProp(p, g, s[0], s[1], s[2], new RmsPropSettings(o.LearningRate, o.Alpha, o.Epsilon, o.WeightDecay, o.Momentum, o.Centered));
                break;
            default:
                OptimizerReference.Adam(p, g, s[0], s[1], new AdamSettings(o.LearningRate, o.Beta1, o.Beta2, o.Epsilon, o.WeightDecay, o.Kind == OptimizerKind.AdamW), t);
                break;
        }
    }

    /// <summary>A parameter with value cos(…) and gradient sin(…), both float-exact.</summary>
    private Parameter Make(string name, int rows, int columns = 0, string group = ParameterGroups.Weights)
    {
        int[] shape = columns == 0 ? [rows] : [rows, columns];
        var value = backend.Allocate<float>(shape);
        var grad = backend.Allocate<float>(shape);
        tensors.Add(value);
        tensors.Add(grad);
        value.CopyFrom([.. Enumerable.Range(0, value.Length).Select(i => (float)Math.Cos(0.37 * i + name.Length))]);
        Fill(grad, name.Length);
        return new Parameter(name, value, grad, group);
    }

    /// <summary>grad[i] = sin(1.3·i + phase), uploaded; returns the float values as double.</summary>
    private static double[] Fill(Tensor<float> grad, double phase)
    {
        var values = Enumerable.Range(0, grad.Length).Select(i => (float)Math.Sin(1.3 * i + phase)).ToArray();
        grad.CopyFrom(values);
        return ToDouble(values);
    }

    private static double[] ToDouble(float[] values) => Array.ConvertAll(values, v => (double)v);
}
