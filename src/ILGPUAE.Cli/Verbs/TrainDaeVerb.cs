namespace ILGPUAE.Cli.Verbs;

using global::CommandLine;
using ILGPUAE.Backend;
using ILGPUAE.Data;
using ILGPUAE.Optimizers;
using ILGPUAE.Training;

public enum LossOption
{
    Mse,
    Xent,
}

public static class LossOptionExtensions
{
    public static LossKind ToLossKind(this LossOption loss) => loss == LossOption.Mse ? LossKind.SquaredError : LossKind.CrossEntropy;
}

[Verb("dae", HelpText = "Train a tied-weight denoising autoencoder on a dataset's training images (MNIST unless --dataset).")]
public sealed class TrainDaeOptions : TrainingVerbOptions
{
    [Option("hidden", Default = 500, HelpText = "Hidden units.")]
    public int Hidden { get; set; }

    [Option("activity-l1", HelpText = "λ of an L1 penalty on the hidden code, λ·Σ|h| added to each example's training loss (Keras' activity_regularizer=l1: the usual meaning of a sparse autoencoder's L1 term; the test loss stays the reconstruction's); 0 = none (default 0).")]
    public float? ActivityL1 { get; set; }

    [Option("activation", Default = Activation.Sigmoid, HelpText = "The hidden units' activation: sigmoid, tanh, relu or identity (the reconstruction is always a sigmoid; per-sample SGD on a GPU runs its persistent kernel for sigmoid only).")]
    public Activation Activation { get; set; }

    [Option("corruption", Default = 0.25f, HelpText = "Masking-noise probability per pixel, in [0, 1].")]
    public float Corruption { get; set; }

    [Option("loss", Default = LossOption.Mse, HelpText = "mse (½‖x − z‖²) or xent (cross-entropy), per example, summed over pixels.")]
    public LossOption Loss { get; set; }

    [Option("lr", HelpText = "Learning rate (default 0.1 for sgd and nesterov, PyTorch's default for the other optimizers).")]
    public float? LearningRate { get; set; }

    [Option("momentum", HelpText = "SGD momentum, in [0, 1) (default 0; nesterov 0.9).")]
    public float? Momentum { get; set; }

    [Option("batch", Default = 1, HelpText = "Minibatch size; 1 = per-sample SGD.")]
    public int Batch { get; set; }

    [Option("epochs", Default = 15, HelpText = "Total epochs (with --resume: the total to continue to).")]
    public int Epochs { get; set; }

    [Option("seed", Default = 1UL, HelpText = "Seed of every random stream (weights, shuffles, masks).")]
    public ulong Seed { get; set; }

    [Option("hogwild", Default = 0, HelpText = "K ≥ 2: K examples (batches) in flight at once with lock-free weight updates; NOT reproducible. host: K lanes, any batch; cuda/opencl/cpu: K kernel workers, --batch 1 and --momentum 0. 0 = sequential.")]
    public int Hogwild { get; set; }

    [Option("out", Default = "runs/dae", HelpText = "Output directory: model.safetensors, train_state.safetensors, metrics.json, curves.png.")]
    public string Out { get; set; } = "runs/dae";

    public DaeOptions ToOptions()
    {
        var optimizer = ResolveOptimizer(new OptimizerChoice());
        return new DaeOptions
        {
            Dataset = ParseDataset() ?? DatasetKind.Mnist,
            Hidden = Hidden,
            Activation = Activation,
            ActivityL1 = ActivityL1 ?? 0f,
            Corruption = Corruption,
            Loss = Loss.ToLossKind(),
            LearningRate = LearningRate ?? OptimizerChoice.DefaultLearningRate(optimizer.Kind, sgd: 0.1f),
            Momentum = MomentumFor(Momentum, optimizer.Kind, basis: 0f),
            Optimizer = optimizer,
            Batch = Batch,
            Epochs = Epochs,
            Seed = Seed,
            Hogwild = Hogwild,
            TrainLimit = TrainLimit,
            TestLimit = TestLimit,
            OnNan = ResolveOnNan(NanPolicy.Stop),
        };
    }
}

public static class TrainDaeVerb
{
    public static int Run(TrainDaeOptions o)
    {
        var options = o.ToOptions();
        if (o.Resume is null)
            options.Validate();
        else if (Path.Combine(o.Resume, DaeCheckpoint.ModelFileName) is var model && File.Exists(model))
            ResumeCheck.Check(o, options, DaeCheckpoint.ReadModel(model).Options, ["--epochs"]);
        return StopSignals.Run(o.CheckpointEvery, control =>
        {
            var request = new DaeRunRequest(options, o.Accelerator, o.Device, o.DataDir, o.Resume ?? o.Out, o.Resume is not null, o.Force, control);
            var metrics = ConsoleTrainingObserver.Run(observer => DaeTraining.Run(request, observer));
            var last = metrics.Epochs.LastOrDefault();
            if (last is not null)
                Console.WriteLine($"done: test loss {last.TestLoss:F4} after {last.Epoch} epochs; wrote {Path.GetFullPath(request.OutDir)}");
            return CliApp.Ok;
        });
    }
}
