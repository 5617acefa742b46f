namespace ILGPUAE.Training.Labels;

using System.Diagnostics;
using System.Text.Json;
using ILGPUAE.Backend;
using ILGPUAE.Backends;
using ILGPUAE.Checkpoints;
using ILGPUAE.Data;
using ILGPUAE.Evaluation;
using ILGPUAE.IO;
using ILGPUAE.Modules;
using ILGPUAE.Objectives;
using ILGPUAE.Optimizers;
using ILGPUAE.Random;

/// <summary>Where a `train classifier` run reads and writes, and what it runs on.</summary>
/// <param name="Data">The splits already in memory (tests); null loads them from <paramref name="DataDir"/>.</param>
public sealed record LabelRunRequest(LabelOptions Options, AcceleratorKind Accelerator, int Device, string? DataDir, string OutDir, bool Force,
    ClassificationSplits? Data = null);

/// <summary>One epoch of a labelled-subset run: its mean training loss (softmax cross-entropy) and time.</summary>
public sealed record LabelEpoch(int Epoch, double TrainLoss, double Seconds);

/// <summary>
/// metrics.json of `train classifier`: the run's options, the subset's class counts, each epoch's loss, and the test accuracy
/// with the half-width of its 95 % interval (normal approximation, 1.96·√(p(1 − p)/n) over the n test images: the spread of the
/// test sample alone, not of the seed), and the confusion matrix [true class][predicted class].
/// </summary>
public sealed record LabelMetrics(string Model, string Dataset, string Backend, LabelOptions Options, string? EncoderFile, int[] SubsetClassCounts,
    List<LabelEpoch> Epochs, int TestCount, double TestAccuracy, double TestAccuracyHalfWidth95, int[][] Confusion, double Seconds);

/// <summary>
/// `train classifier`: issue 15's classifiers on a labelled subset, as models of the one <see cref="Trainer"/>. The CNN trains
/// whole on the images. A frozen encoder's classifier trains only its softmax layer, on the encoder's codes computed once for the
/// subset (<see cref="NetworkEvaluator.Codes"/>) rather than every step: the same classifier (a test checks it), epochs cheaper
/// by the encoder's forward pass. The model file holds the whole network (encoder and softmax), so it scores images directly.
/// </summary>
public static class LabelTraining
{
    public const string ConfusionFileName = "confusion.png";

    /// <summary>Rows scored per launch when testing (the network's buffers are allocated for the larger of this and the batch).</summary>
    private const int EvaluationChunk = 256;

    /// <summary>The network <paramref name="options"/> names, for a dataset of <paramref name="classes"/> classes.</summary>
    public static NetworkSpec Spec(LabelOptions options, int classes) => options.Model == LabelModel.Cnn
        ? Networks.SmallCnn(classes, options.SecondPool)
        : Networks.EncoderClassifier(Networks.ConvEncoder(), Networks.ConvCodeWidth, classes);

    /// <summary>The rule <paramref name="model"/> trains with: SGD at 0.1 for the CNN; Adam at 0.001, clipped to <see cref="LabelOptions.MaxGradNorm"/>, otherwise.</summary>
    public static OptimizerOptions Optimizer(LabelModel model) => model == LabelModel.Cnn
        ? new OptimizerOptions { Kind = OptimizerKind.Sgd, LearningRate = LabelOptions.SgdLearningRate }
        : new OptimizerOptions { Kind = OptimizerKind.Adam, LearningRate = LabelOptions.AdamLearningRate, MaxGradNorm = LabelOptions.MaxGradNorm };

    /// <summary>
    /// <paramref name="labels"/> examples of <paramref name="train"/> drawn without replacement by <paramref name="seed"/> (a permutation
    /// keyed by the LabelSubset stream; its first N), unstratified, in dataset order.
    /// </summary>
    public static Dataset Subset(Dataset train, int labels, ulong seed)
    {
        if (labels > train.Count)
            throw InputException.AboutSetting("labels", $"labels {labels}: expected at most the {train.Count} examples of {train.Name}");
        var picked = EpochOrder.Permutation(seed, RngStream.LabelSubset, 0, train.Count)[..labels];
        Array.Sort(picked);
        var f = train.Features;
        var pixels = new float[labels * f];
        var classes = new byte[labels];
        for (var i = 0; i < labels; i++)
        {
            Array.Copy(train.Pixels, picked[i] * f, pixels, i * f, f);
            classes[i] = train.Labels[picked[i]];
        }
        return new Dataset($"{train.Name} ({labels} labelled)", labels, train.Shape, pixels, classes);
    }

    /// <summary>
    /// Trains <paramref name="model"/>'s trained parameters for <paramref name="epochs"/> epochs on <paramref name="inputs"/>
    /// [count, model inputs] with <paramref name="labels"/> by the one trainer (seeded order, batch <paramref name="batch"/>);
    /// returns each epoch. <paramref name="epochDone"/> hears each as it ends.
    /// </summary>
    public static List<LabelEpoch> Fit(Network model, OptimizerOptions rule, ReadOnlySpan<float> inputs, int[] labels, ulong seed, int batch, int epochs,
        Action<LabelEpoch>? epochDone = null)
    {
        var backend = model.Backend;
        using var optimizer = new Optimizer(backend, model.TrainedParameters, rule);
        // Not disposed: a step disposes its network, which the caller owns; with NanPolicy.Stop it holds nothing else but the
        // optimizer, disposed above.
        var step = new NetworkStep(model, optimizer, rule.LearningRate);
        using var trainer = new Trainer(backend, step, new TrainerSettings(seed, batch, rule.LearningRate), inputs, labels.Length, labels,
            guarded: model.TrainedParameters.Select(p => (p.Name, p.Value)));
        var done = new List<LabelEpoch>(epochs);
        for (var e = 0; e < epochs; e++)
        {
            var epoch = trainer.RunEpoch();
            var report = new LabelEpoch(epoch.Epoch, epoch.TrainLoss, epoch.Seconds);
            done.Add(report);
            epochDone?.Invoke(report);
        }
        return done;
    }

    /// <summary>
    /// Trains the softmax layer of a frozen-encoder classifier (<see cref="Networks.EncoderClassifier"/>) on the codes of
    /// <paramref name="inputs"/>, computed once: a one-layer network sharing the classifier's softmax tensors trains on them, so
    /// <paramref name="classifier"/> ends with the trained layer.
    /// </summary>
    public static List<LabelEpoch> FitOnCodes(Network classifier, OptimizerOptions rule, Tensor<float> inputs, int[] labels, ulong seed, int batch, int epochs,
        Action<LabelEpoch>? epochDone = null)
    {
        var spec = classifier.Spec ?? throw new ArgumentException("the classifier has no spec", nameof(classifier));
        var encoderTop = spec.FirstTrained - 1;
        if (encoderTop < 0 || spec.FirstTrained != spec.Modules.Count - 1)
            throw new ArgumentException("expected a frozen encoder and one trained layer on top (Networks.EncoderClassifier)", nameof(classifier));
        float[] codes;
        using (var evaluator = new NetworkEvaluator(classifier.Backend, classifier))
            codes = evaluator.Codes(inputs, encoderTop);
        var top = classifier.Body.Modules[^1].Parameters.ToDictionary(p => p.Name, p => p.Value);
        using var head = new NetworkSpec([spec.Modules[^1]], spec.Objective).Build(classifier.Backend, batch, name => top.GetValueOrDefault(name));
        return Fit(head, rule, codes, labels, seed, batch, epochs, epochDone);
    }

    /// <summary>The run from start to end: checks, data, subset, model, training, test score, metrics.json, model.safetensors, confusion.png.</summary>
    public static LabelMetrics Run(LabelRunRequest request, Action<string> note)
    {
        var o = request.Options;
        o.Validate();
        var clock = Stopwatch.StartNew();
        // Every input is checked before the directory is created, so a refused run leaves nothing behind.
        using var run = OutputDirectory.Open(InputPath.NotEmpty(request.OutDir, "out"), resume: false, request.Force, note);
        var encoder = o.Model == LabelModel.Frozen ? PretrainedEncoder.Read(o.Encoder!) : null;
        var info = Datasets.Info(o.Dataset);
        // Refused before the set is loaded (a generated one would be made first).
        if (info.Shape != new ImageShape(1, 28, 28))
            throw InputException.AboutSetting("dataset", $"dataset {info.Name}: has {info.Shape} images; the classifiers take 1×28×28 images");
        var data = (request.Data ?? ClassificationSplits.Load(o.Dataset, request.DataDir, note)).Limit(null, o.TestLimit);
        var subset = Subset(data.Train, o.Labels, o.Seed);
        using var backend = AcceleratorCatalog.Open(request.Accelerator, request.Device, note);
        using var network = Build(backend, o, info.Classes, encoder);
        run.Create();

        var epochs = Train(network, o, subset, e => note($"epoch {e.Epoch}/{o.Epochs}: train loss {e.TrainLoss:F4} ({e.Seconds:F2} s)"));
        var confusion = Confusion(Predict(network, data.Test), data.Test.Labels, info.Classes);
        var correct = Enumerable.Range(0, info.Classes).Sum(c => confusion[c][c]);
        var n = data.Test.Count;
        var accuracy = (double)correct / n;
        var counts = new int[info.Classes];
        foreach (var l in subset.Labels)
            counts[l]++;
        var describe = Describe(o);
        var metrics = new LabelMetrics(describe, info.DisplayName, backend.Name, o, encoder?.Path, counts, epochs, n, accuracy,
            1.96 * Math.Sqrt(accuracy * (1 - accuracy) / n), confusion, clock.Elapsed.TotalSeconds);
        var outDir = run.Path;
        Checkpoint.Save(Path.Combine(outDir, DaeCheckpoint.ModelFileName), network, new Dictionary<string, string> { ["format"] = "ilgpuae.label-classifier" });
        AtomicFile.WriteAllText(Path.Combine(outDir, DaeCheckpoint.MetricsFileName), JsonSerializer.Serialize(metrics, MetricsJson));
        AtomicFile.WriteAllText(MetricsCsv.PathIn(outDir), MetricsCsv.Format(metrics, MetricsJson));
        ConfusionMatrix.Write(Path.Combine(outDir, ConfusionFileName), confusion,
            $"{describe} on {info.DisplayName}, {o.Labels} labels: test accuracy {100 * accuracy:F2} ± {100 * metrics.TestAccuracyHalfWidth95:F2} %");
        return metrics;
    }

    /// <summary>The model in words, as metrics.json and the pictures name it.</summary>
    public static string Describe(LabelOptions o) => o.Model switch
    {
        LabelModel.Cnn => $"small CNN ({(o.SecondPool ? "two pools" : "one pool")})",
        LabelModel.Frozen => "frozen pretrained encoder + softmax",
        _ => "frozen random encoder + softmax",
    };

    /// <summary>
    /// The classifier <paramref name="o"/> names, built on <paramref name="backend"/> and initialised by its seed (the random encoder
    /// He-uniform, the rest as PyTorch initialises), with a frozen model's encoder copied from <paramref name="encoder"/>.
    /// </summary>
    public static Network Build(IBackend backend, LabelOptions o, int classes, PretrainedEncoder? encoder)
    {
        if (o.Model == LabelModel.Frozen && encoder is null)
            throw new ArgumentException("a frozen model needs its pretrained encoder", nameof(encoder));
        var spec = Spec(o, classes);
        var network = spec.Build(backend, Math.Max(o.Batch, EvaluationChunk));
        try
        {
            network.Initialize(o.Seed, o.Model == LabelModel.Random ? ConvInit.HeUniform : ConvInit.PyTorchDefault);
            if (o.Model == LabelModel.Frozen)
                encoder!.CopyInto(network.Body.Modules.Take(spec.FirstTrained).SelectMany(m => m.Parameters));
            return network;
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Trains <paramref name="network"/> (from <see cref="Build"/>) on <paramref name="subset"/> as <paramref name="o"/> says: the CNN
    /// whole on the images, a frozen encoder's softmax on the codes computed once (<see cref="FitOnCodes"/>).
    /// </summary>
    public static List<LabelEpoch> Train(Network network, LabelOptions o, Dataset subset, Action<LabelEpoch>? epochDone)
    {
        var labels = Array.ConvertAll(subset.Labels, l => (int)l);
        var rule = Optimizer(o.Model);
        if (o.Model == LabelModel.Cnn)
            return Fit(network, rule, subset.Pixels, labels, o.Seed, o.Batch, o.Epochs, epochDone);
        using var pixels = network.Backend.Allocate<float>(subset.Count, subset.Features);
        pixels.CopyFrom(subset.Pixels);
        return FitOnCodes(network, rule, pixels, labels, o.Seed, o.Batch, o.Epochs, epochDone);
    }

    private static readonly JsonSerializerOptions MetricsJson = new(NetworkSpec.Json) { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The class <paramref name="network"/> gives each example of <paramref name="test"/>: the highest probability, ties to the lower class.</summary>
    public static int[] Predict(Network network, Dataset test)
    {
        using var pixels = network.Backend.Allocate<float>(test.Count, test.Features);
        pixels.CopyFrom(test.Pixels);
        float[] probabilities;
        using (var evaluator = new NetworkEvaluator(network.Backend, network))
            probabilities = evaluator.Codes(pixels, network.Body.Modules.Count - 1);
        var classes = probabilities.Length / test.Count;
        var predicted = new int[test.Count];
        for (var i = 0; i < test.Count; i++)
        {
            var row = probabilities.AsSpan(i * classes, classes);
            var best = 0;
            for (var c = 1; c < classes; c++)
                if (row[c] > row[best])
                    best = c;
            predicted[i] = best;
        }
        return predicted;
    }

    /// <summary>counts[true class][predicted class] of the first <paramref name="predicted"/>.Length examples labelled <paramref name="labels"/>.</summary>
    public static int[][] Confusion(ReadOnlySpan<int> predicted, ReadOnlySpan<byte> labels, int classes)
    {
        var counts = new int[classes][];
        for (var c = 0; c < classes; c++)
            counts[c] = new int[classes];
        for (var i = 0; i < predicted.Length; i++)
            counts[labels[i]][predicted[i]]++;
        return counts;
    }
}

/// <summary>A `train cae` run's encoder tensors (enc1.W, enc1.b, enc2.W, enc2.b), read from its model.safetensors.</summary>
public sealed class PretrainedEncoder
{
    private readonly SafeTensorsFile file;

    private PretrainedEncoder(string path, SafeTensorsFile file) => (Path, this.file) = (path, file);

    /// <summary>The model file's full path.</summary>
    public string Path { get; }

    /// <summary>The encoder in <paramref name="directory"/>/model.safetensors; a missing or unreadable file is an <see cref="InputException"/> about the setting "encoder".</summary>
    public static PretrainedEncoder Read(string directory)
    {
        var path = System.IO.Path.GetFullPath(System.IO.Path.Combine(directory, DaeCheckpoint.ModelFileName));
        if (!File.Exists(path))
            throw InputException.AboutSetting("encoder", $"encoder {directory}: {path} does not exist; expected a directory written by `train cae`");
        return new PretrainedEncoder(path, SafeTensorsFile.Read(path));
    }

    /// <summary>Copies each of <paramref name="parameters"/> from the tensor of its name (its shape checked).</summary>
    public void CopyInto(IEnumerable<Parameter> parameters)
    {
        foreach (var p in parameters)
            p.Value.CopyFrom(DaeCheckpoint.Tensor(Path, file, p.Name, [.. p.Shape.Dimensions]));
    }
}
