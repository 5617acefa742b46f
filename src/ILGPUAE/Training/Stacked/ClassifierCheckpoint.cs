namespace ILGPUAE.Training.Stacked;

using System.Globalization;
using System.Text.Json;
using ILGPUAE.Backend;
using ILGPUAE.Checkpoints;
using ILGPUAE.IO;
using ILGPUAE.Models;
using ILGPUAE.Modules;

/// <summary>
/// The files a `finetune` run keeps: model.safetensors — the best-validation classifier, named as
/// <see cref="ClassifierArchitecture"/> says (<c>layer{i}.W</c>, <c>layer{i}.b_hidden</c>, then
/// <c>mlp{j}.W</c>, <c>mlp{j}.b</c>, the last being the softmax), with the architecture and options in its
/// metadata — and train_state.safetensors: the current parameters, momentum buffers, epochs, steps and the
/// early-stopping state, so --resume continues at the next epoch.
/// </summary>
public static class ClassifierCheckpoint
{
    public const string Format = "ilgpuae.classifier";
    public const string StateFormat = Format + ".state";
    public const string ArchitectureKey = "architecture";
    public const string PretrainedKey = "pretrained";
    public const string ParameterPrefix = "param.";
    public const string LearningRateKey = "learning_rate";
    public const string PlateauKey = "lr_epochs_without_best";

    public static void SaveModel(CheckpointCommit commit, string directory, ClassifierArchitecture architecture, FinetuneOptions options, string pretrained,
        ParameterSnapshot best, EarlyStopping stopping, int epochs)
    {
        var metadata = new Dictionary<string, string>
        {
            [DaeCheckpoint.FormatKey] = Format,
            [ArchitectureKey] = JsonSerializer.Serialize(architecture, DaeCheckpoint.Json),
            [Checkpoint.NetworkKey] = Networks.Classifier(architecture, options.Corruption).ToJson(),
            [DaeCheckpoint.OptionsKey] = JsonSerializer.Serialize(options, DaeCheckpoint.Json),
            [PretrainedKey] = pretrained,
            [DaeCheckpoint.EpochsKey] = epochs.ToString(CultureInfo.InvariantCulture),
            ["best_epoch"] = stopping.BestEpoch.ToString(CultureInfo.InvariantCulture),
            ["valid_error"] = stopping.BestError.ToString("R", CultureInfo.InvariantCulture),
            ["layout"] = "W [out, in]; hidden layers a = sigmoid(W·x + b), the last layer softmax(W·x + b); layer{i}.b_hidden is layer i's b",
        };
        commit.Stage(Path.Combine(directory, DaeCheckpoint.ModelFileName), new SafeTensorsFile(best.Tensors, metadata).Write);
    }

    public static void SaveState(CheckpointCommit commit, string directory, ClassifierSession trainer, EarlyStopping stopping, LearningRatePlateau plateau)
    {
        trainer.Backend.Synchronize();
        var tensors = new List<NamedTensor>();
        foreach (var (name, tensor) in trainer.Model.Parameters)
            tensors.Add(Named(ParameterPrefix + name, tensor));
        var names = trainer.Model.Parameters.ToDictionary(p => p.Tensor, p => p.Name);
        foreach (var (parameter, velocity) in trainer.TrainedState)
            if (velocity is not null)
                tensors.Add(Named(DaeCheckpoint.VelocityPrefix + names[parameter], velocity));
        var metadata = new Dictionary<string, string>
        {
            [DaeCheckpoint.FormatKey] = StateFormat,
            [DaeCheckpoint.EpochsKey] = trainer.EpochsDone.ToString(CultureInfo.InvariantCulture),
            [DaeCheckpoint.StepsKey] = trainer.StepsDone.ToString(CultureInfo.InvariantCulture),
            ["patience"] = stopping.Patience.ToString(CultureInfo.InvariantCulture),
            ["best_epoch"] = stopping.BestEpoch.ToString(CultureInfo.InvariantCulture),
            ["best_error"] = stopping.BestError.ToString("R", CultureInfo.InvariantCulture),
            [LearningRateKey] = plateau.Rate.ToString("R", CultureInfo.InvariantCulture),
            [PlateauKey] = plateau.EpochsWithoutBest.ToString(CultureInfo.InvariantCulture),
        };
        if (trainer.Optimizer is { } optimizer)
        {
            tensors.AddRange(OptimizerCheckpoint.Tensors(optimizer));
            OptimizerCheckpoint.AddMetadata(optimizer, metadata);
        }
        // Mid-epoch: where the epoch stands and its losses so far (the parameters above are the current ones, not the best).
        if (trainer.Trainer.Position > 0)
        {
            var partial = trainer.Trainer.PartialLosses();
            metadata[DaeCheckpoint.PositionKey] = partial.Length.ToString(CultureInfo.InvariantCulture);
            tensors.Add(new NamedTensor(DaeCheckpoint.PartialLossesName, [partial.Length], partial));
        }
        commit.Stage(Path.Combine(directory, DaeCheckpoint.StateFileName), new SafeTensorsFile(tensors, metadata).Write);
    }

    /// <summary>
    /// Restores parameters, momentum buffers, epochs, steps, the early-stopping state and the learning-rate
    /// schedule saved by <see cref="SaveState"/> (a state saved before the schedule existed keeps the schedule's initial rate).
    /// </summary>
    public static void RestoreState(string path, ClassifierSession trainer, EarlyStopping stopping, LearningRatePlateau plateau, int batch)
    {
        var file = SafeTensorsFile.Read(path);
        if (!file.Metadata.TryGetValue(DaeCheckpoint.FormatKey, out var format) || format != StateFormat)
            throw new InputException($"{path}: __metadata__.{DaeCheckpoint.FormatKey} is '{format}', expected '{StateFormat}'");
        trainer.Model.Load((name, shape) => DaeCheckpoint.Tensor(path, file, ParameterPrefix + name, shape));
        var names = trainer.Model.Parameters.ToDictionary(p => p.Tensor, p => p.Name);
        foreach (var (parameter, velocity) in trainer.TrainedState)
            velocity?.CopyFrom(DaeCheckpoint.Tensor(path, file, DaeCheckpoint.VelocityPrefix + names[parameter], [.. velocity.Shape.Dimensions]));
        if (trainer.Optimizer is { } optimizer)
            OptimizerCheckpoint.Restore(path, file, optimizer);
        var (position, losses) = DaeCheckpoint.ReadPosition(path, file, batch);
        trainer.Restore(DaeCheckpoint.ReadInt32(path, file, DaeCheckpoint.EpochsKey), DaeCheckpoint.ReadInt(path, file, DaeCheckpoint.StepsKey), position, losses);
        // The best error is a fraction of examples, or infinity before the first validation.
        if (!file.Metadata.TryGetValue("best_error", out var best) || !double.TryParse(best, NumberStyles.Float, CultureInfo.InvariantCulture, out var bestError)
            || !(bestError >= 0))
            throw new InputException($"{path}: __metadata__.best_error is '{best}', expected a number ≥ 0");
        stopping.Restore(DaeCheckpoint.ReadInt(path, file, "patience"), bestError, DaeCheckpoint.ReadInt32(path, file, "best_epoch"));
        if (file.Metadata.TryGetValue(LearningRateKey, out var rateText))
        {
            if (!double.TryParse(rateText, NumberStyles.Float, CultureInfo.InvariantCulture, out var rate) || !(rate > 0) || !double.IsFinite(rate))
                throw new InputException($"{path}: __metadata__.{LearningRateKey} is '{rateText}', expected a finite number > 0");
            plateau.Restore(rate, DaeCheckpoint.ReadInt32(path, file, PlateauKey));
        }
    }

    /// <summary>Reads a classifier file: its architecture, options, the stack it was built on, and the tensors.</summary>
    public static (ClassifierArchitecture Architecture, FinetuneOptions Options, string Pretrained, SafeTensorsFile File) ReadModel(string path)
    {
        var file = SafeTensorsFile.Read(path);
        if (!file.Metadata.TryGetValue(DaeCheckpoint.FormatKey, out var format) || format != Format)
            throw new InputException($"{path}: __metadata__.{DaeCheckpoint.FormatKey} is '{format}', expected '{Format}'");
        var architecture = DaeCheckpoint.ReadJson<ClassifierArchitecture>(path, file, ArchitectureKey, a => a.Validate());
        var options = DaeCheckpoint.ReadJson<FinetuneOptions>(path, file, DaeCheckpoint.OptionsKey, o => o.Validate());
        file.Metadata.TryGetValue(PretrainedKey, out var pretrained);
        return (architecture, options, pretrained ?? "", file);
    }

    /// <summary>The classifier a model file holds, on <paramref name="backend"/>.</summary>
    public static FeedForwardClassifier Load(string path, IBackend backend)
    {
        var (architecture, _, _, file) = ReadModel(path);
        var model = FeedForwardClassifier.Create(backend, architecture, seed: 0);
        model.Load((name, shape) => DaeCheckpoint.Tensor(path, file, name, shape));
        return model;
    }

    private static NamedTensor Named(string name, Tensor<float> tensor) => new(name, [.. tensor.Shape.Dimensions], tensor.ToArray());
}
