namespace ILGPUAE.Training.Stacked;

using ILGPUAE.Backend;
using ILGPUAE.Data;
using ILGPUAE.Models;
using ILGPUAE.Modules;
using ILGPUAE.Optimizers;
using ILGPUAE.Random;


/// <summary>
/// A <see cref="FeedForwardClassifier"/> on the one <see cref="Trainer"/>, trained on softmax cross-entropy (batch 1 = per-sample
/// SGD): <see cref="StepPolicy.ForClassifier"/> picks the step — the persistent SampleSgd kernels, SGD in the classifier's
/// own pass (<see cref="FusedClassifierStep"/>), or the generic step: the modules of <see cref="Networks.Classifier"/> over the
/// same tensors and an <see cref="Optimizer"/> with named state. Layers below the first trained one are frozen.
/// </summary>
public sealed class ClassifierSession : IDisposable
{
    private readonly ClassifierPass pass;
    private readonly ITrainingStep step;
    private readonly Trainer trainer;
    private readonly Tensor<float>?[] noVelocities;

    /// <param name="firstTrained">Layers below this one are frozen (see <see cref="ClassifierPass"/>).</param>
    public ClassifierSession(FeedForwardClassifier model, FinetuneOptions options, Dataset data, int firstTrained)
    {
        if (data.Features != model.Architecture.Inputs)
            throw new ArgumentException($"{data.Name} has {data.Features} features per example; the classifier takes {model.Architecture.Inputs}");
        Model = model;
        var backend = model.Backend;
        var batch = Math.Min(options.Batch, data.Count);
        pass = new ClassifierPass(model, batch, firstTrained);
        var layers = model.Layers.Select(l => new DenseParameters(l.Weights, l.Bias)).ToArray();
        Path = StepPolicy.ForClassifier(options, backend, layers);
        step = Path switch
        {
            StepPath.SampleSgdKernel => new SampleSgdClassifierStep(backend.SampleSgd!, layers, firstTrained, options.Corruption),
            StepPath.GradientsThenOptimizer => GenericStep(options, batch, firstTrained),
            _ => new FusedClassifierStep(pass, backend, options.Corruption, options.Momentum),
        };
        trainer = new Trainer(backend, step, new TrainerSettings(options.Seed, options.Batch, options.LearningRate), data.Pixels, data.Count,
            Array.ConvertAll(data.Labels, l => (int)l), guarded: model.Parameters);
        noVelocities = new Tensor<float>?[pass.Trained.Count];
    }

    /// <summary>
    /// The generic step: the classifier's modules trained in place on <see cref="Model"/>'s tensors (each trained W in the
    /// weights group, each bias in the biases group, under its checkpoint name), and the options' optimizer rule.
    /// </summary>
    private NetworkStep GenericStep(FinetuneOptions options, int batch, int firstTrained)
    {
        var byName = Model.Parameters.ToDictionary(p => p.Name, p => p.Tensor);
        var network = Networks.Classifier(Model.Architecture, options.Corruption, firstTrained).Build(Model.Backend, batch, byName.GetValueOrDefault);
        return new NetworkStep(network, new Optimizer(Model.Backend, network.TrainedParameters, options.Optimizer.With(options.LearningRate, options.Momentum)),
            options.LearningRate, options.OnNan);
    }

    public FeedForwardClassifier Model { get; }
    public IBackend Backend => Model.Backend;

    /// <summary>The loop this model runs on.</summary>
    public Trainer Trainer => trainer;

    /// <summary>How each step runs (see <see cref="StepPolicy.ForClassifier"/>).</summary>
    public StepPath Path { get; }

    public int TrainCount => trainer.TrainCount;
    public int StepsPerEpoch => trainer.StepsPerEpoch;
    public int EpochsDone => trainer.EpochsDone;
    public long StepsDone => trainer.StepsDone;

    /// <summary>The rate the next step trains at: the options' until a caller sets it (fine-tuning's schedule does, every epoch).</summary>
    public float LearningRate
    {
        get => trainer.LearningRate;
        set => trainer.LearningRate = value;
    }

    /// <summary>The update rule's named state when the step is the generic one (null on SGD's paths).</summary>
    public Optimizer? Optimizer => step.Optimizer;

    /// <summary>Each trained parameter with its momentum buffer (null when there is none), in forward order.</summary>
    public IEnumerable<(Tensor<float> Parameter, Tensor<float>? Velocity)> TrainedState =>
        pass.Trained.Select((p, i) => (p.Parameter, ((step as FusedClassifierStep)?.Velocities ?? noVelocities)[i]));

    /// <summary>Where a resumed run stands; the parameters and velocities are restored by the caller.</summary>
    public void Restore(int epochsDone, long stepsDone, int position = 0, ReadOnlySpan<float> losses = default) =>
        trainer.Restore(epochsDone, stepsDone, position, losses);

    /// <summary>The backend's per-sample SGD family when this run uses it; else null.</summary>
    public ISampleSgd? SampleSgd => Path == StepPath.SampleSgdKernel ? Backend.SampleSgd : null;

    /// <summary>Runs the next epoch; throws <see cref="TrainingDivergedException"/> at the first non-finite loss.</summary>
    public TrainerEpoch RunEpoch(Action<StepProgress>? progress = null) => trainer.RunEpoch(progress);

    /// <summary><see cref="Trainer.RunEpochOrStop"/>: null when <paramref name="control"/> stopped the epoch between two steps.</summary>
    public TrainerEpoch? RunEpochOrStop(Action<StepProgress>? progress, RunControl? control, Action? checkpoint) =>
        trainer.RunEpochOrStop(progress, control, checkpoint);

    public void Dispose()
    {
        trainer.Dispose();
        step.Dispose();
        pass.Dispose();
    }
}
