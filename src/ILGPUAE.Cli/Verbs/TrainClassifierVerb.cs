namespace ILGPUAE.Cli.Verbs;

using global::CommandLine;
using ILGPUAE.Training.Labels;

[Verb("classifier", HelpText = "Train one of issue 15's classifiers on a labelled subset of the training split and score it on the test set: cnn (the small CNN from scratch, SGD lr 0.1), frozen (a `train cae` encoder, frozen, + softmax; Adam lr 0.001, gradient norm clipped to 1) or random (the same encoder initialised at random, frozen, + softmax). Writes metrics.json, model.safetensors and confusion.png.")]
public sealed class TrainClassifierOptions : DatasetOptions
{
    [Option("model", Required = true, HelpText = "cnn, frozen or random.")]
    public LabelModel Model { get; set; }

    [Option("encoder", HelpText = "frozen: the directory of a trained convolutional autoencoder (its model.safetensors holds enc1.W, enc1.b, enc2.W, enc2.b).")]
    public string? Encoder { get; set; }

    [Option("labels", Default = 1000, HelpText = "Labelled training examples, drawn by --seed uniformly without replacement from the training split (not stratified: the class counts, in metrics.json, are what the draw gives).")]
    public int Labels { get; set; }

    [Option("epochs", Default = 100, HelpText = "Epochs (the study's 100).")]
    public int Epochs { get; set; }

    [Option("batch", Default = 16, HelpText = "Minibatch size (the study's 16).")]
    public int Batch { get; set; }

    [Option("seed", Default = 1UL, HelpText = "Seed of the labelled subset, the initial weights, the epoch orders and the dropout masks.")]
    public ulong Seed { get; set; }

    [Option("second-pool", Default = false, HelpText = "cnn: a second 2×2 max-pool after the second convolution, as the study's text has it (its layer list, the default, has one).")]
    public bool SecondPool { get; set; }

    [Option("test-limit", HelpText = "Score on the first N test examples (default all).")]
    public int? TestLimit { get; set; }

    [Option("out", Default = "runs/classifier", HelpText = "Output directory: metrics.json, model.safetensors (encoder and softmax together), confusion.png.")]
    public string Out { get; set; } = "runs/classifier";

    [Option("force", Default = false, HelpText = "Write into a non-empty --out directory.")]
    public bool Force { get; set; }

    public LabelOptions ToOptions() => new()
    {
        Model = Model,
        Encoder = Encoder,
        Labels = Labels,
        Dataset = ParseDataset() ?? Data.DatasetKind.Mnist,
        Epochs = Epochs,
        Batch = Batch,
        Seed = Seed,
        SecondPool = SecondPool,
        TestLimit = TestLimit,
    };
}

public static class TrainClassifierVerb
{
    public static int Run(TrainClassifierOptions o)
    {
        var request = new LabelRunRequest(o.ToOptions(), o.Accelerator, o.Device, o.DataDir, o.Out, o.Force);
        var m = LabelTraining.Run(request, Console.WriteLine);
        Console.WriteLine($"done: {m.Model} on {m.Dataset}, {m.Options.Labels} labels: test accuracy {100 * m.TestAccuracy:F2} ± {100 * m.TestAccuracyHalfWidth95:F2} % (95 %, {m.TestCount} images); wrote {Path.GetFullPath(o.Out)}");
        return CliApp.Ok;
    }
}
