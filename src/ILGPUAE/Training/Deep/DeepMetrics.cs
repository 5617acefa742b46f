namespace ILGPUAE.Training.Deep;

using System.Text.Json.Serialization;

/// <summary>
/// One epoch of a phase of `train deep`. <see cref="EpochResult.TrainLoss"/> is the phase's training objective (its own model's
/// reconstruction of its corrupted input plus its penalties, as the steps computed it); the other three are the clean
/// reconstruction cross-entropy in INPUT space, through every layer trained so far and back, eval mode: on the first
/// <see cref="DeepMetrics.TrainScored"/> training examples, the validation split and the test split. Those three are comparable
/// across schemes and phases (the study's Fig. 3). <see cref="RunEpoch"/> counts epochs over the whole run, for one x axis.
/// </summary>
public sealed record DeepEpochReport(int Epoch, double TrainLoss, double TrainReconstruction, double ValidLoss, double TestLoss, double Seconds,
    double SamplesPerSecond) : EpochResult(Epoch, TrainLoss, Seconds, SamplesPerSecond)
{
    public string Phase { get; init; } = "";
    public int RunEpoch { get; init; }

    /// <summary>Whether this epoch's model is the best kept so far (lowest validation loss).</summary>
    public bool Best { get; init; }
}

/// <summary>A phase of the run as metrics.json records it: what it trained, and its epochs (a resumed run appends).</summary>
public sealed record DeepPhaseMetrics(int Phase, string Name, int FirstLayer, int Layers, bool Regularized, int EpochsPlanned, List<DeepEpochReport> Epochs);

/// <summary>
/// `train deep`'s metrics.json: what ran where, the resolved options, every phase's epochs, and the kept model (the lowest
/// validation loss in input space over the epochs whose model is the deepest one trained by then).
/// </summary>
public sealed record DeepMetrics(string Model, string Dataset, string Accelerator, DeepOptions Options, int TrainExamples, int TrainScored, int ValidExamples,
    int TestExamples, List<DeepPhaseMetrics> Phases)
{
    /// <summary>The phase and epoch (within it) of the kept model, and its validation loss; null before the first epoch.</summary>
    public string? BestPhase { get; set; }

    public int BestEpoch { get; set; }

    public double? BestValidLoss { get; set; }

    /// <summary>Every epoch of every phase in run order.</summary>
    [JsonIgnore]
    public IEnumerable<DeepEpochReport> AllEpochs => Phases.OrderBy(p => p.Phase).SelectMany(p => p.Epochs.OrderBy(e => e.Epoch));

    /// <summary>The phases a previous run recorded, or none if it left no metrics.json.</summary>
    public static DeepMetrics? Read(string directory) => MetricsFile.Read<DeepMetrics>(directory, RunKind.TrainDeep);
}
