namespace ILGPUAE.Training.Cae;

using System.Text.Json.Serialization;
using ILGPUAE.Backend;
using ILGPUAE.Data;
using ILGPUAE.IO;
using ILGPUAE.Optimizers;

/// <summary>
/// Everything that defines a `train cae` run (Barletta and De Benedetti's convolutional autoencoder, issue 15); saved with the run, so a
/// resumed run keeps it. Defaults follow the study where it says: Adam at lr 0.001, 59000 training images with the last 1000 held out
/// (<see cref="Holdout"/>), and for the sparse variant λ‖w‖₁ with λ = 0.001 (<see cref="SparseWeightL1"/>). The batch (128), the
/// epochs (10) and the training loss (<see cref="Loss"/>: cross-entropy, not the study's squared error) are this engine's choices.
/// </summary>
public sealed record CaeOptions
{
    public const float DefaultLearningRate = 1e-3f;
    public const int DefaultHoldout = 1000;

    /// <summary>The study's λ of its sparse autoencoder's λ‖w‖₁.</summary>
    public const float SparseWeightL1 = 1e-3f;

    /// <summary>The study's update rule: Adam with PyTorch's defaults.</summary>
    public static readonly OptimizerChoice StudyOptimizer = new() { Kind = OptimizerKind.Adam };

    /// <summary>
    /// The loss the network trains on: per image −Σ[x log z + (1 − x) log(1 − z)] (<see cref="LossKind.CrossEntropy"/>, the default: the
    /// Keras convolutional-autoencoder tutorial's binary cross-entropy) or ½‖x − z‖² (<see cref="LossKind.SquaredError"/>, the study's).
    /// With squared error this architecture (ReLU decoder convolutions under a sigmoid output, PyTorch's initialisation, Adam 0.001)
    /// collapses, for some seeds, in its first epoch to an all-black output on full MNIST, in PyTorch as in this engine: the outputs
    /// are pushed towards the mostly-black pixels until the sigmoid saturates (an output mean of 0.0001), where the squared error's
    /// delta (z − x)·z(1 − z) vanishes and the run never recovers. Cross-entropy's delta through the sigmoid is z − x, without that
    /// factor, and the same layers learn (README, issue 15). Validation and test are scored by ½‖x − z‖² per image whatever the
    /// training loss, so runs compare.
    /// </summary>
    [JsonConverter(typeof(NamedEnumConverter<LossKind>))]
    public LossKind Loss { get; init; } = DefaultLoss;

    public const LossKind DefaultLoss = LossKind.CrossEntropy;

    /// <summary>A 28×28 single-channel dataset: trains on its training images less the holdout, validates on the holdout, reports on its test split.</summary>
    public DatasetKind Dataset { get; init; }

    /// <summary>The last N training images, held out to pick the kept model (the study's 1000; the dataset's own split when null).</summary>
    public int? Holdout { get; init; } = DefaultHoldout;

    /// <summary>
    /// λ of the L1 penalty λ‖w‖₁ on the convolutions' weights (not their biases), as the study writes it for its sparse variant: beside
    /// a per-pixel mean loss — PyTorch's MSELoss, the mean of (x − z)² over an image's pixels (and the batch), or with cross-entropy
    /// BCELoss / Keras' binary_crossentropy, the mean of the pixels' cross-entropies. The engine's losses are sums per image: ½‖x − z‖²
    /// is <see cref="Pixels"/>/2 times the squared error's mean, the cross-entropy <see cref="Pixels"/> times its mean; so the optimizer
    /// adds λ·(that factor)·sign(w) (<see cref="LossPerPixelMean"/>, <see cref="OptimizerOptions"/>): the objective is then the per-pixel
    /// form's times a constant, which Adam's steps do not see (up to its ε), and the penalty weighs what it weighs there.
    /// </summary>
    public float WeightL1 { get; init; }

    /// <summary>Pixels of an image (28×28): the factor between the study's mean squared error and the engine's ½‖x − z‖² is Pixels/2.</summary>
    public const int Pixels = 28 * 28;

    /// <summary>The engine's per-image <see cref="Loss"/> over its per-pixel mean: <see cref="Pixels"/>/2 for ½‖x − z‖², <see cref="Pixels"/> for cross-entropy.</summary>
    [JsonIgnore]
    public int LossPerPixelMean => Loss == LossKind.SquaredError ? Pixels / 2 : Pixels;

    /// <summary>
    /// λ of an L1 penalty λ·Σ|code| on the encoder's 4×7×7 code, added to each image's ½‖x − z‖² as it stands (the sparse code most
    /// sparse-autoencoder work means; the study has none, so no conversion).
    /// </summary>
    public float CodeL1 { get; init; }

    public float LearningRate { get; init; } = DefaultLearningRate;

    public OptimizerChoice Optimizer { get; init; } = StudyOptimizer;

    public int Batch { get; init; } = 128;

    public int Epochs { get; init; } = 10;

    public ulong Seed { get; init; } = 1;

    public int? TrainLimit { get; init; }

    public int? ValidLimit { get; init; }

    public int? TestLimit { get; init; }

    [JsonConverter(typeof(NanPolicyJsonConverter))]
    public NanPolicy OnNan { get; init; }

    /// <summary>Whether either L1 penalty is on (the model file's "sparse").</summary>
    [JsonIgnore]
    public bool Sparse => WeightL1 > 0f || CodeL1 > 0f;

    /// <summary>The optimizer's settings: the rule at the run's learning rate, with the weights' L1 subgradient in the engine's loss units (<see cref="WeightL1"/>).</summary>
    public OptimizerOptions OptimizerOptions() => Optimizer.With(LearningRate, 0f) with { WeightL1 = WeightL1 * LossPerPixelMean };

    /// <summary>Throws <see cref="InputException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        var info = Enum.IsDefined(Dataset) ? Datasets.Info(Dataset) : null;
        Require(info is { Shape: { Channels: 1, Height: 28, Width: 28 } }, "dataset", info?.Name ?? Dataset.ToString(),
            $"a dataset of 28×28 single-channel images, e.g. mnist or fashion-mnist{(info is null ? "" : $" ({info.Name} is {info.Shape})")}");
        Require(Enum.IsDefined(Loss), "loss", Loss, $"{LossKind.CrossEntropy} or {LossKind.SquaredError}");
        Require(Holdout is null or >= 1, "holdout", Holdout, "an integer ≥ 1 (the last N training images validate)");
        Require(float.IsFinite(WeightL1) && WeightL1 >= 0f, "l1_weights", WeightL1, "a finite number ≥ 0");
        Require(float.IsFinite(CodeL1) && CodeL1 >= 0f, "l1_codes", CodeL1, "a finite number ≥ 0");
        Require(float.IsFinite(LearningRate) && LearningRate > 0f, "learning_rate", LearningRate, "a finite number > 0");
        Require(Batch >= 1, "batch", Batch, "an integer ≥ 1");
        Require(Epochs >= 1, "epochs", Epochs, "an integer ≥ 1");
        DataLimits.Validate(TrainLimit, ValidLimit, TestLimit);
        Require(Enum.IsDefined(OnNan) && OnNan != NanPolicy.HalveLearningRate, "on_nan", OnNan, "stop or skip-batch");
        Optimizer.ValidateSettings();
        Optimizer.ValidateResolved(OptimizerOptions());
    }

    /// <summary>The run in one line: data and split sizes, the network, its penalties, optimizer, batch, seed.</summary>
    public string Summary(int train, int valid, int test) =>
        $"data: {Datasets.Info(Dataset).DisplayName}, {train} train / {valid} validation / {test} test; convolutional autoencoder (code 4×7×7), " +
        $"{(Loss == LossKind.SquaredError ? "squared error" : "cross-entropy")}{(WeightL1 > 0f ? $", λ‖w‖₁ {WeightL1}" : "")}{(CodeL1 > 0f ? $", λ‖code‖₁ {CodeL1}" : "")}, {Optimizer.Describe(LearningRate, 0f)}, " +
        $"batch {Batch}, seed {Seed}" + (OnNan != NanPolicy.Stop ? $", on NaN {NanPolicies.Name(OnNan)}" : "");

    private static void Require(bool ok, string setting, object? value, string expected)
    {
        if (!ok)
            throw InputException.ForSetting(setting, value, expected);
    }
}
