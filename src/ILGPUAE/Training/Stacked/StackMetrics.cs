namespace ILGPUAE.Training.Stacked;

using ILGPUAE.IO;

/// <summary>One layer of a pretraining run: its shape, its run's seed and its epochs.</summary>
public sealed record StackLayerMetrics(int Layer, int Visible, int Hidden, float Corruption, ulong Seed, List<EpochReport> Epochs);

/// <summary>A pretraining run's metrics.json: what ran where, the resolved options and every layer's epochs (a resumed run appends).</summary>
public sealed record StackMetrics(string Model, string Dataset, string Accelerator, StackOptions Options, int TrainExamples, int TestExamples, List<StackLayerMetrics> Layers)
{
    /// <summary>Stages metrics.json and metrics.csv in <paramref name="directory"/> as part of <paramref name="commit"/>, the checkpoint its last epoch belongs to.</summary>
    public void Stage(CheckpointCommit commit, string directory) =>
        MetricsFile.Stage(commit, directory, this);

    /// <summary>The layers a previous run recorded, or none if it left no metrics.json.</summary>
    public static List<StackLayerMetrics> ReadLayers(string directory) => MetricsFile.Read<StackMetrics>(directory, RunKind.Pretrain)?.Layers ?? [];
}
