namespace ILGPUAE.Training.Stacked;

using System.Text.Json;
using ILGPUAE.IO;

/// <summary>One layer of a pretraining run: its shape, its run's seed and its epochs.</summary>
public sealed record StackLayerMetrics(int Layer, int Visible, int Hidden, float Corruption, ulong Seed, List<EpochReport> Epochs);

/// <summary>A pretraining run's metrics.json: what ran where, the resolved options and every layer's epochs (a resumed run appends).</summary>
public sealed record StackMetrics(string Model, string Dataset, string Accelerator, StackOptions Options, int TrainExamples, int TestExamples, List<StackLayerMetrics> Layers)
{
    public void Write(string directory) =>
        AtomicFile.WriteAllText(Path.Combine(directory, DaeCheckpoint.MetricsFileName), JsonSerializer.Serialize(this, DaeCheckpoint.Json));

    /// <summary>The layers a previous run recorded, or none if it left no metrics.json.</summary>
    public static List<StackLayerMetrics> ReadLayers(string directory)
    {
        var path = Path.Combine(directory, DaeCheckpoint.MetricsFileName);
        if (!File.Exists(path))
            return [];
        try
        {
            return JsonSerializer.Deserialize<StackMetrics>(File.ReadAllText(path), DaeCheckpoint.Json)?.Layers ?? [];
        }
        catch (JsonException e)
        {
            throw new InputException($"{path}: not valid metrics JSON ({e.Message}); expected the file `pretrain` writes");
        }
    }
}
