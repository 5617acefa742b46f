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
    public static List<StackLayerMetrics> ReadLayers(string directory) => MetricsFile.Read<StackMetrics>(directory, RunKind.Pretrain)?.Layers ?? [];
}
