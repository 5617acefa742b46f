namespace ILGPUAE.Training.Stacked;

using System.Text.Json.Serialization;
using ILGPUAE.Backend;
using ILGPUAE.Data;
using ILGPUAE.IO;
using ILGPUAE.Optimizers;
using ILGPUAE.Random;

/// <summary>
/// Greedy layer-wise pretraining of a stack of tied denoising autoencoders: layer i is a
/// <see cref="DaeOptions"/> run on the clean codes of layers 0 … i−1. Defaults are the Theano SdA
/// tutorial's recipe (3 × 1000 units, masking 0.1 / 0.2 / 0.3, cross-entropy, per-sample SGD at 0.001,
/// 15 epochs per layer). Saved in the stack's checkpoint and metrics.json with every value resolved.
/// </summary>
public sealed record StackOptions
{
    /// <summary>What it pretrains on: the dataset's train split (validation held out), reporting on its test set.</summary>
    public DatasetKind Dataset { get; init; }

    public int[] Hidden { get; init; } = [1000, 1000, 1000];

    /// <summary>Masking probability per layer; a single value applies to every layer.</summary>
    public float[] Corruption { get; init; } = [0.1f, 0.2f, 0.3f];

    [JsonConverter(typeof(NamedEnumConverter<LossKind>))]
    public LossKind Loss { get; init; } = LossKind.CrossEntropy;

    public float LearningRate { get; init; } = 0.001f;
    public float Momentum { get; init; }

    /// <summary>The update rule of every layer's run (SGD unless said otherwise).</summary>
    public OptimizerChoice Optimizer { get; init; } = new();

    /// <summary>1 = per-sample SGD.</summary>
    public int Batch { get; init; } = 1;

    /// <summary>Epochs per layer.</summary>
    public int Epochs { get; init; } = 15;

    public ulong Seed { get; init; } = 1;

    /// <summary>Hogwild workers of every layer's run (<see cref="DaeOptions.Hogwild"/>): K ≥ 2 is not reproducible; 0 = sequential.</summary>
    public int Hogwild { get; init; }

    /// <summary>False when the layers run Hogwild (K ≥ 2). Written to metrics.json.</summary>
    public bool Reproducible => Hogwild < 2;

    /// <summary>Pretrain on the first N of the 50 000 training images (the validation images are never used).</summary>
    public int? TrainLimit { get; init; }

    public int? TestLimit { get; init; }

    /// <summary>What a non-finite loss or weight does to each layer's run (<see cref="NanPolicy"/>).</summary>
    [JsonConverter(typeof(NanPolicyJsonConverter))]
    public NanPolicy OnNan { get; init; }

    [JsonIgnore]
    public int Layers => Hidden.Length;

    public float CorruptionOf(int layer) => Corruption.Length == 1 ? Corruption[0] : Corruption[layer];

    /// <summary>
    /// The seed of layer <paramref name="layer"/>'s run: the stack's seed for layer 0 (so layer 0 is exactly
    /// `train dae` with the same options), a hash of (seed, layer) above it, so layers draw unrelated
    /// weights, shuffles and masks.
    /// </summary>
    public static ulong LayerSeed(ulong seed, int layer) =>
        layer == 0 ? seed : CounterRng.Hash64(seed, (uint)RngStream.Init, (uint)layer, 0, 0);

    /// <summary>The options of layer <paramref name="layer"/>'s denoising-autoencoder run.</summary>
    public DaeOptions ForLayer(int layer) => new()
    {
        Dataset = Dataset,
        Hidden = Hidden[layer],
        Corruption = CorruptionOf(layer),
        Loss = Loss,
        LearningRate = LearningRate,
        Momentum = Momentum,
        Optimizer = Optimizer,
        Batch = Batch,
        Epochs = Epochs,
        Seed = LayerSeed(Seed, layer),
        Hogwild = Hogwild,
        TrainLimit = TrainLimit,
        TestLimit = TestLimit,
        OnNan = OnNan,
    };

    /// <summary>Throws <see cref="InputException"/> naming the first option out of range.</summary>
    public void Validate()
    {
        if (Hidden.Length == 0)
            throw InputException.AboutSetting("hidden", "hidden: expected a list of layer widths, e.g. 1000,1000,1000");
        if (Corruption.Length != 1 && Corruption.Length != Hidden.Length)
            throw InputException.AboutSetting("corruption",
                $"corruption {string.Join(",", Corruption)}: {Corruption.Length} values for {Hidden.Length} layers; expected one value or one per layer");
        for (var i = 0; i < Layers; i++)
            ForLayer(i).Validate();
    }
}
