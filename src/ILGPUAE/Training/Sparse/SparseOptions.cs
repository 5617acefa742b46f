namespace ILGPUAE.Training.Sparse;

using System.Text.Json.Serialization;
using ILGPUAE.Backend;
using ILGPUAE.Data;
using ILGPUAE.IO;
using ILGPUAE.Modules;
using ILGPUAE.Optimizers;

/// <summary>
/// Everything that defines a `train sparse` run (the KL-sparse autoencoder of Ng's UFLDL notes); saved with the run, so a resumed run
/// keeps it. The defaults of ρ, β and α are those of UFLDL's sparse autoencoder exercise (sparsityParam 0.01, beta 3, lambda 0.0001),
/// and its optimizer is full-batch (there: L-BFGS for 400 iterations; here: gradient descent with a backtracking line search, 400
/// iterations). The hidden width (100) and the initialisation (PyTorch's default for dense layers, not UFLDL's ±√6/√(in + out + 1)) are
/// this engine's choices.
/// </summary>
public sealed record SparseOptions
{
    public const int DefaultHidden = 100;
    public const float DefaultRho = 0.01f;
    public const float DefaultBeta = 3f;
    public const float DefaultWeightDecay = 1e-4f;

    /// <summary>Iterations of a full-batch run (UFLDL's maxIter).</summary>
    public const int DefaultIterations = 400;

    /// <summary>Epochs of a minibatch run (SGD, Adam).</summary>
    public const int DefaultEpochs = 10;

    /// <summary>The first trial step of the line search.</summary>
    public const float DefaultInitialStep = 1f;

    /// <summary>UFLDL's: gradient descent with a backtracking line search on the whole training set, weight decay α on the weights.</summary>
    public static readonly OptimizerChoice DefaultOptimizer = new() { Kind = OptimizerKind.LineSearch, WeightDecay = DefaultWeightDecay };

    /// <summary>Any dataset: its images flattened to rows of their pixels.</summary>
    public DatasetKind Dataset { get; init; }

    /// <summary>The last N training images held out to pick the kept model (null: the dataset's own validation split).</summary>
    public int? Holdout { get; init; }

    /// <summary>Hidden units of each layer, bottom first: one width, a single sparse autoencoder; several, a stack trained greedily.</summary>
    public int[] Hidden { get; init; } = [DefaultHidden];

    /// <summary>The target mean activation ρ of each hidden unit, in (0, 1).</summary>
    public float Rho { get; init; } = DefaultRho;

    /// <summary>β, the KL penalty's weight.</summary>
    public float Beta { get; init; } = DefaultBeta;

    /// <summary>Whether the decoder is W1ᵀ (else its own W2 [visible, hidden], UFLDL's).</summary>
    public bool Tied { get; init; }

    /// <summary>The reconstruction loss per image: ½‖x − z‖² (UFLDL's) or the cross-entropy.</summary>
    [JsonConverter(typeof(NamedEnumConverter<LossKind>))]
    public LossKind Loss { get; init; } = LossKind.SquaredError;

    /// <summary>The rule and its weight decay α (the objective's (α/2)‖W‖², on the weights only).</summary>
    public OptimizerChoice Optimizer { get; init; } = DefaultOptimizer;

    /// <summary>The rule's learning rate; for the line search, its first trial step.</summary>
    public float LearningRate { get; init; } = DefaultInitialStep;

    /// <summary>Examples per step; null: the whole training set (one step an epoch).</summary>
    public int? Batch { get; init; }

    /// <summary>Epochs; with a full batch, iterations.</summary>
    public int Epochs { get; init; } = DefaultIterations;

    public ulong Seed { get; init; } = 1;

    public int? TrainLimit { get; init; }

    public int? ValidLimit { get; init; }

    public int? TestLimit { get; init; }

    [JsonConverter(typeof(NanPolicyJsonConverter))]
    public NanPolicy OnNan { get; init; }

    [JsonIgnore]
    public bool LineSearch => Optimizer.Kind == OptimizerKind.LineSearch;

    /// <summary>The line search's settings at the run's first step.</summary>
    public LineSearchSettings LineSearchSettings() => new(LearningRate);

    /// <summary>A per-parameter rule's settings (not the line search's).</summary>
    public OptimizerOptions OptimizerOptions() => Optimizer.With(LearningRate, 0f);

    /// <summary>Layer <paramref name="layer"/>'s network: <see cref="Networks.SparseAutoencoder"/> over <paramref name="visible"/> inputs.</summary>
    public NetworkSpec Network(int visible, int layer) => Networks.SparseAutoencoder(visible, Hidden[layer], Rho, Beta, Tied, Loss, layer);

    /// <summary>Layers in the stack.</summary>
    [JsonIgnore]
    public int Layers => Hidden.Length;

    /// <summary>Throws <see cref="InputException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        Require(Enum.IsDefined(Dataset), "dataset", Dataset, "a dataset name");
        Require(Holdout is null or >= 1, "holdout", Holdout, "an integer ≥ 1 (the last N training images validate)");
        Require(Hidden is { Length: >= 1 } && Hidden.All(h => h >= 1), "hidden", Hidden is null ? null : string.Join(",", Hidden), "one or more widths ≥ 1, comma-separated");
        Require(Rho is > 0f and < 1f, "rho", Rho, "a number in (0, 1)");
        Require(float.IsFinite(Beta) && Beta >= 0f, "beta", Beta, "a finite number ≥ 0");
        Require(Enum.IsDefined(Loss), "loss", Loss, $"{LossKind.SquaredError} or {LossKind.CrossEntropy}");
        Require(float.IsFinite(LearningRate) && LearningRate > 0f, "learning_rate", LearningRate, "a finite number > 0");
        Require(Batch is null or >= 1, "batch", Batch, "an integer ≥ 1");
        Require(Epochs >= 1, "epochs", Epochs, "an integer ≥ 1");
        DataLimits.Validate(TrainLimit, ValidLimit, TestLimit);
        Require(Enum.IsDefined(OnNan) && OnNan != NanPolicy.HalveLearningRate, "on_nan", OnNan, "stop or skip-batch");
        Require(!(LineSearch && OnNan == NanPolicy.SkipBatch), "on_nan", OnNan, "stop with the line search (a non-finite trial is a failed trial there)");
        Optimizer.ValidateSettings();
        Require(!(LineSearch && Optimizer.ClipGradNorm is not null), "clip_grad_norm", Optimizer.ClipGradNorm, "none with the line search (it steps along the whole gradient)");
        if (!LineSearch)
            Optimizer.ValidateResolved(OptimizerOptions());
    }

    /// <summary>The run in one line.</summary>
    public string Summary(int train, int valid, int test) =>
        $"data: {Datasets.Info(Dataset).DisplayName}, {train} train / {valid} validation / {test} test; sparse autoencoder{(Hidden.Length > 1 ? "s" : "")} {string.Join("-", Hidden)} hidden{(Tied ? " (tied)" : "")}, " +
        $"ρ {Rho}, β {Beta}, {(Loss == LossKind.SquaredError ? "squared error" : "cross-entropy")}, " +
        (LineSearch ? $"gradient descent with a line search (t₀ {LearningRate}, weight decay {Optimizer.WeightDecay})" : Optimizer.Describe(LearningRate, 0f)) +
        $", batch {(Batch is { } b ? b.ToString(System.Globalization.CultureInfo.InvariantCulture) : "all")}, seed {Seed}";

    private static void Require(bool ok, string setting, object? value, string expected)
    {
        if (!ok)
            throw InputException.ForSetting(setting, value, expected);
    }
}
