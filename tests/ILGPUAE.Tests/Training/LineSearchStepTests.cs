namespace ILGPUAE.Tests.Training;

using ILGPUAE.Backend;
using ILGPUAE.Modules;
using ILGPUAE.Tests.Host;
using ILGPUAE.Tests.Kernels;
using ILGPUAE.Tests.Modules;
using ILGPUAE.Training;
using Sae = ILGPUAE.Tests.Modules.SparseAutoencoderReference;

/// <summary>
/// Full-batch gradient descent with a backtracking (Armijo) line search (<see cref="LineSearchStep"/>) on the one
/// <see cref="Trainer"/>, one iteration an epoch, on the tiny sparse autoencoder of <see cref="SparseAutoencoderReference"/>:
/// its iterates against the same algorithm written in double (objective from the definition, gradient by central differences)
/// for 6 iterations, the same step sizes and halvings, every accepted step satisfying Armijo's condition, the objective never
/// increasing, and the epoch's reported loss the accepted objective less the decay.
/// </summary>
public abstract class LineSearchStepTests(IBackend backend)
{
    private const int Rows = 9, Iterations = 6;
    private const double Armijo = 1e-4;
    private static readonly Sae Model = new(Rho: 0.2f, Beta: 3f, Alpha: 0.01f);

    /// <summary>t₀ = 4 is too long for the first search, so it halves; later searches start from twice the last step.</summary>
    private const float InitialStep = 4f;

    [Fact]
    public void TheIteratesMatchADoublePrecisionReference()
    {
        using var net = Model.Build(backend, Rows);
        var values = GradientCheck.DrawParameters(net);
        var data = GradientCheck.Data(Rows, Sae.Visible);
        var x = GradientCheck.Rows(data, Sae.Visible, [.. Enumerable.Range(0, Rows)]);
        var step = new LineSearchStep(net, Model.Alpha, new LineSearchSettings(InitialStep));
        using var trainer = new Trainer(backend, step, new TrainerSettings(Seed: 3, Batch: Rows, LearningRate: InitialStep), data, Rows,
            measureHostThreads: false);
        var reference = new ReferenceSearch(Model, values, x);

        for (var k = 0; k < Iterations; k++)
        {
            var epoch = trainer.RunEpoch();
            var expected = reference.Iterate();
            var actual = step.History[k];

            Assert.Equal(expected.Step, actual.Step);
            Assert.Equal(expected.Halvings, actual.Halvings);
            Assert.True(Math.Abs(actual.Accepted - expected.Accepted) < 1e-5 * expected.Accepted, $"iteration {k}: f {actual.Accepted} vs {expected.Accepted}");
            Assert.True(Math.Abs(epoch.TrainLoss - (expected.Accepted - Model.Decay(values))) < 1e-5 * expected.Accepted,
                $"iteration {k}: reported loss {epoch.TrainLoss}");
            foreach (var p in net.TrainedParameters)
            {
                var got = p.Value.ToArray();
                var want = values[p.Name];
                for (var i = 0; i < got.Length; i++)
                    Assert.True(Math.Abs(got[i] - want[i]) < 1e-5 + 1e-4 * Math.Abs(want[i]), $"iteration {k}: {p.Name}[{i}] {got[i]} vs {want[i]}");
            }
        }
        // The first search halved (t₀ too long), and the later ones grew the step back: the test covers both branches.
        Assert.True(step.History[0].Halvings > 0);
        Assert.Contains(step.History.Skip(1), h => h.Step > step.History[0].Step);
    }

    [Fact]
    public void EveryAcceptedStepSatisfiesArmijoAndTheObjectiveNeverIncreases()
    {
        using var net = Model.Build(backend, Rows);
        GradientCheck.DrawParameters(net);
        var data = GradientCheck.Data(Rows, Sae.Visible);
        var step = new LineSearchStep(net, Model.Alpha, new LineSearchSettings(InitialStep));
        using var trainer = new Trainer(backend, step, new TrainerSettings(Seed: 3, Batch: Rows, LearningRate: InitialStep), data, Rows,
            measureHostThreads: false);

        for (var k = 0; k < 20; k++)
            trainer.RunEpoch();

        Assert.All(step.History, h => Assert.True(h.Accepted <= h.Objective - Armijo * h.Step * h.DirectionNormSquared, $"{h}"));
        Assert.All(step.History.Zip(step.History.Skip(1)), p => Assert.Equal(p.First.Accepted, p.Second.Objective));
        Assert.True(step.History[^1].Accepted < 0.9 * step.History[0].Objective, $"{step.History[0].Objective} → {step.History[^1].Accepted}");
    }

    /// <summary>
    /// The same backtracking gradient descent in double: t from t₀, then twice the last accepted step (capped as the engine caps
    /// it), halved until f(θ − t·∇f) ≤ f(θ) − c·t·‖∇f‖²; θ in <paramref name="values"/>, updated in place.
    /// </summary>
    private sealed class ReferenceSearch(Sae model, Dictionary<string, double[]> values, double[][] x)
    {
        private readonly LineSearchSettings settings = new(InitialStep);
        private double? last;

        public LineSearchIteration Iterate()
        {
            var f = model.Objective(values, x);
            var g = model.Gradient(values, x);
            var dd = g.Values.Sum(v => v.Sum(e => e * e));
            var start = values.ToDictionary(e => e.Key, e => (double[])e.Value.Clone());
            var t = last is { } l ? Math.Min(settings.Growth * (float)l, settings.MaxStep) : settings.InitialStep;
            for (var halvings = 0; halvings <= settings.MaxHalvings; halvings++, t /= 2f)
            {
                foreach (var (name, v) in values)
                    for (var i = 0; i < v.Length; i++)
                        v[i] = start[name][i] - t * g[name][i];
                var trial = model.Objective(values, x);
                if (trial <= f - Armijo * t * dd)
                {
                    last = t;
                    return new LineSearchIteration(f, trial, t, dd, halvings, Stalled: false);
                }
            }
            throw new InvalidOperationException("the reference search stalled");
        }
    }
}

[Collection(CpuAcceleratorCollection.Name)]
public sealed class CpuAcceleratorLineSearchStepTests(CpuAcceleratorFixture fixture) : LineSearchStepTests(fixture.Backend);

[Collection(HostCollection.Name)]
public sealed class HostLineSearchStepTests(HostFixture fixture) : LineSearchStepTests(fixture.Backend);
