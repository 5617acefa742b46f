namespace ILGPUAE.Cli.Verbs;

using global::CommandLine;
using ILGPUAE.Optimizers;
using ILGPUAE.Training.Stacked;

[Verb("finetune", HelpText = "Fine-tune a classifier built on a pretrained stack (`pretrain`, or the encoders of `train deep`) on a dataset's labels (the stack's unless --dataset); reports test accuracy.")]
public sealed class FinetuneVerbOptions : TrainingVerbOptions
{
    [Option("pretrained", HelpText = "A directory written by `pretrain`, `train deep` or `train sparse` (its encoders, decoders dropped) (required unless --init random or --resume).")]
    public string? Pretrained { get; set; }

    [Option("init", HelpText = "pretrained (default: the stack in --pretrained) or random: the same classifier from random weights, the baseline of every pretraining claim (stack widths from --hidden).")]
    public FinetuneInit? Init { get; set; }

    [Option("hidden", HelpText = "With --init random: the stack's widths, comma-separated (default 1000,1000,1000, the sda3 stack).")]
    public string? Hidden { get; set; }

    [Option("preset", HelpText = "Start from a published recipe: sda3-theano (the defaults), sdae-mlp (--mlp 500, 30 epochs, no early stopping) or sda3-masked (sda3-theano with --corruption 0.2 --lr-plateau 3 --max-epochs 40). Options given here override it.")]
    public string? Preset { get; set; }

    [Option("mlp", HelpText = "Widths of extra sigmoid layers between the stack and the softmax, comma-separated, or none (default none).")]
    public string? Mlp { get; set; }

    [Option("lr", HelpText = "Learning rate (default 0.1).")]
    public float? LearningRate { get; set; }

    [Option("momentum", HelpText = "SGD momentum in [0, 1) (default 0; nesterov 0.9).")]
    public float? Momentum { get; set; }

    [Option("batch", HelpText = "Minibatch size; 1 = per-sample SGD (default 1).")]
    public int? Batch { get; set; }

    [Option("max-epochs", HelpText = "At most this many epochs (default 1000).")]
    public int? MaxEpochs { get; set; }

    [Option("patience", HelpText = "Early stopping: initial patience in epochs, doubled on a 0.5 % relative improvement (Theano's rule); 0 = off (default 10).")]
    public int? Patience { get; set; }

    [Option("corruption", HelpText = "Masking noise on the input while training (each pixel zeroed with this probability; never when scoring); 0 = clean (default 0).")]
    public float? Corruption { get; set; }

    [Option("lr-plateau", HelpText = "Reduce on plateau: multiply the learning rate by --lr-factor after this many epochs in a row without a new best validation error (Keras/PyTorch ReduceLROnPlateau); 0 = fixed rate (default 0).")]
    public int? LrPlateau { get; set; }

    [Option("lr-factor", HelpText = "The factor --lr-plateau multiplies the learning rate by, in (0, 1) (default 0.5).")]
    public double? LrFactor { get; set; }

    [Option("min-lr", HelpText = "--lr-plateau never lowers the learning rate below this (default 0).")]
    public double? MinLearningRate { get; set; }

    [Option("freeze", Default = false, HelpText = "Keep the pretrained layers fixed.")]
    public bool Freeze { get; set; }

    [Option("seed", HelpText = "Seed of the new layers' weights and the shuffles (default 1).")]
    public ulong? Seed { get; set; }

    [Option("out", Default = "runs/finetune", HelpText = "Output directory: model.safetensors (best-validation classifier), train_state.safetensors, metrics.json, curves.png.")]
    public string Out { get; set; } = "runs/finetune";

    /// <summary>The preset's options (or the defaults) with every option given here applied over them.</summary>
    public FinetuneOptions Resolve()
    {
        var o = Recipes.Finetuning(Preset is null ? null : Recipes.Parse(Preset));
        var optimizer = ResolveOptimizer(o.Optimizer);
        return o with
        {
            Mlp = Mlp is null ? o.Mlp : ListOption.Ints(Mlp, "--mlp"),
            LearningRate = LearningRate ?? (Optimizer is null ? o.LearningRate : OptimizerChoice.DefaultLearningRate(optimizer.Kind, o.LearningRate)),
            Momentum = MomentumFor(Momentum, optimizer.Kind, o.Momentum),
            Optimizer = optimizer,
            Batch = Batch ?? o.Batch,
            MaxEpochs = MaxEpochs ?? o.MaxEpochs,
            PatienceEpochs = Patience ?? o.PatienceEpochs,
            Corruption = Corruption ?? o.Corruption,
            LrPlateau = LrPlateau ?? o.LrPlateau,
            LrFactor = LrFactor ?? o.LrFactor,
            MinLearningRate = MinLearningRate ?? o.MinLearningRate,
            Freeze = Freeze || o.Freeze,
            Seed = Seed ?? o.Seed,
            TrainLimit = TrainLimit ?? o.TrainLimit,
            TestLimit = TestLimit ?? o.TestLimit,
            OnNan = ResolveOnNan(o.OnNan),
        };
    }
}

/// <summary>Where the stack's weights come from.</summary>
public enum FinetuneInit
{
    Pretrained,
    Random,
}

public static class FinetuneVerb
{
    public static int Run(FinetuneVerbOptions o)
    {
        var options = o.Resolve();
        var random = o.Init == FinetuneInit.Random;
        if (o.Resume is null)
        {
            if (random && o.Pretrained is not null)
                throw new IO.InputException($"--init random with --pretrained {o.Pretrained}: expected one of them");
            if (!random && o.Pretrained is null)
                throw new IO.InputException("--pretrained: missing; expected a directory written by `pretrain` or `train deep` (or --init random, or --resume DIR)");
            if (!random && o.Hidden is not null)
                throw new IO.InputException($"--hidden {o.Hidden}: a pretrained stack has its own widths; expected --hidden only with --init random");
            options.Validate();
        }
        else if (Path.Combine(o.Resume, Training.DaeCheckpoint.ModelFileName) is var model && File.Exists(model))
        {
            var (architecture, saved, pretrained, _) = ClassifierCheckpoint.ReadModel(model);
            var savedRandom = pretrained == FinetuneRunRequest.RandomInit;
            var outside = new Dictionary<string, ResumeCheck.Saved>();
            if (o.Pretrained is { } stack)
                outside["--pretrained"] = new(savedRandom ? "--init random" : pretrained, !savedRandom && ResumeCheck.SameDirectory(stack, pretrained));
            if (o.Init is { } init)
                outside["--init"] = new(savedRandom ? "random" : "pretrained", init == FinetuneInit.Random == savedRandom);
            if (o.Hidden is { } widths)
                outside["--hidden"] = new(string.Join(",", architecture.StackHidden), ListOption.Ints(widths, "--hidden").SequenceEqual(architecture.StackHidden));
            ResumeCheck.Check(o, options with { Dataset = o.ParseDataset() ?? saved.Dataset }, saved, [], outside);
        }
        int[]? randomStack = random ? (o.Hidden is null ? [1000, 1000, 1000] : ListOption.Ints(o.Hidden, "--hidden")) : null;
        var preset = o.Preset is null ? null : Recipes.Name(Recipes.Parse(o.Preset));
        return StopSignals.Run(o.CheckpointEvery, control =>
        {
            var request = new FinetuneRunRequest(options, preset, o.Pretrained ?? "", o.Accelerator, o.Device, o.DataDir, o.Resume ?? o.Out, o.Resume is not null, o.Force,
                Dataset: o.ParseDataset(), RandomStack: randomStack, Control: control);
            var metrics = ConsoleTrainingObserver.Run(observer => Finetuning.Run(request, observer));
            Console.WriteLine($"best validation error {100 * metrics.BestValidError:F2} % at epoch {metrics.BestEpoch} of {metrics.Epochs.Count}" +
                $"{(metrics.StoppedEarly ? " (stopped early)" : "")}; {metrics.TotalSeconds:F0} s");
            Console.WriteLine($"test accuracy {100 * metrics.TestAccuracy:F2} % ± {100 * metrics.TestHalfWidth95:F2} % (95 %), error {100 * metrics.TestError:F2} % " +
                $"({metrics.TestErrors} of {metrics.TestExamples}); wrote {Path.GetFullPath(request.OutDir)}");
            return CliApp.Ok;
        });
    }
}
