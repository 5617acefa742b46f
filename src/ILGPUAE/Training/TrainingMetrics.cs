namespace ILGPUAE.Training;

using ILGPUAE.IO;

/// <summary>metrics.json: what ran where, and one entry per epoch (a resumed run appends).</summary>
public sealed record TrainingMetrics(string Model, string Dataset, string Accelerator, DaeOptions Options, int TrainExamples, int TestExamples, List<EpochReport> Epochs)
{
    /// <summary>Stages metrics.json and metrics.csv in <paramref name="directory"/> as part of <paramref name="commit"/>, the checkpoint its last epoch belongs to.</summary>
    public void Stage(CheckpointCommit commit, string directory) =>
        MetricsFile.Stage(commit, directory, this);

    /// <summary>The epochs a previous run recorded, or none if it left no metrics.json.</summary>
    public static List<EpochReport> ReadEpochs(string directory) => MetricsFile.Read<TrainingMetrics>(directory, RunKind.TrainDae)?.Epochs ?? [];
}
