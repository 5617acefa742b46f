namespace ILGPUAE.Data;

/// <summary>
/// A dataset loaded by name (<see cref="Datasets.Load"/>): its training examples, of which the last
/// <see cref="ValidationCount"/> are held out for validation, and its test examples, all of shape
/// <see cref="DatasetInfo.Shape"/> with pixels in [0, 1]. `train dae` trains on <see cref="TrainAndValidation"/>;
/// `pretrain` and `finetune` use <see cref="ForClassification"/> (train, validation, test).
/// </summary>
public sealed class DatasetSplits
{
    private readonly Lazy<Dataset> train, validation;

    /// <param name="trainAndValidation">Every training example in the dataset's fixed order; validation is its tail.</param>
    public DatasetSplits(DatasetInfo info, Dataset trainAndValidation, int validationCount, Dataset test)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(validationCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(validationCount, trainAndValidation.Count);
        foreach (var set in new[] { trainAndValidation, test })
            if (set.Shape != info.Shape)
                throw new ArgumentException($"{set.Name} has examples of {set.Shape}, expected {info.Shape} ({info.DisplayName})");
        Info = info;
        TrainAndValidation = trainAndValidation;
        ValidationCount = validationCount;
        Test = test;
        var trainCount = trainAndValidation.Count - validationCount;
        // Copies, made once and only when asked for: `train dae` never needs them.
        train = new(() => trainAndValidation.Range(0, trainCount, $"{trainAndValidation.Name}[0:{trainCount}]"));
        validation = new(() => trainAndValidation.Range(trainCount, validationCount, $"{trainAndValidation.Name}[{trainCount}:{trainAndValidation.Count}]"));
    }

    public DatasetInfo Info { get; }

    /// <summary>Every training example: <see cref="Train"/> followed by <see cref="Validation"/>.</summary>
    public Dataset TrainAndValidation { get; }

    public int ValidationCount { get; }

    public Dataset Test { get; }

    /// <summary>The training examples before the validation tail.</summary>
    public Dataset Train => train.Value;

    /// <summary>The last <see cref="ValidationCount"/> training examples.</summary>
    public Dataset Validation => validation.Value;

    /// <summary>
    /// The same examples with the last <paramref name="validationCount"/> training examples held out instead of the dataset's own
    /// <see cref="ValidationCount"/> (e.g. the convolutional autoencoder study's 59 000 / 1 000 of MNIST's 60 000).
    /// </summary>
    public DatasetSplits WithValidation(int validationCount) => new(Info, TrainAndValidation, validationCount, Test);

    /// <summary>Train, validation and test, as classification runs them.</summary>
    public ClassificationSplits ForClassification() => new(Train, Validation, Test);
}
