namespace ILGPUAE.Checkpoints;

using System.Globalization;
using System.Text.Json;
using ILGPUAE.Backend;
using ILGPUAE.IO;
using ILGPUAE.Models;
using ILGPUAE.Modules;
using ILGPUAE.Optimizers;
using ILGPUAE.Training;
using ILGPUAE.Training.Stacked;

/// <summary>
/// A model file as a loop over named parameters: each parameter under its own name, and the architecture as JSON in
/// __metadata__["network"] (<see cref="NetworkSpec"/>: module kinds, sizes, activations, which W a tied decoder shares),
/// so a model is rebuilt from its file alone. Files written before the architecture was saved — `train dae`'s
/// ("ilgpuae.tied-dae"), `finetune`'s ("ilgpuae.classifier") and `pretrain`'s stacks ("ilgpuae.sda-stack") — are read by inferring it
/// from their options.
/// </summary>
public static class Checkpoint
{
    public const string NetworkKey = "network";

    /// <summary>
    /// The model file a verb's model setting names: a run directory's model.safetensors, or the file itself; a path that is
    /// neither is an <see cref="InputException"/> about the model setting (`eval`, `sample`, `probe svm`, `visualize`).
    /// </summary>
    public static string ModelPath(string model)
    {
        InputPath.NotEmpty(model, "model");
        var path = Directory.Exists(model) ? Path.Combine(model, DaeCheckpoint.ModelFileName) : model;
        if (!File.Exists(path))
            throw InputException.AboutSetting("model", $"model {model}: {path} does not exist; expected a run directory or a model.safetensors file");
        return path;
    }

    /// <summary>The parameters of <paramref name="network"/> and its architecture, with <paramref name="metadata"/>, written atomically.</summary>
    public static void Save(string path, Network network, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var spec = network.Spec ?? throw new ArgumentException("a network built without a spec cannot be rebuilt from its file", nameof(network));
        ModelFile(spec, Tensors(network), metadata).Write(path);
    }

    /// <summary>
    /// What <see cref="Save"/> writes, for values held elsewhere than in a network (a best-validation copy on the host):
    /// <paramref name="tensors"/> named as <paramref name="spec"/>'s parameters, and the architecture beside <paramref name="metadata"/>.
    /// </summary>
    public static SafeTensorsFile ModelFile(NetworkSpec spec, IEnumerable<NamedTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var all = new Dictionary<string, string>(metadata ?? new Dictionary<string, string>()) { [NetworkKey] = spec.ToJson() };
        return new SafeTensorsFile(tensors, all);
    }

    /// <summary>Each parameter, named as in the model, in forward order.</summary>
    /// <summary>
    /// A training checkpoint of any network on the <see cref="Trainer"/>: its parameters and architecture, the optimizer's named
    /// state and step counts (<see cref="OptimizerCheckpoint"/>), and the epochs and steps done, in one file written atomically.
    /// <see cref="RestoreTraining"/> puts all of it back, so the next epoch is the one the uninterrupted run would have run.
    /// </summary>
    public static void SaveTraining(string path, Network network, Trainer trainer, Optimizer? optimizer, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var spec = network.Spec ?? throw new ArgumentException("a network built without a spec cannot be rebuilt from its file", nameof(network));
        trainer.Backend.Synchronize();
        var all = new Dictionary<string, string>(metadata ?? new Dictionary<string, string>())
        {
            [NetworkKey] = spec.ToJson(),
            [DaeCheckpoint.EpochsKey] = trainer.EpochsDone.ToString(CultureInfo.InvariantCulture),
            [DaeCheckpoint.StepsKey] = trainer.StepsDone.ToString(CultureInfo.InvariantCulture),
        };
        var tensors = Tensors(network);
        if (optimizer is not null)
        {
            OptimizerCheckpoint.AddMetadata(optimizer, all);
            tensors = tensors.Concat(OptimizerCheckpoint.Tensors(optimizer));
        }
        new SafeTensorsFile([.. tensors], all).Write(path);
    }

    /// <summary>Restores what <see cref="SaveTraining"/> wrote into a network built from the same spec, its optimizer and its trainer.</summary>
    public static void RestoreTraining(string path, Network network, Trainer trainer, Optimizer? optimizer)
    {
        var file = SafeTensorsFile.Read(path);
        LoadParameters(path, file, network);
        if (optimizer is not null)
            OptimizerCheckpoint.Restore(path, file, optimizer);
        trainer.Restore(DaeCheckpoint.ReadInt32(path, file, DaeCheckpoint.EpochsKey), DaeCheckpoint.ReadInt(path, file, DaeCheckpoint.StepsKey));
    }

    public static IEnumerable<NamedTensor> Tensors(Network network) =>
        network.Body.Parameters.Select(p => new NamedTensor(p.Name, [.. p.Shape.Dimensions], p.Value.ToArray()));

    /// <summary>The network a file holds, on <paramref name="backend"/>, with its parameters loaded and every shape checked.</summary>
    public static Network Load(string path, IBackend backend, int maxBatch)
    {
        var file = SafeTensorsFile.Read(path);
        var network = SpecOf(path, file).Build(backend, maxBatch);
        try
        {
            LoadParameters(path, file, network);
            return network;
        }
        catch (InputException)
        {
            network.Dispose();
            throw;
        }
    }

    /// <summary>Copies each parameter's tensor from <paramref name="file"/>, by name, after checking its shape.</summary>
    /// <summary>
    /// Copies each of <paramref name="network"/>'s parameters from <paramref name="file"/>, checking its shape and that every
    /// value is finite (a model with a NaN or an infinity would score NaN: it is refused, naming the tensor and the element).
    /// </summary>
    public static void LoadParameters(string path, SafeTensorsFile file, Network network)
    {
        foreach (var p in network.Body.Parameters)
            p.Value.CopyFrom(ParameterValues(path, file, p.Name, [.. p.Shape.Dimensions]));
    }

    /// <summary>
    /// The values of parameter <paramref name="name"/> in <paramref name="file"/>, checked to have <paramref name="shape"/> and to be
    /// finite: what <see cref="LoadParameters"/> copies into a network, for a reader that needs one tensor without building the network.
    /// </summary>
    public static float[] ParameterValues(string path, SafeTensorsFile file, string name, int[] shape)
    {
        var values = DaeCheckpoint.Tensor(path, file, name, shape);
        for (var i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i]))
                throw new InputException($"{path}: tensor '{name}' holds {values[i]} at element {i}; expected finite values (a model saved from a diverged run?)");
        return values;
    }

    /// <summary>The architecture saved in <paramref name="file"/>, or inferred from a file written before it was saved.</summary>
    public static NetworkSpec SpecOf(string path, SafeTensorsFile file)
    {
        if (file.Metadata.TryGetValue(NetworkKey, out var json))
        {
            try
            {
                return NetworkSpec.FromJson(json);
            }
            catch (JsonException e)
            {
                throw new InputException($"{path}: __metadata__.{NetworkKey} is not a network architecture ({e.Message})");
            }
        }
        file.Metadata.TryGetValue(DaeCheckpoint.FormatKey, out var format);
        switch (format)
        {
            case DaeCheckpoint.Format:
                var (options, _) = DaeCheckpoint.ReadModel(path);
                if (!file.TryGet(TiedAutoencoder.WeightName, out var w) || w.Shape.Length != 2)
                    throw new InputException($"{path}: tensor '{TiedAutoencoder.WeightName}' is missing or not a matrix; expected [hidden, visible]");
                return (options with { Hidden = w.Shape[0] }).Network(w.Shape[1]);
            case ClassifierCheckpoint.Format:
                return Networks.Classifier(ClassifierCheckpoint.ReadModel(path).Architecture);
            case StackFile.Format:
                // A `pretrain` stack is its completed layers as one deep autoencoder: its tensors are named as DeepAutoencoder's.
                var stack = StackFile.Read(path);
                if (stack.LayersDone == 0)
                    throw new InputException($"{path}: the stack has no completed layer yet; expected at least one");
                return Networks.DeepAutoencoder([stack.Visible, .. stack.Options.Hidden[..stack.LayersDone]]);
            default:
                throw new InputException(
                    $"{path}: __metadata__ has no '{NetworkKey}' and its format is '{format}'; expected a model written by ILGPUAE (train dae, pretrain, finetune)");
        }
    }
}
