namespace ILGPUAE.Training;

using System.Text.Json.Serialization;

/// <summary>Where an epoch stands, reported a few times a second.</summary>
public readonly record struct StepProgress(int Epoch, int Processed, int Total, double RunningLoss, double SamplesPerSecond);

/// <summary>
/// One finished epoch, whatever the model (epochs 1-based): its mean training loss, time and throughput. Each run's report
/// adds its own score (<see cref="EpochReport"/>: the test loss; <c>FinetuneEpochReport</c>: the validation error), and
/// metrics.json records it as it is.
/// </summary>
public abstract record EpochResult(
    [property: JsonPropertyOrder(-2)] int Epoch,
    [property: JsonPropertyOrder(-1)] double TrainLoss,
    [property: JsonPropertyOrder(1)] double Seconds,
    [property: JsonPropertyOrder(2)] double SamplesPerSecond)
{
    /// <summary>Batches left unapplied for a non-finite loss or gradient (on_nan skip-batch); metrics.json records it when not 0.</summary>
    [JsonPropertyOrder(5)]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int SkippedBatches { get; init; }

    /// <summary>
    /// The restarts of on_nan halve-lr that came before this epoch finished (back to the last good state at half the rate);
    /// metrics.json records them when there are any.
    /// </summary>
    [JsonPropertyOrder(6)]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<NanRestart>? NanRestarts { get; init; }

    /// <summary>The line that reports <see cref="SkippedBatches"/>, or null when none was skipped.</summary>
    public string? SkippedLine => SkippedBatches == 0 ? null
        : $"epoch {Epoch}: skipped {SkippedBatches} {(SkippedBatches == 1 ? "batch" : "batches")} with a non-finite loss or gradient";
}

/// <summary>One finished epoch of a reconstruction run (train dae, a pretraining layer): the clean test set's mean loss beside it.</summary>
public sealed record EpochReport(int Epoch, double TrainLoss, double TestLoss, double Seconds, double SamplesPerSecond)
    : EpochResult(Epoch, TrainLoss, Seconds, SamplesPerSecond);

/// <summary>A run, or a stage of one (a pretraining layer), begins.</summary>
/// <param name="Accelerator">The backend's name, e.g. "host: 2 cores, …".</param>
/// <param name="Summary">What trains on what, in one line: the data and its split sizes, the model, the optimizer, the seed.</param>
/// <param name="FirstEpoch">1, or the epoch a resumed run continues at.</param>
/// <param name="Epochs">The last epoch the run may reach.</param>
public sealed record RunStart(string Accelerator, string Summary, int FirstEpoch, int Epochs);

/// <summary>What a run tells the person watching it: every verb that trains speaks through this one interface.</summary>
public interface ITrainingObserver
{
    /// <summary>A line of information (a dataset fetched, a fallback taken, a layer starting).</summary>
    void Note(string message);

    void Started(RunStart start);

    /// <summary>Where the current epoch stands; <see cref="StepProgress.RunningLoss"/> is NaN when it is not known yet (Hogwild).</summary>
    void Progress(StepProgress progress);

    /// <summary>An epoch ended, its checkpoint and metrics written.</summary>
    void EpochDone(EpochResult epoch);
}
