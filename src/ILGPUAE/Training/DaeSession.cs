namespace ILGPUAE.Training;

using System.Diagnostics;
using ILGPUAE.Backend;
using ILGPUAE.Evaluation;
using ILGPUAE.IO;
using ILGPUAE.Models;
using ILGPUAE.Modules;
using ILGPUAE.Optimizers;
using ILGPUAE.Random;

/// <summary>
/// A tied denoising autoencoder on the one <see cref="Trainer"/>: builds (or restores) the model, lets <see cref="StepPolicy"/>
/// pick its step, hands the loop to the trainer, and scores the clean test set after each epoch. Batch 1 = per-sample SGD.
/// The steps: the persistent SampleSgd kernels (plain per-sample SGD on an ILGPU backend, <see cref="SampleSgdTiedDaeStep.ChunkSize"/>
/// examples per launch), SGD fused into the pass's products (<see cref="FusedTiedDaeStep"/>), or the generic step — the
/// modules of <see cref="Networks.TiedDae"/> over the same tensors and an <see cref="Optimizer"/> (RMSprop, Adam, AdamW,
/// Nesterov, weight decay, clipping), whose state is checkpointed under each parameter's name.
/// With <see cref="DaeOptions.Hogwild"/> = K ≥ 2, K workers each take every K-th batch and update the shared weights without
/// locks (Hogwild): faster on many cores, not reproducible. On the host the workers are lanes of the backend (any batch,
/// momentum); on an ILGPU backend they are groups of one <see cref="ISampleSgd.TiedDaeHogwild"/> launch per chunk (batch 1, momentum 0).
/// </summary>
public sealed class DaeSession : IDisposable
{
    private readonly DaeOptions options;
    private readonly Tensor<float> test;
    private readonly TiedAutoencoderPass pass;
    private readonly ReconstructionEvaluator evaluator;
    private readonly ITrainingStep step;
    private readonly Trainer trainer;
    private readonly Tensor<float>?[] noVelocities;

    /// <param name="trainPixels">[trainCount, visible] in [0,1].</param>
    /// <param name="testPixels">[testCount, visible] in [0,1].</param>
    /// <param name="state">Where a resumed run stands; null for a fresh model from <see cref="DaeOptions.Seed"/>.</param>
    public DaeSession(IBackend backend, DaeOptions options, int visible, float[] trainPixels, float[] testPixels, TrainState? state = null)
    {
        // Checked before anything is allocated, so a refused run leaks nothing.
        if (options.Hogwild >= 2 && backend is not ILaneProvider)
        {
            if (backend.SampleSgd is null || options.Activation != Activation.Sigmoid)
                throw InputException.AboutSetting("hogwild",
                    $"hogwild {options.Hogwild}: '{backend.Name}' cannot run concurrent workers; expected accelerator host", "accelerator");
            if (options.Batch != 1)
                throw InputException.AboutSetting("hogwild",
                    $"hogwild {options.Hogwild} with batch {options.Batch}: Hogwild on '{backend.Name}' is per-sample SGD; expected batch 1 (or accelerator host)", "batch", "accelerator");
            if (options.Momentum != 0)
                throw InputException.AboutSetting("hogwild",
                    $"hogwild {options.Hogwild} with momentum {options.Momentum}: Hogwild on '{backend.Name}' is plain SGD; expected momentum 0 (or accelerator host)", "momentum", "accelerator");
        }
        this.options = options;
        Backend = backend;
        var trainCount = trainPixels.Length / visible;
        test = backend.Allocate<float>(testPixels.Length / visible, visible);
        test.CopyFrom(testPixels);
        Model = state is null
            ? TiedAutoencoder.Create(backend, visible, options.Hidden, options.Seed, hiddenActivation: options.Activation)
            : state.CreateModel(backend, visible, options.Hidden, options.Activation);
        var batch = Math.Min(options.Batch, trainCount);
        pass = new TiedAutoencoderPass(Model, batch);
        IBackend[] lanes = options.Hogwild >= 2 && backend is ILaneProvider provider
            ? [.. Enumerable.Range(0, options.Hogwild).Select(_ => provider.CreateLane())] : [];
        Path = StepPolicy.ForDae(options, backend, lanes.Length > 0);
        step = Path switch
        {
            StepPath.SampleSgdKernel => new SampleSgdTiedDaeStep(backend.SampleSgd!, Model, options, options.Hogwild >= 2 ? options.Hogwild : 0),
            StepPath.GradientsThenOptimizer => GenericStep(backend, batch),
            _ => new FusedTiedDaeStep(Model, pass, options, lanes),
        };
        trainer = new Trainer(backend, step, new TrainerSettings(options.Seed, options.Batch, options.LearningRate), trainPixels, trainCount,
            guarded: Model.Parameters);
        // The test loss is computed between epochs, when the training pass's buffers are idle.
        evaluator = new ReconstructionEvaluator(Model, test, pass.Scratch(Math.Min(ReconstructionEvaluator.ChunkRows, test.Rows)));
        noVelocities = new Tensor<float>?[Model.Parameters.Count];
        if (state is not null)
        {
            state.RestoreVelocities(Velocities);
            if (step.Optimizer is { } optimizer)
                state.RestoreOptimizer(optimizer);
            trainer.Restore(state.EpochsDone, state.StepsDone, state.Position, state.PartialLosses);
        }
    }

    /// <summary>
    /// The generic step: the modules of the tied DAE, trained in place on <see cref="Model"/>'s tensors (W in the weights group,
    /// decayed; the biases in theirs), and the options' optimizer rule.
    /// </summary>
    private NetworkStep GenericStep(IBackend backend, int batch)
    {
        var network = options.Network(Model.Visible)
            .Build(backend, batch, name => Model.Parameters.FirstOrDefault(p => p.Name == name).Tensor);
        return new NetworkStep(network, new Optimizer(backend, network.TrainedParameters, options.ToOptimizerOptions()), options.LearningRate, options.OnNan);
    }

    public IBackend Backend { get; }
    public TiedAutoencoder Model { get; }

    /// <summary>The loop this model runs on.</summary>
    public Trainer Trainer => trainer;

    /// <summary>How each step runs (see <see cref="StepPolicy"/>).</summary>
    public StepPath Path { get; }

    /// <summary>The optimizer's named state when the step is the generic one (null on SGD's fused paths).</summary>
    public Optimizer? Optimizer => step.Optimizer;

    /// <summary>The backend's per-sample SGD family when this run uses it (<see cref="StepPath.SampleSgdKernel"/>); else null.</summary>
    public ISampleSgd? SampleSgd => Path == StepPath.SampleSgdKernel ? Backend.SampleSgd : null;

    /// <summary>
    /// K ≥ 2 when the epoch runs on <see cref="ISampleSgd.TiedDaeHogwild"/> (Hogwild on an ILGPU backend: K
    /// workers of the kernel in flight); 0 when it is sequential or runs on the host's lanes.
    /// </summary>
    public int HogwildKernelWorkers => (step as SampleSgdTiedDaeStep)?.HogwildWorkers ?? 0;

    public int EpochsDone => trainer.EpochsDone;
    public long StepsDone => trainer.StepsDone;
    public int TrainCount => trainer.TrainCount;

    /// <summary>Momentum buffers in parameter order; entries are null when momentum is 0 or the step keeps none.</summary>
    public IReadOnlyList<Tensor<float>?> Velocities => (step as FusedTiedDaeStep)?.Velocities ?? noVelocities;

    /// <summary>
    /// Runs the next epoch and scores the test set; throws <see cref="TrainingDivergedException"/> at the first non-finite
    /// training loss, or when the test loss is not finite (weights that overflowed while every training loss stayed finite),
    /// before anything of the epoch is saved.
    /// </summary>
    public EpochReport RunEpoch(Action<StepProgress>? progress = null) => RunEpochOrStop(progress, null, null)!;

    /// <summary><see cref="RunEpoch"/>, stopped or checkpointed between two steps as <paramref name="control"/> says.</summary>
    /// <returns>The epoch's report, or null when <paramref name="control"/> stopped it between two steps (see <see cref="Trainer.RunEpoch"/>).</returns>
    public EpochReport? RunEpochOrStop(Action<StepProgress>? progress, RunControl? control, Action? checkpoint)
    {
        if (trainer.RunEpochOrStop(progress, control, checkpoint) is not { } epoch)
            return null;
        var testLoss = TestLoss();
        if (!double.IsFinite(testLoss))
            throw new TrainingDivergedException(epoch.Epoch, trainer.StepsDone, testLoss, quantity: "test loss");
        return new EpochReport(epoch.Epoch, epoch.TrainLoss, testLoss, epoch.Seconds, epoch.SamplesPerSecond) { SkippedBatches = epoch.SkippedBatches };
    }

    /// <summary>
    /// A host copy of everything a checkpoint holds — parameters, momentum buffers, the optimizer's state and step counts,
    /// epochs and steps done, and mid-epoch the position and losses so far — for <see cref="Restore(DaeSessionSnapshot)"/> (on_nan halve-lr returns to it).
    /// </summary>
    public DaeSessionSnapshot Snapshot()
    {
        Backend.Synchronize();
        return new DaeSessionSnapshot(
            [.. Model.Parameters.Select(p => p.Tensor.ToArray())],
            [.. Velocities.Select(v => v?.ToArray())],
            [.. Optimizer?.State.Select(s => s.Tensor.ToArray()) ?? []],
            Optimizer?.StepCounts.ToDictionary() ?? [],
            trainer.EpochsDone, trainer.StepsDone, trainer.PartialLosses());
    }

    /// <summary>Puts this session back where <paramref name="snapshot"/> (one of its own) found it.</summary>
    public void Restore(DaeSessionSnapshot snapshot)
    {
        for (var i = 0; i < Model.Parameters.Count; i++)
            Model.Parameters[i].Tensor.CopyFrom(snapshot.Parameters[i]);
        for (var i = 0; i < Velocities.Count; i++)
            Velocities[i]?.CopyFrom(snapshot.Velocities[i]);
        if (Optimizer is { } optimizer)
        {
            for (var i = 0; i < optimizer.State.Count; i++)
                optimizer.State[i].Tensor.CopyFrom(snapshot.OptimizerState[i]);
            foreach (var (name, step) in snapshot.StepCounts)
                optimizer.SetStepCount(name[..^(OptimizerStateNames.Step.Length + 1)], step);
        }
        trainer.Restore(snapshot.EpochsDone, snapshot.StepsDone, snapshot.PartialLosses.Length, snapshot.PartialLosses);
    }

    /// <summary>Mean per-example loss on the clean test inputs.</summary>
    public double TestLoss() => evaluator.MeanLoss(options.Loss);

    public void Dispose()
    {
        evaluator.Dispose();
        trainer.Dispose();
        step.Dispose();
        pass.Dispose();
        Model.Dispose();
        test.Dispose();
    }
}

/// <summary>What <see cref="DaeSession.Snapshot"/> copies: each list in the session's own order.</summary>
/// <param name="PartialLosses">The losses of the epoch's examples done when it was taken mid-epoch (a run resumed from a mid-epoch
/// checkpoint starts there); empty at an epoch's end.</param>
public sealed record DaeSessionSnapshot(float[][] Parameters, float[]?[] Velocities, float[][] OptimizerState,
    IReadOnlyDictionary<string, long> StepCounts, int EpochsDone, long StepsDone, float[] PartialLosses);
