namespace ILGPUAE.Data;

using ILGPUAE.IO;

/// <summary>
/// The classic MNIST protocol (Theano's SdA tutorial, Vincent et al. 2010): train on the first 50 000
/// training images, validate on the last 10 000, report on the 10 000 test images.
/// </summary>
public sealed record ClassificationSplits(Dataset Train, Dataset Valid, Dataset Test)
{
    public const int ValidationCount = 10000;
    public const int Classes = 10;

    /// <summary>MNIST split as above.</summary>
    public static ClassificationSplits Load(string? dataDir, Action<string>? log)
    {
        var (train, test) = Mnist.Load(dataDir, log);
        var trainCount = train.Count - ValidationCount;
        return new ClassificationSplits(
            train.Range(0, trainCount, "mnist-train[0:50000]"),
            train.Range(trainCount, ValidationCount, "mnist-train[50000:60000]"),
            test);
    }

    /// <summary>The first <paramref name="trainLimit"/> training and <paramref name="testLimit"/> test examples (null: all); validation is kept whole.</summary>
    public ClassificationSplits Limit(int? trainLimit, int? testLimit) =>
        new(Limit(Train, trainLimit, "--train-limit"), Valid, Limit(Test, testLimit, "--test-limit"));

    private static Dataset Limit(Dataset data, int? limit, string option)
    {
        if (limit is null)
            return data;
        if (limit < 1 || limit > data.Count)
            throw new InputException($"{option} {limit}: {data.Name} has {data.Count} examples; expected 1 to {data.Count}");
        return data.Take(limit.Value);
    }
}
