namespace ILGPUAE.Bench.Workloads;

using ILGPUAE.Data;
using ILGPUAE.IO;
using ILGPUAE.Models;

/// <summary>
/// MNIST as both sides read it: the engine through <see cref="Mnist.Load"/>, the peer from the same IDX
/// file (raw or .gz), each byte b becoming b / 255f. Initial weights are written once per hidden size
/// into a scratch folder so that timed peer runs start from our W too.
/// </summary>
public sealed class BenchData : IDisposable
{
    public const int Visible = 28 * 28;
    public const ulong Seed = 1;

    private BenchData(Dataset train, Dataset test, string trainImagesPath, string scratch)
    {
        Train = train;
        FullTest = test;
        Test = test.Take(10);
        TrainImagesPath = trainImagesPath;
        Scratch = scratch;
    }

    public Dataset Train { get; }

    /// <summary>A few test images: the trainer reports a test loss after each epoch, outside the timed part.</summary>
    public Dataset Test { get; }

    /// <summary>All 10000 test images, as `train dae` evaluates them (W5 counts the evaluator's buffers).</summary>
    public Dataset FullTest { get; }

    public string TrainImagesPath { get; }

    /// <summary>A temporary folder for the files the harness hands to peers; deleted on dispose.</summary>
    public string Scratch { get; }

    public static BenchData Load(string? dataDir, Action<string> log)
    {
        var (train, test) = Mnist.Load(dataDir, log);
        var directory = Path.GetFullPath(dataDir ?? Mnist.DefaultDataDir());
        var raw = Path.Combine(directory, Mnist.TrainImages.FileName);
        var path = File.Exists(raw) ? raw : raw + ".gz";
        var scratch = Directory.CreateTempSubdirectory("ilgpuae-bench-").FullName;
        return new BenchData(train, test, path, scratch);
    }

    /// <summary>The first <paramref name="count"/> training images, [count, 784].</summary>
    public float[] TrainPixels(int count) => Train.Pixels.AsSpan(0, count * Visible).ToArray();

    /// <summary>The folder with w0_HIDDEN.npy, our initial W for each hidden size asked for, for the peer's timed runs.</summary>
    public string InitialWeightsFolder(IEnumerable<int> hiddenSizes)
    {
        var folder = Path.Combine(Scratch, "w0");
        Directory.CreateDirectory(folder);
        foreach (var h in hiddenSizes)
        {
            var path = Path.Combine(folder, $"w0_{h}.npy");
            if (!File.Exists(path))
                NpyFile.Write(path, TiedAutoencoder.InitialWeights(Visible, h, Seed), h, Visible);
        }
        return folder;
    }

    public void Dispose() => Directory.Delete(Scratch, recursive: true);
}
