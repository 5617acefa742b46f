namespace ILGPUAE.Training.Stacked;

using System.Text.Json.Serialization;
using ILGPUAE.Evaluation;
using ILGPUAE.IO;

/// <summary>
/// One fine-tuning epoch as metrics.json records it (epochs 1-based): <see cref="Best"/> marks a new best
/// validation error; <see cref="LearningRate"/> is the rate the epoch trained at.
/// </summary>
public sealed record FinetuneEpochReport(int Epoch, double TrainLoss, double ValidError, double Seconds, double SamplesPerSecond,
    [property: JsonPropertyOrder(3)] bool Best, [property: JsonPropertyOrder(4)] double LearningRate) : EpochResult(Epoch, TrainLoss, Seconds, SamplesPerSecond)
{
    /// <summary>The step the patience rule stops at after this epoch (<see cref="long.MaxValue"/>: none); for display, not saved.</summary>
    [JsonIgnore]
    public long Patience { get; init; } = long.MaxValue;
}

/// <summary>A fine-tuning run's metrics.json: what ran where, the resolved options, every epoch and, once done, the test result.</summary>
public sealed record FinetuneMetrics(string Model, string Architecture, string? Preset, string Pretrained, string Dataset, string Accelerator,
    FinetuneOptions Options, int TrainExamples, int ValidExamples, List<FinetuneEpochReport> Epochs)
{
    public bool StoppedEarly { get; set; }
    public int BestEpoch { get; set; }
    public double? BestValidError { get; set; }

    /// <summary>The best-validation model's test accuracy, a fraction; null until the run has finished.</summary>
    public double? TestAccuracy { get; set; }

    public double? TestError { get; set; }

    /// <summary>1.96·√(p(1−p)/n) for the test error p on n examples: the half-width of the 95 % interval of the error and of the accuracy.</summary>
    public double? TestHalfWidth95 { get; set; }

    /// <summary>[accuracy − half-width, accuracy + half-width].</summary>
    public double[]? TestAccuracyInterval95 { get; set; }

    public int? TestErrors { get; set; }
    public int? TestExamples { get; set; }

    public void SetTestResult(ClassificationScore score)
    {
        TestAccuracy = score.Accuracy;
        TestError = score.Error;
        TestHalfWidth95 = score.HalfWidth95;
        TestAccuracyInterval95 = [score.Accuracy - score.HalfWidth95, score.Accuracy + score.HalfWidth95];
        TestErrors = score.Errors;
        TestExamples = score.Count;
    }

    public double TotalSeconds => Epochs.Sum(e => e.Seconds);

    /// <summary>Stages metrics.json and metrics.csv in <paramref name="directory"/> as part of <paramref name="commit"/>, the checkpoint its last epoch belongs to.</summary>
    public void Stage(CheckpointCommit commit, string directory) =>
        MetricsFile.Stage(commit, directory, this);

    /// <summary>What a previous run recorded, or null if it left no metrics.json.</summary>
    public static FinetuneMetrics? Read(string directory) => MetricsFile.Read<FinetuneMetrics>(directory, RunKind.Finetune);
}
