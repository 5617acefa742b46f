namespace ILGPUAE.Training;

using System.Text.Json.Serialization;
using ILGPUAE.Backend;
using ILGPUAE.Data;
using ILGPUAE.IO;
using ILGPUAE.Optimizers;

/// <summary>
/// Everything that defines a denoising-autoencoder run; saved in the checkpoint, so a resumed run and
/// `eval` use the same values. Defaults are the classic denoising-autoencoder setup.
/// </summary>
public sealed record DaeOptions
{
    /// <summary>What it trains on: all of the dataset's training examples; the test loss is over its test set.</summary>
    public DatasetKind Dataset { get; init; }

    public int Hidden { get; init; } = 500;

    /// <summary>The hidden units' activation; the reconstruction is always a sigmoid. Files without it are sigmoid.</summary>
    [JsonConverter(typeof(NamedEnumConverter<Activation>))]
    public Activation Activation { get; init; } = Activation.Sigmoid;

    /// <summary>
    /// λ of an L1 penalty on the hidden code (Keras' activity_regularizer=l1): each example's training loss gains λ·Σ_j |h_j|
    /// and the gradient follows; the test loss stays the reconstruction's. 0 = none. A run with it takes the generic step.
    /// </summary>
    public float ActivityL1 { get; init; }

    /// <summary>Masking-noise probability: each input pixel is zeroed with this probability.</summary>
    public float Corruption { get; init; } = 0.25f;

    [JsonConverter(typeof(NamedEnumConverter<LossKind>))]
    public LossKind Loss { get; init; } = LossKind.SquaredError;

    public float LearningRate { get; init; } = 0.1f;

    /// <summary>SGD's, Nesterov's and RMSprop's momentum.</summary>
    public float Momentum { get; init; }

    /// <summary>The update rule, its settings and clipping (SGD unless said otherwise).</summary>
    public OptimizerChoice Optimizer { get; init; } = new();

    /// <summary>1 = per-sample SGD: an update after every example.</summary>
    public int Batch { get; init; } = 1;

    /// <summary>Total epochs; a resumed run continues up to this count.</summary>
    public int Epochs { get; init; } = 15;

    public ulong Seed { get; init; } = 1;

    /// <summary>
    /// Hogwild workers: K ≥ 2 runs K batches at once with lock-free updates of the shared weights
    /// (non-deterministic). On the host K lanes (any batch); on an ILGPU backend K workers of the Hogwild
    /// kernel, each a group (batch 1, momentum 0). 0 or 1 = sequential, reproducible SGD.
    /// </summary>
    public int Hogwild { get; init; }

    /// <summary>False for a Hogwild run (K ≥ 2): its result depends on the workers' timing. Written to metrics.json.</summary>
    public bool Reproducible => Hogwild < 2;
    public int? TrainLimit { get; init; }
    public int? TestLimit { get; init; }

    /// <summary>What a non-finite loss or weight does to the run (<see cref="NanPolicy"/>); skip-batch takes the generic step.</summary>
    [JsonConverter(typeof(NanPolicyJsonConverter))]
    public NanPolicy OnNan { get; init; }

    /// <summary>The optimizer these options describe.</summary>
    public OptimizerOptions ToOptimizerOptions() => Optimizer.With(LearningRate, Momentum);

    /// <summary>The tied DAE these options train on <paramref name="visible"/> inputs, as modules (what checkpoints record).</summary>
    public Modules.NetworkSpec Network(int visible) => Modules.Networks.TiedDae(visible, Hidden, Corruption, Loss, Activation, ActivityL1);

    /// <summary>Whether the step is SGD as the fused paths take it (<see cref="OptimizerChoice.IsPlainSgd"/>).</summary>
    public bool IsPlainSgd => Optimizer.IsPlainSgd;

    /// <summary>Throws <see cref="InputException"/> naming the first option out of range.</summary>
    public void Validate()
    {
        Require(Hidden >= 1, "hidden", Hidden, "an integer ≥ 1");
        Require(Corruption is >= 0f and <= 1f, "corruption", Corruption, "a probability in [0, 1]");
        Require(float.IsFinite(LearningRate) && LearningRate > 0f, "learning_rate", LearningRate, "a finite number > 0");
        Require(Momentum is >= 0f and < 1f, "momentum", Momentum, "a number in [0, 1)");
        Require(Batch >= 1, "batch", Batch, "an integer ≥ 1");
        Require(Epochs >= 1, "epochs", Epochs, "an integer ≥ 1");
        Require(Hogwild is >= 0 and <= 256, "hogwild", Hogwild, "an integer from 0 (sequential) to 256");
        Require(Enum.IsDefined(Activation), "activation", Activation, "identity, sigmoid, tanh or relu");
        Require(Enum.IsDefined(Loss), "loss", Loss, $"{LossKind.SquaredError} or {LossKind.CrossEntropy}");
        Require(float.IsFinite(ActivityL1) && ActivityL1 >= 0f, "activity_l1", ActivityL1, "a finite number ≥ 0");
        Require(Hogwild < 2 || ActivityL1 == 0f, "hogwild", Hogwild, "0 with an activity L1 penalty (Hogwild workers run the fused SGD step)");
        Require(Enum.IsDefined(OnNan), "on_nan", OnNan, "stop, skip-batch or halve-lr");
        Require(Hogwild < 2 || OnNan != NanPolicy.SkipBatch, "hogwild", Hogwild, "0 with on_nan skip-batch (Hogwild workers run the fused SGD step)", "on_nan");
        Require(Hogwild < 2 || IsPlainSgd, "hogwild", Hogwild, $"0 with optimizer {Optimizer.Kind} (Hogwild workers run plain or momentum SGD)");
        Optimizer.ValidateSettings();
        Optimizer.ValidateResolved(ToOptimizerOptions());
        DataLimits.Validate(TrainLimit, null, TestLimit);
    }

    /// <param name="setting">The setting's name in the options' JSON; the CLI shows its own flag instead.</param>
    private static void Require(bool ok, string setting, object? value, string expected, params string[] mentioned)
    {
        if (!ok)
            throw InputException.ForSetting(setting, value, expected, mentioned);
    }

    /// <summary>The run in one line, for the person watching it: data and split sizes, model, optimizer, batch, seed.</summary>
    public string Summary(int trainExamples, int testExamples) =>
        $"data: {Datasets.Info(Dataset).DisplayName}, {trainExamples} train / {testExamples} test; hidden {Hidden}, corruption {Corruption}, " +
        $"loss {Loss}, {Optimizer.Describe(LearningRate, Momentum)}, batch {Batch}, seed {Seed}" +
        (ActivityL1 > 0f ? $", activity L1 {ActivityL1}" : "") +
        (Hogwild >= 2 ? $", hogwild {Hogwild} (not reproducible)" : "") +
        (OnNan != NanPolicy.Stop ? $", on NaN {NanPolicies.Name(OnNan)}" : "");
}
