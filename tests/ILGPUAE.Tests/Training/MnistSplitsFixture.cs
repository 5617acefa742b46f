namespace ILGPUAE.Tests.Training;

using ILGPUAE.Data;

/// <summary>MNIST from the user cache (run-tests.sh fetches it first), loaded once for every training test.</summary>
internal static class MnistSplits
{
    private static readonly Lazy<ClassificationSplits> Loaded = new(() => ClassificationSplits.Load(DatasetKind.Mnist, null, null));

    public static ClassificationSplits Value => Loaded.Value;
}
