namespace ILGPUAE.Training.Stacked;

using ILGPUAE.Data;
using ILGPUAE.IO;

/// <summary>
/// Supervised fine-tuning of a classifier built on a pretrained stack. Defaults are the Theano SdA
/// tutorial's: softmax directly on the stack, per-sample SGD at 0.1, up to 1000 epochs with its patience
/// rule. Saved in the checkpoint and metrics.json with every value resolved.
/// </summary>
public sealed record FinetuneOptions
{
    /// <summary>What it trains, validates and is tested on (a new run takes the pretrained stack's unless told otherwise).</summary>
    public DatasetKind Dataset { get; init; }

    /// <summary>
    /// Train, validate and test on the data thresholded x &gt; 0.5 (<see cref="Binarization"/>): set from a `train deep --binarize`
    /// model, which was trained on such data, so that its encoders see what they were trained on.
    /// </summary>
    public bool Binarize { get; init; }

    /// <summary>Widths of the sigmoid layers between the stack and the softmax (e.g. [500]).</summary>
    public int[] Mlp { get; init; } = [];

    public float LearningRate { get; init; } = 0.1f;
    public float Momentum { get; init; }

    /// <summary>The update rule (SGD unless said otherwise; the fused and per-sample paths take SGD only).</summary>
    public Optimizers.OptimizerChoice Optimizer { get; init; } = new();

    /// <summary>1 = per-sample SGD.</summary>
    public int Batch { get; init; } = 1;

    public int MaxEpochs { get; init; } = 1000;

    /// <summary>
    /// Theano's early stopping: training may stop once this many epochs' worth of steps has passed without
    /// a validation error below <see cref="ImprovementThreshold"/> × the best; each such improvement at step
    /// t extends the patience to <see cref="PatienceIncrease"/> × t. 0 turns early stopping off.
    /// </summary>
    public int PatienceEpochs { get; init; } = 10;

    public double PatienceIncrease { get; init; } = 2.0;
    public double ImprovementThreshold { get; init; } = 0.995;

    /// <summary>
    /// Masking noise on the classifier's input while it trains (never when it is scored): each pixel is zeroed
    /// with this probability, drawn as <c>ICorruption.Mask</c> draws a DAE's. 0 = clean inputs (the recipes').
    /// </summary>
    public float Corruption { get; init; }

    /// <summary>Keep the pretrained layers fixed; only the layers above them learn.</summary>
    public bool Freeze { get; init; }

    /// <summary>
    /// Reduce-on-plateau (<see cref="LearningRatePlateau"/>): after this many epochs in a row without a new
    /// best validation error the learning rate is multiplied by <see cref="LrFactor"/>; 0 keeps it fixed.
    /// </summary>
    public int LrPlateau { get; init; }

    public double LrFactor { get; init; } = 0.5;

    /// <summary>The plateau rule never lowers the learning rate below this.</summary>
    public double MinLearningRate { get; init; }

    /// <summary>Seeds the new layers' weights and the shuffles.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Train on the first N of the 50 000 training images (validation is always the last 10 000).</summary>
    public int? TrainLimit { get; init; }

    public int? TestLimit { get; init; }

    /// <summary>What a non-finite loss or weight does to the run (<see cref="NanPolicy"/>); skip-batch takes the generic step.</summary>
    [System.Text.Json.Serialization.JsonConverter(typeof(NanPolicyJsonConverter))]
    public NanPolicy OnNan { get; init; }

    public void Validate()
    {
        foreach (var width in Mlp)
            Require(width >= 1, "mlp", string.Join(",", Mlp), "comma-separated widths ≥ 1, or none");
        Require(float.IsFinite(LearningRate) && LearningRate > 0f, "learning_rate", LearningRate, "a finite number > 0");
        Require(Momentum is >= 0f and < 1f, "momentum", Momentum, "a number in [0, 1)");
        Optimizer.ValidateSettings();
        Optimizer.ValidateResolved(Optimizer.With(LearningRate, Momentum));
        Require(Batch >= 1, "batch", Batch, "an integer ≥ 1");
        Require(MaxEpochs >= 1, "max_epochs", MaxEpochs, "an integer ≥ 1");
        Require(PatienceEpochs >= 0, "patience_epochs", PatienceEpochs, "an integer ≥ 0 (0 = no early stopping)");
        Require(PatienceIncrease >= 1, "patience increase", PatienceIncrease, "a factor ≥ 1");
        Require(ImprovementThreshold is > 0 and <= 1, "improvement threshold", ImprovementThreshold, "a ratio in (0, 1]");
        Require(Corruption is >= 0f and < 1f, "corruption", Corruption, "a probability in [0, 1)");
        Require(LrPlateau >= 0, "lr_plateau", LrPlateau, "an integer ≥ 0 (0 = a fixed learning rate)");
        Require(LrFactor is > 0 and < 1, "lr_factor", LrFactor, "a factor in (0, 1)");
        Require(MinLearningRate >= 0 && MinLearningRate <= LearningRate, "min_learning_rate", MinLearningRate, $"a number in [0, learning_rate {LearningRate}]", "learning_rate");
        DataLimits.Validate(TrainLimit, null, TestLimit);
        Require(OnNan is NanPolicy.Stop or NanPolicy.SkipBatch, "on_nan", Enum.IsDefined(OnNan) ? NanPolicies.Name(OnNan) : OnNan,
            "stop or skip-batch (fine-tuning's learning rate follows its own schedule: halve-lr is for train dae and pretrain)");
    }

    /// <param name="setting">The setting's name in the options' JSON; the CLI shows its own flag instead.</param>
    private static void Require(bool ok, string setting, object? value, string expected, params string[] mentioned)
    {
        if (!ok)
            throw InputException.ForSetting(setting, value, expected, mentioned);
    }

    /// <summary>The run in one line, for the person watching it: the classifier, data and split sizes, optimizer, schedule, seed.</summary>
    public string Summary(Models.ClassifierArchitecture architecture, int trainExamples, int validExamples) =>
        $"classifier {architecture}{(Freeze ? " (stack frozen)" : "")}; {Datasets.Info(Dataset).DisplayName}, " +
        $"{trainExamples} train / {validExamples} validation; " +
        $"{Optimizer.Describe(LearningRate, Momentum)}, batch {Batch}, up to {MaxEpochs} epochs, " +
        $"{(PatienceEpochs == 0 ? "no early stopping" : $"patience {PatienceEpochs} epochs")}, seed {Seed}" +
        (Corruption == 0f ? "" : $"; inputs masked at {Corruption} while training") +
        (LrPlateau == 0 ? "" : $"; lr × {LrFactor} after {LrPlateau} epochs without a new best (min {MinLearningRate})") +
        (OnNan == NanPolicy.Stop ? "" : $"; on NaN {NanPolicies.Name(OnNan)}");
}
