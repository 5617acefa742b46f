namespace ILGPUAE.Training.Deep;

using System.Text.Json.Serialization;
using ILGPUAE.Backend;
using ILGPUAE.Data;
using ILGPUAE.IO;
using ILGPUAE.Optimizers;

/// <summary>
/// How a deep autoencoder's layers are trained (Zhou et al., "Is Joint Training Better for Deep Auto-Encoders?"): <see cref="L"/>
/// greedy layer-wise, <see cref="J"/> joint from random initialisation with the regularizers, <see cref="U"/> layer-wise then joint
/// without them, <see cref="UJ"/> layer-wise then joint with them.
/// </summary>
public enum DeepScheme
{
    L,
    J,
    U,
    UJ,
}

/// <summary>The local regularizer of every layer: corruption of its input, a contractive penalty on its Jacobian, or L2 weight decay.</summary>
public enum DeepRegularizer
{
    Denoise,
    Contract,
    L2,
}

/// <summary>
/// Everything that defines a `train deep` run; saved with the run (model and state files, metrics.json), so a resumed run keeps it.
/// Defaults follow the study: RMSprop with decay 0.9, minibatches of 100, 300 epochs (per layer for the layer-wise phases), and the
/// middle of its grids for what the sweep tunes (noise σ 0.5 of {0.1 … 0.9}, contraction 0.15 of {0.01 … 0.6}, learning rate 0.005,
/// the lower middle of {0.001, 0.005, 0.01, 0.02}); the L2 run's weight decay, which the study does not give, is 1e-4.
/// </summary>
public sealed record DeepOptions
{
    public const float DefaultLearningRate = 0.005f;
    public const float DefaultNoise = 0.5f;
    public const float DefaultContraction = 0.15f;
    public const float DefaultWeightDecay = 1e-4f;

    /// <summary>The study's update rule: RMSprop with decay (α) 0.9; its weight decay is the L2 regularizer's λ.</summary>
    public static readonly OptimizerChoice StudyOptimizer = new() { Kind = OptimizerKind.RmsProp, RmsPropAlpha = 0.9f };

    /// <summary>Trains on the dataset's training split; picks the kept model on its validation split; reports on its test split too.</summary>
    public DatasetKind Dataset { get; init; }

    /// <summary>The code widths d_1 … d_N (the input width d_0 is the dataset's).</summary>
    public int[] Layers { get; init; } = [1000, 1000];

    [JsonConverter(typeof(NamedEnumConverter<DeepScheme>))]
    public DeepScheme Scheme { get; init; } = DeepScheme.UJ;

    [JsonConverter(typeof(NamedEnumConverter<DeepRegularizer>))]
    public DeepRegularizer Regularizer { get; init; } = DeepRegularizer.Denoise;

    /// <summary>Denoise: the corruption's amount, σ for Gaussian noise or a probability for masking and salt-and-pepper.</summary>
    public float Noise { get; init; } = DefaultNoise;

    /// <summary>
    /// Denoise: additive Gaussian noise (the study's), masking noise, or salt-and-pepper (the GSN setup's, p 0.4 on
    /// <see cref="Binarize"/>d data).
    /// </summary>
    [JsonConverter(typeof(NamedEnumConverter<CorruptionKind>))]
    public CorruptionKind NoiseKind { get; init; } = CorruptionKind.Gaussian;

    /// <summary>Train, validate and test on the dataset thresholded x &gt; 0.5 → {0, 1} (<see cref="Binarization"/>), as the GSN setup does.</summary>
    public bool Binarize { get; init; }

    /// <summary>Contract: λ of each layer's λ‖∂h_i/∂h_{i−1}‖²_F.</summary>
    public float Contraction { get; init; } = DefaultContraction;

    public float LearningRate { get; init; } = DefaultLearningRate;

    /// <summary>The update rule; its <see cref="OptimizerChoice.WeightDecay"/> on the weights is the L2 regularizer (dropped with the others in U's joint phase).</summary>
    public OptimizerChoice Optimizer { get; init; } = StudyOptimizer;

    public int Batch { get; init; } = 100;

    /// <summary>Epochs of each layer-wise phase (L, and the first part of U and UJ), and of J's joint phase.</summary>
    public int Epochs { get; init; } = 300;

    /// <summary>Epochs of the joint phase of U and UJ; null: <see cref="Epochs"/>.</summary>
    public int? JointEpochs { get; init; }

    public ulong Seed { get; init; } = 1;

    /// <summary>Train on the first N of the training split's examples.</summary>
    public int? TrainLimit { get; init; }

    /// <summary>Pick the kept model on the first N validation examples.</summary>
    public int? ValidLimit { get; init; }

    public int? TestLimit { get; init; }

    /// <summary>
    /// What a non-finite loss, score or weight does: stop, skip the batch, or go back to the last good state (the phase's start or its
    /// last epoch) at half the learning rate, at most <see cref="NanPolicies.MaxHalvings"/> times in a session; the halved rate is
    /// saved with these options, so a resumed run keeps it and later phases train at it.
    /// </summary>
    [JsonConverter(typeof(NanPolicyJsonConverter))]
    public NanPolicy OnNan { get; init; }

    /// <summary>The joint phase's epochs (U, UJ).</summary>
    [JsonIgnore]
    public int JointEpochsOrDefault => JointEpochs ?? Epochs;

    /// <summary>The per-layer corruption while a regularized phase trains; null for the other regularizers.</summary>
    [JsonIgnore]
    public CorruptionNoise? Corruption => Regularizer == DeepRegularizer.Denoise ? new CorruptionNoise(NoiseKind, Noise) : null;

    /// <summary>The contractive λ of a regularized phase (0 for the other regularizers).</summary>
    [JsonIgnore]
    public float ContractionOrZero => Regularizer == DeepRegularizer.Contract ? Contraction : 0f;

    /// <summary>The widths [d_0, d_1, …, d_N] of the deep autoencoder on <paramref name="visible"/> inputs.</summary>
    public int[] Widths(int visible) => [visible, .. Layers];

    /// <summary>The regularizer as the CLI and the model file's metadata name it: denoise, contract, l2.</summary>
    public static string Name(DeepRegularizer regularizer) => regularizer.ToString().ToLowerInvariant();

    /// <summary>Throws <see cref="InputException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        if (Layers is null || Layers.Length == 0)
            throw InputException.AboutSetting("layers", "layers: expected the code widths, comma-separated, e.g. 1000,1000");
        for (var i = 0; i < Layers.Length; i++)
            Require(Layers[i] >= 1, "layers", string.Join(",", Layers), "widths that are integers ≥ 1");
        Require(Enum.IsDefined(Scheme), "scheme", Scheme, "L, J, U or UJ");
        Require(Enum.IsDefined(Regularizer), "regularizer", Regularizer, "denoise, contract or l2");
        Require(Enum.IsDefined(NoiseKind), "noise_kind", NoiseKind, NoiseKinds);
        if (NoiseKind == CorruptionKind.Gaussian)
            Require(float.IsFinite(Noise) && Noise >= 0f, "noise", Noise, "a Gaussian σ, finite and ≥ 0");
        else
            Require(Noise is >= 0f and <= 1f, "noise", Noise, $"a {CorruptionKinds.Name(NoiseKind)} probability in [0, 1]");
        Require(float.IsFinite(Contraction) && Contraction >= 0f, "contraction", Contraction, "a finite number ≥ 0");
        Require(float.IsFinite(LearningRate) && LearningRate > 0f, "learning_rate", LearningRate, "a finite number > 0");
        Require(Batch >= 1, "batch", Batch, "an integer ≥ 1");
        Require(Epochs >= 1, "epochs", Epochs, "an integer ≥ 1");
        Require(JointEpochs is null or >= 1, "joint_epochs", JointEpochs, "an integer ≥ 1");
        DataLimits.Validate(TrainLimit, ValidLimit, TestLimit);
        Require(Enum.IsDefined(OnNan), "on_nan", OnNan, "stop, skip-batch or halve-lr");
        Optimizer.ValidateSettings();
        if (Regularizer == DeepRegularizer.L2)
            Require(Optimizer.WeightDecay > 0f, "weight_decay", Optimizer.WeightDecay, "a number > 0 with regularizer l2 (its λ)", "regularizer");
        Optimizer.ValidateResolved(Optimizer.With(LearningRate, 0f));
    }

    /// <summary>The noise kind <paramref name="name"/> spells (<see cref="CorruptionKinds.Name"/>); throws <see cref="InputException"/> about noise_kind otherwise.</summary>
    public static CorruptionKind ParseNoiseKind(string name) =>
        CorruptionKinds.TryParse(name, out var kind) ? kind : throw InputException.ForSetting("noise_kind", name, NoiseKinds);

    private const string NoiseKinds = "gaussian, masking or salt-and-pepper";

    private static void Require(bool ok, string setting, object? value, string expected, params string[] mentioned)
    {
        if (!ok)
            throw InputException.ForSetting(setting, value, expected, mentioned);
    }

    /// <summary>The run in one line: data and split sizes, the stack, scheme, regularizer, optimizer, batch, seed.</summary>
    public string Summary(int visible, int train, int valid, int test) =>
        $"data: {Datasets.Info(Dataset).DisplayName}{(Binarize ? $" binarised (x > {Binarization.Threshold})" : "")}, {train} train / {valid} validation / {test} test; deep autoencoder {string.Join("-", Widths(visible))}, " +
        $"scheme {Scheme}, {RegularizerText}, {Optimizer.Describe(LearningRate, 0f)}, batch {Batch}, seed {Seed}" +
        (OnNan != NanPolicy.Stop ? $", on NaN {NanPolicies.Name(OnNan)}" : "");

    /// <summary>"denoise (gaussian σ 0.5)", "denoise (salt-and-pepper 0.4)", "contract (λ 0.15)", "l2 (weight decay 0.0001)".</summary>
    [JsonIgnore]
    public string RegularizerText => Regularizer switch
    {
        DeepRegularizer.Denoise => $"denoise ({CorruptionKinds.Name(NoiseKind)} {(NoiseKind == CorruptionKind.Gaussian ? "σ " : "")}{Noise})",
        DeepRegularizer.Contract => $"contract (λ {Contraction})",
        _ => $"l2 (weight decay {Optimizer.WeightDecay})",
    };
}
