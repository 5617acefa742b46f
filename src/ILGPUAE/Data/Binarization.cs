namespace ILGPUAE.Data;

using ILGPUAE.IO;

/// <summary>
/// The GSN setup's binarised data (Bengio et al. 2013, as ../shared/DATASETS.md has it): every pixel thresholded, x &gt; 0.5 → 1,
/// else 0 (an MNIST byte b: 1 from 128 up). `train deep --binarize` trains on it and records it in the model file, so that the
/// verbs that feed the model data again (`sample`, `probe svm`) feed it the same.
/// </summary>
public static class Binarization
{
    public const float Threshold = 0.5f;

    /// <summary>A model file's __metadata__ key: "true" when the model was trained on binarised data; "false" or absent otherwise.</summary>
    public const string MetadataKey = "binarize";

    /// <summary>A binarised copy of <paramref name="data"/> (same shape, labels and order); the source is left as it is.</summary>
    public static Dataset Binarized(this Dataset data)
    {
        var pixels = new float[data.Pixels.Length];
        for (var i = 0; i < pixels.Length; i++)
            pixels[i] = data.Pixels[i] > Threshold ? 1f : 0f;
        return new Dataset($"{data.Name} binarised", data.Count, data.Shape, pixels, (byte[])data.Labels.Clone());
    }

    /// <summary>Train, validation and test, each <see cref="Binarized(Dataset)"/>.</summary>
    public static ClassificationSplits Binarized(this ClassificationSplits splits) =>
        new(splits.Train.Binarized(), splits.Valid.Binarized(), splits.Test.Binarized());

    /// <summary>Whether the model file at <paramref name="path"/> says it was trained on binarised data (absent: no).</summary>
    public static bool Of(string path, IReadOnlyDictionary<string, string> metadata)
    {
        if (!metadata.TryGetValue(MetadataKey, out var text))
            return false;
        return text switch
        {
            "true" => true,
            "false" => false,
            _ => throw new InputException($"{path}: __metadata__.{MetadataKey} is '{text}'; expected true or false"),
        };
    }

    /// <summary>The metadata value of <paramref name="binarized"/>.</summary>
    public static string Text(bool binarized) => binarized ? "true" : "false";
}
