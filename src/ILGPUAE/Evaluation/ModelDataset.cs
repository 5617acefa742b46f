namespace ILGPUAE.Evaluation;

using ILGPUAE.Checkpoints;
using ILGPUAE.Data;
using ILGPUAE.IO;
using ILGPUAE.Training;
using ILGPUAE.Training.Stacked;

/// <summary>Which dataset a model file was trained on, for the verbs that read a model and score it on that dataset's splits.</summary>
public static class ModelDataset
{
    /// <summary>The __metadata__ key that `train deep` and `train cae` write the dataset's name under.</summary>
    public const string Key = "dataset";

    /// <summary>
    /// The dataset <paramref name="file"/> (read from <paramref name="path"/>) names: its <see cref="Key"/> metadata, else the options of a
    /// `train dae` or `pretrain` file; null when it names none (files from before datasets had names: MNIST). A name that is no
    /// dataset is an <see cref="InputException"/> naming the file.
    /// </summary>
    public static DatasetKind? Of(string path, SafeTensorsFile file)
    {
        if (file.Metadata.TryGetValue(Key, out var name))
            return Datasets.TryParse(name, out var kind)
                ? kind
                : throw new InputException($"{path}: __metadata__.{Key} is '{name}'; expected {Datasets.ExpectedNames}");
        file.Metadata.TryGetValue(DaeCheckpoint.FormatKey, out var format);
        return format switch
        {
            DaeCheckpoint.Format => DaeCheckpoint.ReadModel(path).Options.Dataset,
            StackFile.Format => StackFile.Read(path).Options.Dataset,
            _ => null,
        };
    }
}
