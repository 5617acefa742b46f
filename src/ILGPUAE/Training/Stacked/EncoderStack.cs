namespace ILGPUAE.Training.Stacked;

using ILGPUAE.Backend;
using ILGPUAE.Checkpoints;
using ILGPUAE.Data;
using ILGPUAE.IO;
using ILGPUAE.Models;
using ILGPUAE.Modules;
using ILGPUAE.Training.Deep;

/// <summary>
/// The sigmoid encoders a classifier is built on, read from a model directory of either kind: a stack written by `pretrain`
/// (<see cref="StackFile"/>) or a deep autoencoder written by `train deep` (<see cref="DeepTraining"/>; its tied decoders are
/// dropped). Both name layer i's encoder <c>layer{i}.W</c> [out, in] and <c>layer{i}.b_hidden</c> [out], as the classifier's
/// stack layers are named (<see cref="ClassifierArchitecture"/>), so <see cref="Find"/> hands them to
/// <see cref="FeedForwardClassifier.Load"/> as they are.
/// </summary>
public sealed class EncoderStack
{
    private readonly Dictionary<string, float[]> tensors;

    private EncoderStack(string description, DatasetKind dataset, int visible, int[] hidden, Dictionary<string, float[]> tensors, bool binarized = false)
    {
        Binarized = binarized;
        Description = description;
        Dataset = dataset;
        Visible = visible;
        Hidden = hidden;
        this.tensors = tensors;
    }

    /// <summary>What the encoders were trained as, for metrics.json: "stacked denoising autoencoders", "deep autoencoder (scheme UJ, denoise)".</summary>
    public string Description { get; }

    /// <summary>Whether the encoders were trained on binarised data (`train deep --binarize`; never a `pretrain` stack).</summary>
    public bool Binarized { get; }

    /// <summary>The dataset the encoders were trained on.</summary>
    public DatasetKind Dataset { get; }

    /// <summary>Inputs of layer 0 (784 for MNIST).</summary>
    public int Visible { get; }

    /// <summary>The code widths d_1 … d_N, bottom first.</summary>
    public int[] Hidden { get; }

    /// <summary>The data of encoder tensor <paramref name="name"/> if the stack has it (shape checked), else null.</summary>
    public float[]? Find(string name, int[] shape)
    {
        if (!tensors.TryGetValue(name, out var data))
            return null;
        if (data.Length != shape.Aggregate(1L, (n, d) => n * d))
            throw new ArgumentException($"encoder tensor '{name}' holds {data.Length} values; the classifier asks for [{string.Join(", ", shape)}]", nameof(shape));
        return data;
    }

    /// <summary>
    /// The finished encoder stack in <paramref name="directory"/>'s model.safetensors, every tensor's shape checked against the
    /// file's architecture and every value finite. Throws <see cref="InputException"/> in one line naming the directory or the
    /// file when it is not a finished stack of either kind.
    /// </summary>
    public static EncoderStack Read(string directory)
    {
        var path = Path.Combine(directory, StackFile.FileName);
        if (!File.Exists(path))
            throw InputException.AboutSetting("pretrained", $"pretrained {directory}: {path} does not exist; expected a directory written by `pretrain`, `train deep` or `train sparse`");
        var file = SafeTensorsFile.Read(path);
        file.Metadata.TryGetValue(DaeCheckpoint.FormatKey, out var format);
        var stack = format switch
        {
            StackFile.Format => FromPretrained(directory, path),
            DeepTraining.Format => FromDeepModel(directory, path, file),
            Sparse.SparseTraining.Format => FromSparseModel(path, file),
            _ => throw new InputException(
                $"{path}: __metadata__.{DaeCheckpoint.FormatKey} is '{format}', expected '{StackFile.Format}', '{DeepTraining.Format}' or '{Sparse.SparseTraining.Format}' (a directory written by `pretrain`, `train deep` or `train sparse`)"),
        };
        foreach (var (name, data) in stack.tensors)
            for (var i = 0; i < data.Length; i++)
                if (!float.IsFinite(data[i]))
                    throw new InputException($"{path}: tensor '{name}' holds {data[i]} at element {i}; expected finite values (a model saved from a diverged run?)");
        return stack;
    }

    private static EncoderStack FromPretrained(string directory, string path)
    {
        var stack = StackFile.Read(path);
        if (stack.LayersDone < stack.Options.Layers)
            throw InputException.AboutSetting("pretrained", $"pretrained {directory}: {stack.LayersDone} of {stack.Options.Layers} layers are pretrained; expected a finished stack (its pretraining run continues with resume {directory})", "resume");
        var tensors = new Dictionary<string, float[]>();
        for (var i = 0; i < stack.LayersDone; i++)
        {
            int inputs = stack.InputsOf(i), hidden = stack.Options.Hidden[i];
            var (w, b, _) = Networks.DeepLayerNames(i);
            tensors[w] = stack.Find(w, [hidden, inputs])!;
            tensors[b] = stack.Find(b, [hidden])!;
        }
        return new EncoderStack("stacked denoising autoencoders", stack.Options.Dataset, stack.Visible, stack.Options.Hidden, tensors);
    }

    /// <summary>
    /// The encoders of a `train deep` model: the dense modules before its first tied decoder in the saved architecture (the kept model
    /// is saved clean, as <see cref="DeepSchedule.ScoringSpec"/> builds it), each sigmoid and named as layer i of the stack.
    /// </summary>
    private static EncoderStack FromDeepModel(string directory, string path, SafeTensorsFile file)
    {
        var options = DaeCheckpoint.ReadJson<DeepOptions>(path, file, DaeCheckpoint.OptionsKey, o => o.Validate());
        var spec = Checkpoint.SpecOf(path, file);
        var encoders = spec.Modules.TakeWhile(m => m is not TiedDenseSpec).OfType<DenseSpec>().ToList();
        if (encoders.Count == 0)
            throw new InputException($"{path}: the deep autoencoder's architecture has no encoder layer; expected at least one (layer0.W …)");
        var tensors = new Dictionary<string, float[]>();
        for (var i = 0; i < encoders.Count; i++)
        {
            var e = encoders[i];
            var (w, b, _) = Networks.DeepLayerNames(i);
            if (e.Weight != w || e.Bias != b || e.Activation != Activation.Sigmoid || e.Softmax || (i > 0 && e.Inputs != encoders[i - 1].Outputs))
                throw new InputException($"{path}: encoder {i} of the architecture is {e.Activation} {e.Inputs} → {e.Outputs} ({e.Weight}, {e.Bias}); expected sigmoid layer {i} ({w}, {b}) on the layer below's codes");
            tensors[w] = DaeCheckpoint.Tensor(path, file, w, e.Outputs, e.Inputs);
            tensors[b] = DaeCheckpoint.Tensor(path, file, b, e.Outputs);
        }
        if (encoders.Count < options.Layers.Length)
            throw InputException.AboutSetting("pretrained", $"pretrained {directory}: the model has {encoders.Count} of its {options.Layers.Length} layers (its layer-wise training stopped early); expected a finished model (its run continues with resume {directory})", "resume");
        var description = $"deep autoencoder (scheme {options.Scheme}, {DeepOptions.Name(options.Regularizer)})";
        return new EncoderStack(description, options.Dataset, encoders[0].Inputs, [.. encoders.Select(e => e.Outputs)], tensors, options.Binarize);
    }

    /// <summary>
    /// The encoders of a `train sparse` model (one sparse autoencoder, or a greedily trained stack): the dense modules of its saved
    /// architecture named as stack layers 0, 1, … (<see cref="Networks.SparseLayerNames"/>), each sigmoid on the layer below's codes.
    /// </summary>
    private static EncoderStack FromSparseModel(string path, SafeTensorsFile file)
    {
        var options = DaeCheckpoint.ReadJson<Sparse.SparseOptions>(path, file, DaeCheckpoint.OptionsKey, o => o.Validate());
        var dense = Checkpoint.SpecOf(path, file).Modules.OfType<DenseSpec>().ToList();
        var tensors = new Dictionary<string, float[]>();
        var hidden = new List<int>();
        for (var i = 0; i < options.Layers; i++)
        {
            var (w, b, _, _) = Networks.SparseLayerNames(i);
            var e = dense.FirstOrDefault(d => d.Weight == w);
            if (e is null || e.Bias != b || e.Activation != Activation.Sigmoid || e.Softmax || e.Outputs != options.Hidden[i]
                || (i > 0 && e.Inputs != hidden[^1]))
                throw new InputException($"{path}: the architecture has no sigmoid encoder {w} of {options.Hidden[i]} units on the layer below's codes; expected a finished `train sparse` model");
            tensors[w] = DaeCheckpoint.Tensor(path, file, w, e.Outputs, e.Inputs);
            tensors[b] = DaeCheckpoint.Tensor(path, file, b, e.Outputs);
            hidden.Add(e.Outputs);
        }
        var visible = dense.First(d => d.Weight == Networks.SparseLayerNames(0).Weight).Inputs;
        return new EncoderStack(options.Layers > 1 ? "stacked sparse autoencoders" : "sparse autoencoder", options.Dataset, visible, [.. hidden], tensors);
    }
}
