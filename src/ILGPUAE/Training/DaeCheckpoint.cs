namespace ILGPUAE.Training;

using System.Globalization;
using System.Text.Json;
using ILGPUAE.Backend;
using ILGPUAE.Checkpoints;
using ILGPUAE.IO;
using ILGPUAE.Models;
using ILGPUAE.Modules;

/// <summary>
/// The files a `train dae` run keeps in its output directory, written together as one checkpoint
/// (<see cref="CheckpointCommit"/>): model.safetensors (W [hidden, visible], b_hidden, b_visible + options), train_state.safetensors
/// (momentum buffers, epochs, steps) and metrics.json.
/// </summary>
public static class DaeCheckpoint
{
    public const string ModelFileName = "model.safetensors";
    public const string StateFileName = "train_state.safetensors";
    public const string MetricsFileName = "metrics.json";

    public const string FormatKey = "format";
    public const string Format = "ilgpuae.tied-dae";
    public const string OptionsKey = "options";
    public const string EpochsKey = "epochs";
    public const string StepsKey = "steps";
    public const string VelocityPrefix = "velocity.";
    /// <summary>A mid-epoch checkpoint's examples of the unfinished epoch done (absent at an epoch's end) and their losses.</summary>
    public const string PositionKey = "position";
    public const string PartialLossesName = "epoch_losses";

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
    };

    /// <summary><see cref="Json"/> for records read back from a file: a null where the record has no null, or a missing constructor argument, is an error.</summary>
    private static readonly JsonSerializerOptions SavedJson = new(Json)
    {
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };

    /// <summary>Writes model.safetensors and train_state.safetensors as one checkpoint (see <see cref="CheckpointCommit"/>).</summary>
    public static void Save(string directory, DaeSession trainer, DaeOptions options, EpochReport? last)
    {
        var commit = new CheckpointCommit(directory);
        Stage(commit, directory, trainer, options, last);
        commit.Commit();
    }

    /// <summary>
    /// Stages model.safetensors and train_state.safetensors in <paramref name="directory"/> as part of
    /// <paramref name="commit"/>; both carry the epoch count, so a torn pair from an older version is still detected. Mid-epoch
    /// (<see cref="Trainer.Position"/> &gt; 0) the model is the current parameters, <paramref name="last"/> the last finished
    /// epoch's report (null in the first), and the state adds the position and the epoch's losses so far.
    /// </summary>
    public static void Stage(CheckpointCommit commit, string directory, DaeSession trainer, DaeOptions options, EpochReport? last)
    {
        var partial = trainer.Trainer.Position > 0 ? trainer.Trainer.PartialLosses() : null;
        trainer.Backend.Synchronize();
        var epochs = trainer.EpochsDone.ToString(CultureInfo.InvariantCulture);
        var modelMeta = new Dictionary<string, string>
        {
            [FormatKey] = Format,
            // The architecture as modules, so a model is rebuilt from its file alone (Checkpoints.Checkpoint.Load).
            [Checkpoint.NetworkKey] = options.Network(trainer.Model.Visible).ToJson(),
            [OptionsKey] = JsonSerializer.Serialize(options, Json),
            ["loss"] = options.Loss.ToString(),
            [EpochsKey] = epochs,
        };
        if (last is not null)
        {
            modelMeta["train_loss"] = last.TrainLoss.ToString("R", CultureInfo.InvariantCulture);
            modelMeta["test_loss"] = last.TestLoss.ToString("R", CultureInfo.InvariantCulture);
        }
        var parameters = trainer.Model.Parameters.Select(p => Named(p.Name, p.Tensor));
        commit.Stage(Path.Combine(directory, ModelFileName), new SafeTensorsFile(parameters, modelMeta).Write);

        var velocities = trainer.Model.Parameters.Zip(trainer.Velocities)
            .Where(pair => pair.Second is not null)
            .Select(pair => Named(VelocityPrefix + pair.First.Name, pair.Second!));
        if (trainer.Optimizer is { } optimizer)
            velocities = velocities.Concat(OptimizerCheckpoint.Tensors(optimizer));
        var stateMeta = new Dictionary<string, string>
        {
            [FormatKey] = Format + ".state",
            [EpochsKey] = epochs,
            [StepsKey] = trainer.StepsDone.ToString(CultureInfo.InvariantCulture),
            ["seed"] = options.Seed.ToString(CultureInfo.InvariantCulture),
            ["rng"] = "counter-based; masks keyed (seed, mask, epoch, example, pixel), shuffles (seed, shuffle, epoch, position)",
        };
        if (trainer.Optimizer is { } rule)
            OptimizerCheckpoint.AddMetadata(rule, stateMeta);
        if (partial is not null)
        {
            stateMeta[PositionKey] = partial.Length.ToString(CultureInfo.InvariantCulture);
            velocities = velocities.Append(new NamedTensor(PartialLossesName, [partial.Length], partial));
        }
        commit.Stage(Path.Combine(directory, StateFileName), new SafeTensorsFile(velocities, stateMeta).Write);
    }

    /// <summary>
    /// A state file's mid-epoch position and the losses of its examples (0 and none when it was written at an epoch's end),
    /// checked against each other and the batch.
    /// </summary>
    public static (int Position, float[] Losses) ReadPosition(string path, SafeTensorsFile file, int batch)
    {
        if (!file.Metadata.ContainsKey(PositionKey))
            return (0, []);
        var position = ReadInt32(path, file, PositionKey);
        var losses = Tensor(path, file, PartialLossesName, position);
        if (position == 0 || position % batch != 0)
            throw new InputException($"{path}: __metadata__.{PositionKey} is {position}, expected a positive multiple of the batch {batch}");
        foreach (var loss in losses)
            if (!float.IsFinite(loss))
                throw new InputException($"{path}: tensor '{PartialLossesName}' holds {loss}; expected finite losses");
        return (position, losses);
    }

    /// <summary>Reads a model file and the options it was trained with (checked as a new run's are).</summary>
    public static (DaeOptions Options, SafeTensorsFile File) ReadModel(string path)
    {
        var file = SafeTensorsFile.Read(path);
        if (!file.Metadata.TryGetValue(FormatKey, out var format) || format != Format)
            throw new InputException($"{path}: __metadata__.{FormatKey} is '{format}', expected '{Format}'");
        return (ReadJson<DaeOptions>(path, file, OptionsKey, options => options.Validate()), file);
    }

    /// <summary>
    /// The record saved as JSON under __metadata__.<paramref name="key"/> (a run's options, an architecture), read strictly (enums
    /// by name, no nulls where the record has none) and then checked by <paramref name="validate"/>, the record's own range
    /// checks. Anything wrong is one line naming the file and the key, e.g.
    /// <c>run/model.safetensors: __metadata__.options.test_limit -5: expected an integer ≥ 1</c>.
    /// </summary>
    public static T ReadJson<T>(string path, SafeTensorsFile file, string key, Action<T> validate) where T : class
    {
        if (!file.Metadata.TryGetValue(key, out var json))
            throw new InputException($"{path}: __metadata__.{key} is missing; expected the run's {key} as JSON");
        T? value;
        try
        {
            value = JsonSerializer.Deserialize<T>(json, SavedJson);
        }
        catch (JsonException e)
        {
            throw new InputException($"{path}: __metadata__.{key} is not valid {key} JSON ({e.Message})", e);
        }
        if (value is null)
            throw new InputException($"{path}: __metadata__.{key} is null; expected the run's {key} as JSON");
        try
        {
            validate(value);
        }
        catch (InputException e)
        {
            throw new InputException($"{path}: __metadata__.{key}.{e.Message}", e);
        }
        return value;
    }

    /// <summary>Loads the autoencoder a model file holds onto <paramref name="backend"/>.</summary>
    public static TiedAutoencoder LoadModel(string path, IBackend backend, int visible, out DaeOptions options)
    {
        var (o, file) = ReadModel(path);
        options = o;
        return ModelFrom(path, file, backend, visible, o.Hidden, o.Activation);
    }

    /// <summary>The autoencoder in <paramref name="file"/>, after checking every tensor's shape.</summary>
    public static TiedAutoencoder ModelFrom(string path, SafeTensorsFile file, IBackend backend, int visible, int hidden,
        Activation hiddenActivation = Activation.Sigmoid) =>
        TiedAutoencoder.FromValues(backend, visible, hidden,
            Tensor(path, file, TiedAutoencoder.WeightName, hidden, visible),
            Tensor(path, file, TiedAutoencoder.HiddenBiasName, hidden),
            Tensor(path, file, TiedAutoencoder.VisibleBiasName, visible), hiddenActivation);

    /// <summary>The named tensor's data, after checking its shape.</summary>
    public static float[] Tensor(string path, SafeTensorsFile file, string name, params int[] shape)
    {
        if (!file.TryGet(name, out var tensor))
            throw new InputException($"{path}: tensor '{name}' is missing; expected shape [{string.Join(", ", shape)}]");
        if (!tensor.Shape.AsSpan().SequenceEqual(shape))
            throw new InputException($"{path}: tensor '{name}' has shape [{string.Join(", ", tensor.Shape)}], expected [{string.Join(", ", shape)}]");
        return tensor.Data;
    }

    /// <summary>The non-negative integer saved as a decimal string under __metadata__.<paramref name="key"/>.</summary>
    public static long ReadInt(string path, SafeTensorsFile file, string key)
    {
        if (!file.Metadata.TryGetValue(key, out var text) || !long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            throw new InputException($"{path}: __metadata__.{key} is '{text}', expected a non-negative integer");
        return value;
    }

    /// <summary><see cref="ReadInt"/> for a count kept in an int (epochs, layers): a value past int's range is refused, not wrapped.</summary>
    public static int ReadInt32(string path, SafeTensorsFile file, string key)
    {
        var value = ReadInt(path, file, key);
        if (value > int.MaxValue)
            throw new InputException($"{path}: __metadata__.{key} is {value}, expected an integer in [0, {int.MaxValue}]");
        return (int)value;
    }

    private static NamedTensor Named(string name, Tensor<float> tensor) => new(name, [.. tensor.Shape.Dimensions], tensor.ToArray());
}
