namespace ILGPUAE.Cli.Verbs;

using global::CommandLine;
using ILGPUAE.Data;
using ILGPUAE.IO;
using ILGPUAE.Training.Anamo;

/// <summary>The flags `train anamo` and `compare anamo` share: the model, the penalty and ANAMO's schedule.</summary>
public abstract class AnamoVerbOptions : RunVerbOptions
{
    [Option("hidden", Default = 10, HelpText = "Hidden units (the note: 10 on halves; 100 on MNIST).")]
    public int Hidden { get; set; }

    [Option("lambda", Default = 0.1f, HelpText = "λ of the code penalty λ‖E(x)‖₁ per image. The codes are sigmoid outputs, positive, so this penalty is λ·Σh: smooth, part of the encoder's gradient, and FISTA's prox is the identity for it. The soft-threshold prox applies to --l1-encoder-weights.")]
    public float Lambda { get; set; }

    [Option("l1-encoder-weights", Default = 0f, HelpText = "λ_w of an L1 penalty λ_w‖W_enc‖₁ on the encoder's weights (not its bias): non-smooth, taken by FISTA's prox (soft threshold by step·λ_w) in the encoder's inner loop (default 0: none).")]
    public float EncoderWeightL1 { get; set; }

    [Option("enc-iters", Default = 5, HelpText = "Encoder inner iterations per minibatch (FISTA, decoder fixed).")]
    public int EncoderIterations { get; set; }

    [Option("dec-iters", Default = 15, HelpText = "Decoder inner iterations per minibatch (Nesterov's accelerated gradient, encoder fixed).")]
    public int DecoderIterations { get; set; }

    [Option("enc-step", Default = 1f, HelpText = "The encoder's step size e.")]
    public float EncoderStep { get; set; }

    [Option("dec-step", Default = 1f, HelpText = "The decoder's step size d.")]
    public float DecoderStep { get; set; }

    [Option("enc-method", Default = InnerMethod.Accelerated, HelpText = "The encoder's inner method: accelerated (FISTA, restarted each minibatch) or gradient (plain gradient steps).")]
    public InnerMethod EncoderMethod { get; set; }

    [Option("dec-method", Default = InnerMethod.Accelerated, HelpText = "The decoder's inner method: accelerated (Nesterov, restarted each minibatch) or gradient.")]
    public InnerMethod DecoderMethod { get; set; }

    [Option("outer", Default = 10, HelpText = "Outer iterations: epochs over the training set, one ANAMO iteration per minibatch.")]
    public int Outer { get; set; }

    [Option("encoder", Default = "sigmoid", HelpText = "The encoder's activation: sigmoid, or smooth-step (the binary-encoder variant: s(u) = 3(u/ε)² − 2(u/ε)³ on [0, ε], 0 below, 1 above; its codes are ≥ 0, so the code penalty stays smooth where s is).")]
    public string Encoder { get; set; } = "sigmoid";

    [Option("epsilon", Default = 1f, HelpText = "The smooth step's width ε (with --encoder smooth-step).")]
    public float Epsilon { get; set; }

    [Option("batch", Default = 100, HelpText = "Minibatch size (100: the whole of halves' training set, as the note runs it).")]
    public int Batch { get; set; }

    public AnamoOptions ToAnamoOptions(ulong seed)
    {
        return new()
        {
            Dataset = ParseDataset() ?? DatasetKind.Halves,
            Hidden = Hidden,
            Encoder = Encoder.Trim().ToLowerInvariant() switch
            {
                "sigmoid" => AnamoEncoder.Sigmoid,
                "smooth-step" => AnamoEncoder.SmoothStep,
                _ => throw new InputException($"--encoder {Encoder}: expected sigmoid or smooth-step"),
            },
            Epsilon = Epsilon,
            Lambda = Lambda,
            EncoderWeightL1 = EncoderWeightL1,
            EncoderIterations = EncoderIterations,
            DecoderIterations = DecoderIterations,
            EncoderStep = EncoderStep,
            DecoderStep = DecoderStep,
            EncoderMethod = EncoderMethod,
            DecoderMethod = DecoderMethod,
            Outer = Outer,
            Batch = Batch,
            Seed = seed,
            TrainLimit = TrainLimit,
            TestLimit = TestLimit,
        };
    }
}

[Verb("anamo", HelpText = "Train a single-hidden-layer sigmoid autoencoder (untied) on ½‖x − x̂‖² + λ‖E(x)‖₁ with ANAMO: per minibatch, FISTA on the encoder with the decoder fixed, then Nesterov's accelerated gradient on the decoder with the encoder fixed (the note \"Autoencoders\"). Default data: halves (the note's 10×10 synthetic set).")]
public sealed class TrainAnamoOptions : AnamoVerbOptions
{
    [Option("seed", Default = 1UL, HelpText = "Seed of the initial weights and the minibatch order.")]
    public ulong Seed { get; set; }

    [Option("out", Default = "runs/anamo", HelpText = "Output directory: model.safetensors, train_state.safetensors, metrics.json, curves.png.")]
    public string Out { get; set; } = "runs/anamo";

    public AnamoOptions ToOptions() => ToAnamoOptions(Seed);
}

public static class TrainAnamoVerb
{
    public static int Run(TrainAnamoOptions o)
    {
        var options = o.ToOptions();
        if (o.Resume is null)
            options.Validate();
        else if (AnamoTraining.SavedOptions(o.Resume) is { } saved)
            ResumeCheck.Check(o, options, saved, []);
        return StopSignals.Run(o.CheckpointEvery, control =>
        {
            var request = new AnamoRunRequest(options, o.Accelerator, o.Device, o.DataDir, o.Resume ?? o.Out, o.Resume is not null, o.Force, control);
            var metrics = ConsoleTrainingObserver.Run(observer => AnamoTraining.Run(request, observer));
            if (metrics.Epochs.Count > 0)
                Console.WriteLine($"done: test ½‖x − x̂‖² {metrics.Epochs[^1].TestLoss:F4}, test reconstruction bias (1/M)Σ‖x − x̂‖₂ {metrics.Epochs[^1].TestBias:F4}; wrote {Path.GetFullPath(request.OutDir)}");
            return CliApp.Ok;
        });
    }
}

[Verb("anamo", HelpText = "Compare ANAMO with Adam (PyTorch's defaults) on the same objective from the same initial weights per seed, as the note \"Autoencoders\" does: rows.csv (resumable), curves/, loss.png, summary.md in --out.")]
public sealed class CompareAnamoOptions : AnamoVerbOptions
{
    [Option("seeds", Default = 10, HelpText = "Seeds 1 … N, each run by both methods (a single seed proves nothing at this size).")]
    public int Seeds { get; set; }

    [Option("adam-epochs", HelpText = "Adam's epochs (default: as many gradient evaluations as ANAMO's, outer × (enc-iters + dec-iters): 200 for the note's setup).")]
    public int? AdamEpochs { get; set; }

    [Option("adam-lr", Default = 1e-3f, HelpText = "Adam's learning rate (default 0.001, PyTorch's).")]
    public float AdamLearningRate { get; set; }

    [Option("out", Required = true, HelpText = "Output directory; a rerun into it skips the seeds rows.csv already has.")]
    public string Out { get; set; } = "";
}

public static class CompareAnamoVerb
{
    public static int Run(CompareAnamoOptions o)
    {
        foreach (var flag in new[] { "--resume", "--checkpoint-every", "--force" })
            if (o.Given.ContainsKey(flag))
                throw new InputException($"{flag}: compare anamo resumes by itself from --out's rows.csv; expected no {flag}");
        var options = new ComparisonOptions { Anamo = o.ToAnamoOptions(1), Seeds = o.Seeds, AdamEpochs = o.AdamEpochs, AdamLearningRate = o.AdamLearningRate };
        options.Validate();
        var rows = AnamoComparison.Run(options, o.Accelerator, o.Device, o.DataDir, o.Out, Console.WriteLine);
        Console.WriteLine($"done: {rows.Count} runs; wrote {Path.GetFullPath(Path.Combine(o.Out, AnamoComparison.SummaryFile))}");
        return CliApp.Ok;
    }
}
