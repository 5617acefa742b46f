namespace ILGPUAE.Tests.Training.Deep;

using System.Globalization;
using ILGPUAE.Backend;
using ILGPUAE.Backends;
using ILGPUAE.Evaluation;
using ILGPUAE.Modules;
using ILGPUAE.Optimizers;
using ILGPUAE.Tests.IO;
using ILGPUAE.Training.Deep;
using ILGPUAE.Training;

/// <summary>
/// The first step of each kind of phase, as `train deep` takes it, against the objective the issue documents, rebuilt here from
/// <see cref="Networks.DeepAutoencoder"/> alone: the run is stopped right after that step (its checkpoint holds every parameter),
/// and the step must be θ − lr·(∇ + weight decay) for the parameters the phase trains — the gradient being
/// <see cref="Network.ForwardBackward"/> of the documented network on the documented inputs — and leave every other parameter as
/// it was, bit for bit. SGD (no momentum) lets the step show the gradient itself; RMSprop is tested against torch elsewhere.
/// <list type="bullet">
/// <item>L, layer i: layer i's local autoencoder [d_i, d_{i+1}] with its regularizer, on the clean codes of the kept layers below.</item>
/// <item>J: the whole stack with every layer's regularizer, from the seed's initialisation, on the images.</item>
/// <item>U, joint phase: the whole stack without corruption, contraction or weight decay, from the layer-wise stack.</item>
/// <item>UJ, joint phase: the whole stack with them, from the layer-wise stack.</item>
/// </list>
/// </summary>
public sealed class DeepSchemeStepTests
{
    private const float LearningRate = 0.1f, WeightDecay = 0.01f;

    public static TheoryData<DeepScheme, DeepRegularizer, int, string, AcceleratorKind> Cases => new()
    {
        { DeepScheme.L, DeepRegularizer.Contract, 1, "8,6,4", AcceleratorKind.Host },
        { DeepScheme.L, DeepRegularizer.Denoise, 1, "8,6,4", AcceleratorKind.Host },
        { DeepScheme.L, DeepRegularizer.L2, 2, "8,6,4", AcceleratorKind.Host },
        { DeepScheme.L, DeepRegularizer.Contract, 1, "8,6,4", AcceleratorKind.Cpu },
        { DeepScheme.J, DeepRegularizer.Contract, 0, "8,6", AcceleratorKind.Host },
        { DeepScheme.J, DeepRegularizer.Contract, 0, "8,6", AcceleratorKind.Cpu },
        { DeepScheme.J, DeepRegularizer.L2, 0, "8,6", AcceleratorKind.Host },
        { DeepScheme.J, DeepRegularizer.Denoise, 0, "8", AcceleratorKind.Host },
        // Needs Corrupt.Backward through the sigmoid layer below it (a corruption between two layers of a joint stack).
        { DeepScheme.J, DeepRegularizer.Denoise, 0, "8,6", AcceleratorKind.Host },
        { DeepScheme.U, DeepRegularizer.L2, 2, "8,6", AcceleratorKind.Host },
        { DeepScheme.U, DeepRegularizer.Contract, 2, "8,6", AcceleratorKind.Host },
        { DeepScheme.U, DeepRegularizer.Denoise, 2, "8,6", AcceleratorKind.Host },
        { DeepScheme.UJ, DeepRegularizer.Contract, 2, "8,6", AcceleratorKind.Host },
        { DeepScheme.UJ, DeepRegularizer.L2, 2, "8,6", AcceleratorKind.Host },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void FirstStepOfAPhaseIsTheDocumentedObjectivesStep(DeepScheme scheme, DeepRegularizer regularizer, int phase, string layers, AcceleratorKind accelerator)
    {
        var widths = layers.Split(',').Select(int.Parse).ToArray();
        var options = DeepRuns.Tiny(scheme, regularizer, widths) with
        {
            LearningRate = LearningRate,
            Optimizer = new OptimizerChoice { WeightDecay = regularizer == DeepRegularizer.L2 ? WeightDecay : 0f },
        };
        using var dir = new TempDirectory();
        var run = dir.File("run");
        using var stop = new CancellationTokenSource();
        // Stopped when the phase starts: the trainer stops after its first step and checkpoints it.
        var observer = new DeepObserver { OnStarted = started => { if (started == phase + 1) stop.Cancel(); } };
        Assert.Throws<RunInterruptedException>(() => DeepRuns.Run(options, run, control: new RunControl(0, stop.Token), observer: observer, accelerator: accelerator));
        var statePath = Path.Combine(run, DaeCheckpoint.StateFileName);
        var metadata = ILGPUAE.IO.SafeTensorsFile.Read(statePath).Metadata;
        Assert.Equal(phase.ToString(CultureInfo.InvariantCulture), metadata["phase_index"]);
        Assert.Equal("1", metadata["steps"]);
        var after = DeepRuns.Tensors(statePath, "param.");

        int[] all = [DeepRuns.Visible, .. widths];
        using var backend = AcceleratorCatalog.Open(AcceleratorKind.Host);
        // Before the step: the seed's initialisation, with the kept layers of the phases before it (model.safetensors).
        using var stack = Networks.DeepAutoencoder(all).Build(backend, 1);
        stack.Initialize(options.Seed);
        if (phase > 0)
            foreach (var (name, values) in DeepRuns.Tensors(Path.Combine(run, DaeCheckpoint.ModelFileName)))
                stack.Body.Parameters.Single(p => p.Name == name).Value.CopyFrom(values);
        var before = stack.Body.Parameters.ToDictionary(p => p.Name, p => p.Value.ToArray());

        var joint = scheme != DeepScheme.L && phase == (scheme == DeepScheme.J ? 0 : widths.Length);
        var regularized = !(joint && scheme == DeepScheme.U);
        var first = joint ? 0 : phase;
        var noise = regularized && regularizer == DeepRegularizer.Denoise ? CorruptionNoise.Gaussian(0.3f) : (CorruptionNoise?)null;
        var contraction = regularized && regularizer == DeepRegularizer.Contract ? 0.15f : 0f;
        var decay = regularized && regularizer == DeepRegularizer.L2 ? WeightDecay : 0f;
        var spec = joint ? Networks.DeepAutoencoder(all, noise, contraction) : Networks.DeepAutoencoder(all[phase..(phase + 2)], noise, contraction, firstLayer: phase);

        var data = MnistSplits.Value.Train.Pixels.AsSpan(0, DeepRuns.Train * DeepRuns.Visible).ToArray();
        var inputs = first == 0 ? data : Codes(backend, all[..(first + 1)], before, data);
        var seed = DeepSchedule.PhaseSeed(options.Seed, phase);
        var rows = EpochOrder.Shuffle(seed, 0, DeepRuns.Train)[..DeepRuns.Batch];

        var byName = stack.Body.Parameters.ToDictionary(p => p.Name, p => p.Value);
        using var network = spec.Build(backend, DeepRuns.Batch, byName.GetValueOrDefault);
        using var x = Upload(backend, inputs, inputs.Length / DeepRuns.Train);
        using var indices = backend.Allocate<int>(DeepRuns.Batch);
        indices.CopyFrom(rows);
        using var losses = backend.Allocate<float>(DeepRuns.Batch);
        network.ForwardBackward(x, new StepContext(indices, seed, 0, Training: true), losses);
        backend.Synchronize();
        var trained = network.TrainedParameters.ToDictionary(p => p.Name);
        Assert.Equal(3 * (joint ? widths.Length : 1), trained.Count);
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        foreach (var (name, values) in after)
        {
            if (!trained.TryGetValue(name, out var p))
            {
                Assert.True(before[name].AsSpan().SequenceEqual(values), $"{name} changed in a phase that does not train it");
                continue;
            }
            var g = p.Grad.ToArray();
            var wd = p.Group == ParameterGroups.Weights ? decay : 0f;
            for (var k = 0; k < g.Length; k++)
            {
                var expected = before[name][k] - (double)LearningRate * (g[k] + wd * before[name][k]);
                Assert.True(Math.Abs(values[k] - expected) <= 1e-6 + 1e-5 * Math.Abs(expected),
                    $"{name}[{k}]: the run stepped to {values[k]}, the documented objective to {expected} (from {before[name][k]}, gradient {g[k]})");
            }
        }
    }

    /// <summary>The clean codes of the stack <paramref name="widths"/> (its top layer's output) for every row of <paramref name="data"/>.</summary>
    private static float[] Codes(IBackend backend, int[] widths, Dictionary<string, float[]> values, float[] data)
    {
        using var network = Networks.DeepAutoencoder(widths).Build(backend, 100);
        foreach (var p in network.Body.Parameters)
            p.Value.CopyFrom(values[p.Name]);
        using var x = Upload(backend, data, widths[0]);
        using var evaluator = new NetworkEvaluator(backend, network);
        return evaluator.Codes(x, Networks.TopCodeModule(network.Spec!));
    }

    private static Tensor<float> Upload(IBackend backend, float[] values, int columns = 0)
    {
        var tensor = columns == 0 ? backend.Allocate<float>(values.Length) : backend.Allocate<float>(values.Length / columns, columns);
        tensor.CopyFrom(values);
        return tensor;
    }
}
