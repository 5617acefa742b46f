namespace ILGPUAE.Training.Anamo;

using System.Text.Json.Serialization;
using ILGPUAE.Data;
using ILGPUAE.IO;

/// <summary>
/// Everything that defines a `train anamo` run (the note "Autoencoders", issue 16): a single-hidden-layer sigmoid autoencoder
/// (untied), ½‖x − x̂‖² + λ‖E(x)‖₁ per example, trained by ANAMO — per minibatch, <see cref="EncoderIterations"/> FISTA iterations on
/// the encoder at step <see cref="EncoderStep"/>, then <see cref="DecoderIterations"/> accelerated-gradient iterations on the decoder
/// at step <see cref="DecoderStep"/>. Defaults are the note's comparison: halves, 10 hidden units, λ 0.1, 5 + 15 inner iterations,
/// 10 outer iterations over the whole training set (batch 100); the step sizes (1, 1) are this engine's choice: the note gives none.
/// Saved with the run, so a resumed run keeps it.
/// </summary>
public sealed record AnamoOptions
{
    /// <summary>The encoder's activation: the sigmoid, or the binary variant's smooth step of width <see cref="Epsilon"/>.</summary>
    [JsonConverter(typeof(NamedEnumConverter<AnamoEncoder>))]
    public AnamoEncoder Encoder { get; init; } = AnamoEncoder.Sigmoid;

    /// <summary>The smooth step's width ε (with <see cref="AnamoEncoder.SmoothStep"/>).</summary>
    [JsonPropertyName("smooth_step_epsilon")]
    public float Epsilon { get; init; } = 1f;

    /// <summary>ε when the encoder is the smooth step, else null: what <see cref="AnamoNetwork.Spec"/> takes.</summary>
    [JsonIgnore]
    public float? SmoothStepEpsilon => Encoder == AnamoEncoder.SmoothStep ? Epsilon : null;

    public DatasetKind Dataset { get; init; } = DatasetKind.Halves;

    public int Hidden { get; init; } = 10;

    /// <summary>
    /// λ of the code penalty λ‖E(x)‖₁ per example. Sigmoid codes are positive, so there the penalty is λ·Σh, smooth: it is part of
    /// the encoder's gradient (the <see cref="Modules.ActivityL1"/> module) and needs no prox.
    /// </summary>
    public float Lambda { get; init; } = 0.1f;

    /// <summary>λ_w of an L1 penalty λ_w‖W_enc‖₁ on the encoder's weights: non-smooth, taken by FISTA's prox (soft threshold by step·λ_w). 0: none.</summary>
    [JsonPropertyName("l1_encoder_weights")]
    public float EncoderWeightL1 { get; init; }

    public int EncoderIterations { get; init; } = 5;
    public int DecoderIterations { get; init; } = 15;
    public float EncoderStep { get; init; } = 1f;
    public float DecoderStep { get; init; } = 1f;

    [JsonConverter(typeof(NamedEnumConverter<InnerMethod>))]
    public InnerMethod EncoderMethod { get; init; } = InnerMethod.Accelerated;

    [JsonConverter(typeof(NamedEnumConverter<InnerMethod>))]
    public InnerMethod DecoderMethod { get; init; } = InnerMethod.Accelerated;

    /// <summary>Outer iterations: epochs over the training set, each one ANAMO iteration per minibatch.</summary>
    public int Outer { get; init; } = 10;

    public int Batch { get; init; } = 100;

    public ulong Seed { get; init; } = 1;

    public int? TrainLimit { get; init; }

    public int? TestLimit { get; init; }

    [JsonIgnore]
    public InnerBlock EncoderBlock => new(EncoderIterations, EncoderStep, EncoderMethod, EncoderWeightL1);

    [JsonIgnore]
    public InnerBlock DecoderBlock => new(DecoderIterations, DecoderStep, DecoderMethod);

    /// <summary>Throws <see cref="InputException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        Require(Enum.IsDefined(Dataset), "dataset", Dataset, Datasets.ExpectedNames);
        Require(Hidden >= 1, "hidden", Hidden, "an integer ≥ 1");
        Require(Enum.IsDefined(Encoder), "encoder", Encoder, "sigmoid or smooth-step");
        Require(float.IsFinite(Epsilon) && Epsilon > 0f, "smooth_step_epsilon", Epsilon, "a finite number > 0");
        Require(float.IsFinite(Lambda) && Lambda >= 0f, "lambda", Lambda, "a finite number ≥ 0");
        Require(float.IsFinite(EncoderWeightL1) && EncoderWeightL1 >= 0f, "l1_encoder_weights", EncoderWeightL1, "a finite number ≥ 0");
        Require(EncoderIterations >= 0, "encoder_iterations", EncoderIterations, "an integer ≥ 0");
        Require(DecoderIterations >= 0, "decoder_iterations", DecoderIterations, "an integer ≥ 0");
        Require(EncoderIterations + DecoderIterations >= 1, "encoder_iterations", EncoderIterations, "at least one inner iteration in one of the blocks", "decoder_iterations");
        Require(float.IsFinite(EncoderStep) && EncoderStep > 0f, "encoder_step", EncoderStep, "a finite number > 0");
        Require(float.IsFinite(DecoderStep) && DecoderStep > 0f, "decoder_step", DecoderStep, "a finite number > 0");
        Require(Enum.IsDefined(EncoderMethod), "encoder_method", EncoderMethod, "accelerated or gradient");
        Require(Enum.IsDefined(DecoderMethod), "decoder_method", DecoderMethod, "accelerated or gradient");
        Require(Outer >= 1, "outer", Outer, "an integer ≥ 1");
        Require(Batch >= 1, "batch", Batch, "an integer ≥ 1");
        DataLimits.Validate(TrainLimit, null, TestLimit);
    }

    public string Summary(int train, int test) =>
        $"data: {Datasets.Info(Dataset).DisplayName}, {train} train / {test} test; autoencoder {Datasets.Info(Dataset).Shape.Features} → {Hidden} " +
        $"({(Encoder == AnamoEncoder.SmoothStep ? $"smooth step ε {Epsilon}" : "sigmoid")}) → {Datasets.Info(Dataset).Shape.Features} (sigmoid), " +
        $"λ‖code‖₁ {Lambda}{(EncoderWeightL1 > 0f ? $", λ‖W_enc‖₁ {EncoderWeightL1} (prox)" : "")}; ANAMO: encoder {EncoderIterations} × {Describe(EncoderMethod, true)} step {EncoderStep}, " +
        $"decoder {DecoderIterations} × {Describe(DecoderMethod, false)} step {DecoderStep} per minibatch of {Batch}; seed {Seed}";

    private static string Describe(InnerMethod method, bool encoder) =>
        method == InnerMethod.Gradient ? "gradient" : encoder ? "FISTA" : "Nesterov";

    private static void Require(bool ok, string setting, object? value, string expected, params string[] mentioned)
    {
        if (!ok)
            throw InputException.ForSetting(setting, value, expected, mentioned);
    }
}

/// <summary>ANAMO's encoder activation.</summary>
public enum AnamoEncoder
{
    Sigmoid,

    /// <summary>The binary-encoder variant: s(u) = 3(u/ε)² − 2(u/ε)³ on [0, ε], 0 below, 1 above.</summary>
    SmoothStep,
}
