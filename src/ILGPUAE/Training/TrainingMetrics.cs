namespace ILGPUAE.Training;

using System.Text.Json;
using ILGPUAE.IO;

/// <summary>metrics.json: what ran where, and one entry per epoch (a resumed run appends).</summary>
public sealed record TrainingMetrics(string Model, string Dataset, string Accelerator, DaeOptions Options, int TrainExamples, int TestExamples, List<EpochReport> Epochs)
{
    public void Write(string directory) =>
        AtomicFile.WriteAllText(Path.Combine(directory, DaeCheckpoint.MetricsFileName), JsonSerializer.Serialize(this, DaeCheckpoint.Json));

    /// <summary>The epochs a previous run recorded, or none if it left no metrics.json.</summary>
    public static List<EpochReport> ReadEpochs(string directory)
    {
        var path = Path.Combine(directory, DaeCheckpoint.MetricsFileName);
        if (!File.Exists(path))
            return [];
        try
        {
            return JsonSerializer.Deserialize<TrainingMetrics>(File.ReadAllText(path), DaeCheckpoint.Json)?.Epochs ?? [];
        }
        catch (JsonException e)
        {
            throw new InputException($"{path}: not valid metrics JSON ({e.Message}); expected the file `train dae` writes");
        }
    }
}
