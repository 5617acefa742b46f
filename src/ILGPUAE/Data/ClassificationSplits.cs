namespace ILGPUAE.Data;

using ILGPUAE.IO;

/// <summary>
/// A classification protocol's three sets (<see cref="DatasetSplits.ForClassification"/>). For MNIST it is the
/// classic one (Theano's SdA tutorial, Vincent et al. 2010): train on the first 50 000 training images, validate on
/// the last 10 000, report on the 10 000 test images.
/// </summary>
public sealed record ClassificationSplits(Dataset Train, Dataset Valid, Dataset Test)
{
    /// <summary>The classes of MNIST and Fashion-MNIST (<see cref="DatasetInfo.Classes"/>).</summary>
    public const int Classes = 10;

    /// <summary>The named dataset's classification splits.</summary>
    public static ClassificationSplits Load(DatasetKind dataset, string? dataDir, Action<string>? log) =>
        Datasets.Load(dataset, dataDir, log).ForClassification();

    /// <summary>The first <paramref name="trainLimit"/> training and <paramref name="testLimit"/> test examples (null: all); validation is kept whole.</summary>
    public ClassificationSplits Limit(int? trainLimit, int? testLimit) =>
        new(Train.Limit(trainLimit, "train_limit"), Valid, Test.Limit(testLimit, "test_limit"));

    /// <summary>
    /// The training and validation examples as one training set, in that order: for a run that holds nothing out for model choice
    /// (`train anamo`, `train ga`).
    /// </summary>
    public Dataset TrainAndValid() => Valid.Count == 0 ? Train
        : new Dataset(Train.Name, Train.Count + Valid.Count, Train.Shape, [.. Train.Pixels, .. Valid.Pixels], [.. Train.Labels, .. Valid.Labels]);
}
