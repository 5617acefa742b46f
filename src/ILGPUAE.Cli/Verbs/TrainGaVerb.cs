namespace ILGPUAE.Cli.Verbs;

using global::CommandLine;
using ILGPUAE.Backend;
using ILGPUAE.Data;
using ILGPUAE.IO;
using ILGPUAE.Training.Genetic;

[Verb("ga", HelpText = "Train tied sigmoid autoencoders (visible → --hidden → visible, the model of `train dae`) by a genetic algorithm instead of gradients (the paper's Algorithm 2): each generation scores every individual's reconstruction loss on one minibatch (all individuals in a few batched launches), breeds --offspring children from fit parents by crossover and mutation, and lets them replace the least fit; optionally islands with migration and a memetic SGD step. The best individual (on the first 1000 training images) is written as model.safetensors in `train dae`'s layout. MNIST unless --dataset.")]
public sealed class TrainGaOptions : RunVerbOptions
{
    [Option("hidden", Default = 100, HelpText = "Hidden units of every individual.")]
    public int Hidden { get; set; }

    [Option("corruption", Default = 0f, HelpText = "Masking-noise probability of the scored minibatch (denoising fitness; the clean images are the targets).")]
    public float Corruption { get; set; }

    [Option("loss", HelpText = "The reconstruction loss per image: mse (default), ½‖x − z‖²; or xent.")]
    public LossOption? Loss { get; set; }

    [Option("population", Default = 64, HelpText = "Individuals per island (N).")]
    public int Population { get; set; }

    [Option("offspring", HelpText = "Offspring per generation, who replace as many of the least fit (αN; default N/2).")]
    public int? Offspring { get; set; }

    [Option("elites", Default = 1, HelpText = "The best individuals that are never replaced.")]
    public int Elites { get; set; }

    [Option("selection", Default = "tournament", HelpText = "How parents are picked: tournament (--tournament-size draws, the lowest loss wins) or roulette (fitness-proportional on the losses: weight (worst − loss) + (worst − best)/16).")]
    public string Selection { get; set; } = "tournament";

    [Option("tournament-size", Default = 3, HelpText = "Entrants per tournament.")]
    public int TournamentSize { get; set; }

    [Option("crossover", Default = "uniform", HelpText = "How two parents make a child over the flattened weight vector: uniform, one-point, two-point or blend (BLX-α).")]
    public string Crossover { get; set; } = "uniform";

    [Option("blend-alpha", Default = 0.5f, HelpText = "α of the blend crossover.")]
    public float BlendAlpha { get; set; }

    [Option("mutation", Default = "gaussian", HelpText = "gaussian (+ N(0, σ²) on a mutated gene) or reset (a mutated gene redrawn from the initial weights' distribution).")]
    public string Mutation { get; set; } = "gaussian";

    [Option("mutation-rate", Default = 0.01f, HelpText = "The probability that a gene mutates.")]
    public float MutationRate { get; set; }

    [Option("mutation-scale", Default = 0.1f, HelpText = "σ of a Gaussian mutation at generation 0.")]
    public float MutationScale { get; set; }

    [Option("mutation-decay", Default = 1f, HelpText = "Anneals σ: generation g mutates with σ·decay^g (1: constant).")]
    public float MutationDecay { get; set; }

    [Option("batch", Default = 100, HelpText = "Images in each generation's minibatch.")]
    public int Batch { get; set; }

    [Option("fixed-minibatch", Default = false, HelpText = "Score every generation on the same minibatch (the first --batch training images) instead of the next one.")]
    public bool FixedMinibatch { get; set; }

    [Option("epochs", Default = 1, HelpText = "Epochs over the training images: ⌊train / batch⌋ generations each.")]
    public int Epochs { get; set; }

    [Option("islands", Default = 1, HelpText = "Sub-populations of --population individuals each.")]
    public int Islands { get; set; }

    [Option("migration-interval", Default = 10, HelpText = "Generations between migrations (with --islands above 1).")]
    public int MigrationInterval { get; set; }

    [Option("migrants", Default = 1, HelpText = "The best individuals of each island that migrate, replacing the least fit of the receiving island.")]
    public int Migrants { get; set; }

    [Option("topology", Default = "ring", HelpText = "Where migrants go: ring (island i to i + 1) or random (another island drawn from the seed each migration).")]
    public string Topology { get; set; } = "ring";

    [Option("memetic-steps", Default = 0, HelpText = "Plain SGD steps on each offspring on the generation's minibatch before it joins (Lamarckian: the trained weights join); 0: a plain GA.")]
    public int MemeticSteps { get; set; }

    [Option("memetic-lr", Default = 0.1f, HelpText = "Learning rate of the memetic SGD steps.")]
    public float MemeticLearningRate { get; set; }

    [Option("seed", Default = 1UL, HelpText = "Seed of the initial population, the minibatch order and every genetic draw.")]
    public ulong Seed { get; set; }

    [Option("out", Default = "runs/ga", HelpText = "Output directory: model.safetensors (the best individual), train_state.safetensors (every island's population), metrics.json (epochs and every generation's best, mean and worst loss and diversity), fitness.png, filters.png, reconstructions.png.")]
    public string Out { get; set; } = "runs/ga";

    public GaOptions ToOptions() => new()
    {
        Dataset = ParseDataset() ?? DatasetKind.Mnist,
        Hidden = Hidden,
        Corruption = Corruption,
        Loss = Loss?.ToLossKind() ?? LossKind.SquaredError,
        Population = Population,
        Offspring = Offspring,
        Elites = Elites,
        Selection = Choice("--selection", Selection, ("tournament", SelectionKind.Tournament), ("roulette", SelectionKind.Roulette)),
        TournamentSize = TournamentSize,
        Crossover = Choice("--crossover", Crossover, ("uniform", CrossoverKind.Uniform), ("one-point", CrossoverKind.OnePoint), ("two-point", CrossoverKind.TwoPoint),
            ("blend", CrossoverKind.Blend)),
        BlendAlpha = BlendAlpha,
        Mutation = Choice("--mutation", Mutation, ("gaussian", MutationKind.Gaussian), ("reset", MutationKind.Reset)),
        MutationRate = MutationRate,
        MutationScale = MutationScale,
        MutationDecay = MutationDecay,
        Batch = Batch,
        FixedMinibatch = FixedMinibatch,
        Epochs = Epochs,
        Islands = Islands,
        MigrationInterval = MigrationInterval,
        Migrants = Migrants,
        Topology = Choice("--topology", Topology, ("ring", MigrationTopology.Ring), ("random", MigrationTopology.Random)),
        MemeticSteps = MemeticSteps,
        MemeticLearningRate = MemeticLearningRate,
        Seed = Seed,
        TrainLimit = TrainLimit,
        TestLimit = TestLimit,
    };

    private static T Choice<T>(string flag, string text, params (string Name, T Value)[] choices)
    {
        var name = text.Trim().ToLowerInvariant();
        foreach (var (n, v) in choices)
            if (n == name)
                return v;
        throw new InputException($"{flag} {text}: expected {string.Join(", ", choices.Select(c => c.Name).SkipLast(1))} or {choices[^1].Name}");
    }
}

public static class TrainGaVerb
{
    public static int Run(TrainGaOptions o)
    {
        var options = o.ToOptions();
        if (o.Resume is null)
            options.Validate();
        else if (GaTraining.SavedOptions(o.Resume) is { } saved)
            ResumeCheck.Check(o, options, saved, []);
        return StopSignals.Run(o.CheckpointEvery, control =>
        {
            var request = new GaRunRequest(options, o.Accelerator, o.Device, o.DataDir, o.Resume ?? o.Out, o.Resume is not null, o.Force, control);
            var metrics = ConsoleTrainingObserver.Run(observer => GaTraining.Run(request, observer));
            if (metrics.Epochs.Count > 0)
            {
                var last = metrics.Epochs[^1];
                Console.WriteLine($"done: best individual (island {last.BestIsland}, #{last.BestIndividual}) loss {last.ScoredLoss:F4} on the scoring images, test {last.TestLoss:F4} per image; wrote {Path.GetFullPath(request.OutDir)}");
            }
            return CliApp.Ok;
        });
    }
}

[Verb("ga", HelpText = "Compare the GA, the memetic GA and minibatch SGD on the same tied autoencoder (784 → 100 on the first 5000 MNIST images by default) for the same wall-clock training time: rows.csv (a row per epoch, as measured; a rerun skips the methods it has finished), loss.png (test loss against training time), summary.md.")]
public sealed class CompareGaOptions : DatasetOptions
{
    [Option("seconds", Default = 60.0, HelpText = "Seconds of training each method gets (evaluations excluded).")]
    public double Seconds { get; set; }

    [Option("hidden", Default = 100, HelpText = "Hidden units of the autoencoder.")]
    public int Hidden { get; set; }

    [Option("population", Default = 64, HelpText = "The GAs' individuals.")]
    public int Population { get; set; }

    [Option("lr", Default = 0.1f, HelpText = "Learning rate of SGD and of the memetic GA's step.")]
    public float LearningRate { get; set; }

    [Option("batch", Default = 100, HelpText = "Minibatch size of every method (a GA generation scores one).")]
    public int Batch { get; set; }

    [Option("train-limit", HelpText = "Train on the first N training images (default 5000, or all of a smaller set).")]
    public int? TrainLimit { get; set; }

    [Option("test-limit", HelpText = "Score on the first N test images.")]
    public int? TestLimit { get; set; }

    [Option("seed", Default = 1UL, HelpText = "Seed of every method's initial weights, order and draws.")]
    public ulong Seed { get; set; }

    [Option("out", Required = true, HelpText = "Output directory; a rerun into it skips the methods rows.csv has finished.")]
    public string Out { get; set; } = "";
}

public static class CompareGaVerb
{
    public static int Run(CompareGaOptions o)
    {
        var options = new GaComparisonOptions
        {
            Ga = new GaOptions
            {
                Dataset = o.ParseDataset() ?? DatasetKind.Mnist, Hidden = o.Hidden, Population = o.Population, Batch = o.Batch, Seed = o.Seed,
                TrainLimit = o.TrainLimit, TestLimit = o.TestLimit,
            },
            Seconds = o.Seconds,
            SgdLearningRate = o.LearningRate,
        };
        options.Validate();
        var rows = GaComparison.Run(options, o.Accelerator, o.Device, o.DataDir, o.Out, Console.WriteLine);
        Console.WriteLine($"done: {rows.Count} rows; wrote {Path.GetFullPath(Path.Combine(o.Out, GaComparison.SummaryFile))}");
        return CliApp.Ok;
    }
}
