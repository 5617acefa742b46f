namespace ILGPUAE.Training.Stacked;

using System.Globalization;
using System.Text.Json;
using ILGPUAE.Backend;
using ILGPUAE.IO;
using ILGPUAE.Models;

/// <summary>
/// A pretrained stack's model.safetensors: <c>layer{i}.W</c> [out, in], <c>layer{i}.b_hidden</c> [out] and
/// <c>layer{i}.b_visible</c> [in] (0-based) for every completed layer, and in <c>__metadata__</c> the format,
/// the options (JSON) and how many layers are complete. It is rewritten after each layer.
/// </summary>
public sealed class StackFile
{
    public const string FileName = DaeCheckpoint.ModelFileName;
    public const string Format = "ilgpuae.sda-stack";
    public const string LayersKey = "layers";

    private readonly IReadOnlyList<NamedTensor> tensors;

    public StackFile(StackOptions options, int visible, IReadOnlyList<NamedTensor> tensors)
    {
        Options = options;
        Visible = visible;
        this.tensors = tensors;
        LayersDone = tensors.Count / 3;
    }

    public StackOptions Options { get; }

    /// <summary>Inputs of layer 0 (784 for MNIST).</summary>
    public int Visible { get; }

    public int LayersDone { get; }

    public static string TensorName(int layer, string name) => $"{ClassifierArchitecture.StackPrefix}{layer}.{name}";

    /// <summary>Inputs of layer <paramref name="layer"/>: the image for layer 0, the previous layer's units above it.</summary>
    public int InputsOf(int layer) => layer == 0 ? Visible : Options.Hidden[layer - 1];

    /// <summary>This stack with <paramref name="layer"/> (the next layer, just trained) appended.</summary>
    public StackFile With(TiedAutoencoder layer)
    {
        if (layer.Visible != InputsOf(LayersDone) || layer.Hidden != Options.Hidden[LayersDone])
            throw new ArgumentException($"layer {LayersDone} must be {InputsOf(LayersDone)} → {Options.Hidden[LayersDone]}, got {layer.Visible} → {layer.Hidden}");
        layer.Backend.Synchronize();
        var added = layer.Parameters.Select(p => new NamedTensor(TensorName(LayersDone, p.Name), [.. p.Tensor.Shape.Dimensions], p.Tensor.ToArray()));
        return new StackFile(Options, Visible, [.. tensors, .. added]);
    }

    /// <summary>Layer <paramref name="layer"/>'s autoencoder, on <paramref name="backend"/>.</summary>
    public TiedAutoencoder Layer(int layer, IBackend backend)
    {
        if (layer >= LayersDone)
            throw new ArgumentOutOfRangeException(nameof(layer), layer, $"the stack has {LayersDone} complete layers");
        var data = tensors.Skip(3 * layer).Take(3).ToArray();
        return TiedAutoencoder.FromValues(backend, InputsOf(layer), Options.Hidden[layer], data[0].Data, data[1].Data, data[2].Data);
    }

    /// <summary>The data of tensor <paramref name="name"/> if this stack has it (shape checked), else null.</summary>
    public float[]? Find(string name, int[] shape)
    {
        var tensor = tensors.FirstOrDefault(t => t.Name == name);
        if (tensor is null)
            return null;
        if (!tensor.Shape.AsSpan().SequenceEqual(shape))
            throw new InputException($"stack tensor '{name}' has shape [{string.Join(", ", tensor.Shape)}], expected [{string.Join(", ", shape)}]");
        return tensor.Data;
    }

    /// <summary>Writes <c>model.safetensors</c> in <paramref name="directory"/> on its own (a checkpoint of its own).</summary>
    public void Write(string directory)
    {
        var commit = new CheckpointCommit(directory);
        Stage(commit, directory);
        commit.Commit();
    }

    /// <summary>Stages <c>model.safetensors</c> in <paramref name="directory"/> as part of <paramref name="commit"/>.</summary>
    public void Stage(CheckpointCommit commit, string directory)
    {
        var metadata = new Dictionary<string, string>
        {
            [DaeCheckpoint.FormatKey] = Format,
            [DaeCheckpoint.OptionsKey] = JsonSerializer.Serialize(Options, DaeCheckpoint.Json),
            [LayersKey] = LayersDone.ToString(CultureInfo.InvariantCulture),
            ["visible"] = Visible.ToString(CultureInfo.InvariantCulture),
            ["layout"] = "layer{i}.W [out, in], layer{i}.b_hidden [out], layer{i}.b_visible [in]; code = sigmoid(W·x + b_hidden)",
        };
        commit.Stage(Path.Combine(directory, FileName), new SafeTensorsFile(tensors, metadata).Write);
    }

    /// <summary>Reads a stack written by `pretrain`, checking its format, options and every tensor's shape.</summary>
    public static StackFile Read(string path)
    {
        var file = SafeTensorsFile.Read(path);
        if (!file.Metadata.TryGetValue(DaeCheckpoint.FormatKey, out var format) || format != Format)
            throw new InputException($"{path}: __metadata__.{DaeCheckpoint.FormatKey} is '{format}', expected '{Format}' (a directory written by `pretrain`)");
        var options = DaeCheckpoint.ReadJson<StackOptions>(path, file, DaeCheckpoint.OptionsKey, o => o.Validate());
        var visible = DaeCheckpoint.ReadInt32(path, file, "visible");
        if (visible < 1)
            throw new InputException($"{path}: __metadata__.visible is {visible}, expected an integer ≥ 1");
        var layers = DaeCheckpoint.ReadInt32(path, file, LayersKey);
        if (layers > options.Layers)
            throw new InputException($"{path}: {layers} layers done but the options name {options.Layers}");
        var stack = new StackFile(options, visible, []);
        var tensors = new List<NamedTensor>();
        for (var i = 0; i < layers; i++)
        {
            int inputs = stack.InputsOf(i), hidden = options.Hidden[i];
            foreach (var (name, shape) in new[] { (TiedAutoencoder.WeightName, new[] { hidden, inputs }), (TiedAutoencoder.HiddenBiasName, [hidden]), (TiedAutoencoder.VisibleBiasName, [inputs]) })
            {
                var full = TensorName(i, name);
                tensors.Add(new NamedTensor(full, shape, DaeCheckpoint.Tensor(path, file, full, shape)));
            }
        }
        return new StackFile(options, visible, tensors);
    }
}
