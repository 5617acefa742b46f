namespace ILGPUAE.Training.Labels;

using ILGPUAE.Data;
using ILGPUAE.IO;

/// <summary>Which of issue 15's classifiers `train classifier` trains.</summary>
public enum LabelModel
{
    /// <summary>The small CNN from scratch (<see cref="Modules.Networks.SmallCnn"/>), SGD at lr 0.1.</summary>
    Cnn,

    /// <summary>A pretrained convolutional encoder, frozen, and a softmax layer (Adam 0.001, clipped).</summary>
    Frozen,

    /// <summary>The same encoder randomly initialised (<see cref="Modules.ConvInit.HeUniform"/>), frozen, and a softmax layer.</summary>
    Random,
}

/// <summary>
/// A labelled-subset classifier run: <see cref="Labels"/> training examples drawn by <see cref="Seed"/> (uniformly, without
/// replacement and without stratification: the class counts are what the draw gives), trained <see cref="Epochs"/> epochs
/// at <see cref="Batch"/>, then scored on the test set (its first <see cref="TestLimit"/> images).
/// </summary>
public sealed record LabelOptions
{
    /// <summary>Adam's learning rate for the encoder classifiers (the study's).</summary>
    public const float AdamLearningRate = 1e-3f;

    /// <summary>SGD's learning rate for the CNN (the study's).</summary>
    public const float SgdLearningRate = 0.1f;

    /// <summary>
    /// The global gradient-norm bound of the encoder classifiers' Adam. The study clips without saying to what; 1.0 is the usual
    /// torch.nn.utils.clip_grad_norm_ choice, and on a softmax layer over codes in [0, a few] it bites only on the first steps.
    /// </summary>
    public const float MaxGradNorm = 1f;

    public LabelModel Model { get; init; } = LabelModel.Cnn;

    /// <summary>Frozen: the directory whose model.safetensors holds the encoder's tensors (enc1.W, enc1.b, enc2.W, enc2.b).</summary>
    public string? Encoder { get; init; }

    public int Labels { get; init; } = 1000;
    public DatasetKind Dataset { get; init; } = DatasetKind.Mnist;
    public int Epochs { get; init; } = 100;
    public int Batch { get; init; } = 16;
    public ulong Seed { get; init; } = 1;

    /// <summary>The CNN with a second max-pool after its second convolution (the study's text) instead of its layer list's one.</summary>
    public bool SecondPool { get; init; }

    public int? TestLimit { get; init; }

    /// <summary>Throws <see cref="InputException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        if (!Enum.IsDefined(Model))
            throw InputException.AboutSetting("model", $"model {(int)Model}: expected cnn, frozen or random");
        if (Labels < 1)
            throw InputException.AboutSetting("labels", $"labels {Labels}: expected an integer ≥ 1");
        if (Epochs < 1)
            throw InputException.AboutSetting("epochs", $"epochs {Epochs}: expected an integer ≥ 1");
        if (Batch < 1)
            throw InputException.AboutSetting("batch", $"batch {Batch}: expected an integer ≥ 1");
        if (TestLimit is < 1)
            throw InputException.AboutSetting("test_limit", $"test_limit {TestLimit}: expected an integer ≥ 1");
        if (Model == LabelModel.Frozen && string.IsNullOrWhiteSpace(Encoder))
            throw InputException.AboutSetting("encoder", "encoder: expected the directory of a trained convolutional autoencoder (its model.safetensors) for the frozen model");
        if (Model != LabelModel.Frozen && Encoder is not null)
            throw InputException.AboutSetting("encoder", $"encoder {Encoder}: read only with model frozen; expected none with model {Model.ToString().ToLowerInvariant()}", "model");
        if (Model != LabelModel.Cnn && SecondPool)
            throw InputException.AboutSetting("second_pool", $"second_pool: only with model cnn; expected none with model {Model.ToString().ToLowerInvariant()}", "model");
    }
}
