namespace ILGPUAE.Modules;

using System.Text.Json;
using System.Text.Json.Serialization;
using ILGPUAE.Backend;
using ILGPUAE.Objectives;
using ILGPUAE.Random;

/// <summary>
/// A network's architecture as data: its modules in order, which are frozen, and its objective. It is what a checkpoint
/// stores as JSON in __metadata__ (<see cref="ToJson"/>), so a model is rebuilt from its file alone (<see cref="Build"/>).
/// </summary>
public sealed record NetworkSpec(IReadOnlyList<ModuleSpec> Modules, ObjectiveSpec Objective, int FirstTrained = 0)
{
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        // Names only: an integer would read as a value the enum may not define.
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false) },
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>
    /// The spec in <paramref name="json"/>; throws <see cref="JsonException"/> when it is not one, a module spec that refuses
    /// its values (e.g. a negative <see cref="ActivityL1Spec.Lambda"/>) included.
    /// </summary>
    public static NetworkSpec FromJson(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<NetworkSpec>(json, Json) ?? throw new JsonException("the architecture is null");
        }
        catch (ArgumentException e)
        {
            throw new JsonException(e.Message, e);
        }
    }

    /// <summary>
    /// The network on <paramref name="backend"/> for batches of up to <paramref name="maxBatch"/> rows; parameters zero, or
    /// with <paramref name="values"/>, the tensors it returns for their names (shared, not copied: the network trains them
    /// in place and leaves them to their owner when disposed, as a fast path's model shares its parameters with the generic step).
    /// </summary>
    public Network Build(IBackend backend, int maxBatch, SharedValues? values = null)
    {
        var modules = new List<IModule>(Modules.Count);
        try
        {
            foreach (var spec in Modules)
                modules.Add(spec.Build(backend, maxBatch, modules, values));
            return new Network(backend, new Sequential(modules, FirstTrained), Objective.Build(backend), maxBatch, this);
        }
        catch (Exception)
        {
            // A spec refused halfway frees what it had allocated, then the error goes on to the caller unchanged.
            foreach (var m in modules)
                m.Dispose();
            throw;
        }
    }
}

/// <summary>One module of a <see cref="NetworkSpec"/>.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(DenseSpec), "dense")]
[JsonDerivedType(typeof(TiedDenseSpec), "tied_dense")]
[JsonDerivedType(typeof(CorruptSpec), "corrupt")]
[JsonDerivedType(typeof(ActivityL1Spec), "activity_l1")]
[JsonDerivedType(typeof(ContractiveSpec), "contractive")]
[JsonDerivedType(typeof(Conv2dSpec), "conv2d")]
[JsonDerivedType(typeof(MaxPool2dSpec), "max_pool2d")]
[JsonDerivedType(typeof(Upsample2dSpec), "upsample2d")]
[JsonDerivedType(typeof(DropoutSpec), "dropout")]
[JsonDerivedType(typeof(SmoothStepSpec), "smooth_step")]
[JsonDerivedType(typeof(KlSparsitySpec), "kl_sparsity")]
public abstract record ModuleSpec
{
    /// <param name="below">The modules built before this one, in order (a tied decoder finds its encoder there).</param>
    /// <param name="values">Existing tensors to train in place of new ones, by parameter name (see <see cref="NetworkSpec.Build"/>).</param>
    public abstract IModule Build(IBackend backend, int maxBatch, IReadOnlyList<IModule> below, SharedValues? values = null);
}

/// <summary><see cref="Dense"/>: W [outputs, inputs] named <paramref name="Weight"/>, bias [outputs] named <paramref name="Bias"/>.</summary>
public sealed record DenseSpec(int Inputs, int Outputs, Activation Activation, string Weight, string Bias, bool Softmax = false) : ModuleSpec
{
    public override IModule Build(IBackend backend, int maxBatch, IReadOnlyList<IModule> below, SharedValues? values = null) =>
        new Dense(backend, maxBatch, Inputs, Outputs, Activation, Weight, Bias, Softmax, values);
}

/// <summary><see cref="TiedDense"/>: the decoder of the <see cref="Dense"/> at module index <paramref name="Encoder"/>.</summary>
public sealed record TiedDenseSpec(int Encoder, Activation Activation, string Bias) : ModuleSpec
{
    public override IModule Build(IBackend backend, int maxBatch, IReadOnlyList<IModule> below, SharedValues? values = null)
    {
        if (Encoder < 0 || Encoder >= below.Count || below[Encoder] is not Dense encoder)
            throw new ArgumentException($"a tied decoder's encoder is module {Encoder}, which is not a dense module built before it");
        return new TiedDense(backend, maxBatch, encoder, Activation, Bias, values);
    }
}

/// <summary>
/// <see cref="Corrupt"/>: <paramref name="Noise"/> with <paramref name="Amount"/> (a probability, or σ), drawn from
/// <paramref name="Stream"/>; <paramref name="Layer"/> &gt; 0 keys a deep stack's corruption of layer i's input apart from the others'.
/// </summary>
public sealed record CorruptSpec(int Width, CorruptionKind Noise, float Amount, RngStream Stream = RngStream.Mask, int Layer = 0) : ModuleSpec
{
    public override IModule Build(IBackend backend, int maxBatch, IReadOnlyList<IModule> below, SharedValues? values = null) =>
        new Corrupt(backend, maxBatch, Width, new CorruptionNoise(Noise, Amount), Stream, Layer);
}

/// <summary>
/// <see cref="ActivityL1"/>: an L1 penalty of weight <paramref name="Lambda"/> on the <paramref name="Width"/> activations of
/// the module before it. Lambda must be finite and ≥ 0 (checked when the spec is made, so a bad architecture file is refused on load).
/// </summary>
public sealed record ActivityL1Spec(int Width, float Lambda) : ModuleSpec
{
    public float Lambda { get; init; } = ActivityL1.ValidLambda(Lambda);

    public override IModule Build(IBackend backend, int maxBatch, IReadOnlyList<IModule> below, SharedValues? values = null) =>
        new ActivityL1(backend, maxBatch, Width, Lambda);
}

/// <summary><see cref="SmoothStepModule"/>: ANAMO's smooth step of width <paramref name="Epsilon"/> on <paramref name="Width"/> values (checked when the spec is made).</summary>
public sealed record SmoothStepSpec(int Width, float Epsilon) : ModuleSpec
{
    public float Epsilon { get; init; } = SmoothStepModule.ValidEpsilon(Epsilon);

    public override IModule Build(IBackend backend, int maxBatch, IReadOnlyList<IModule> below, SharedValues? values = null) =>
        new SmoothStepModule(backend, maxBatch, Width, Epsilon);
}

/// <summary>
/// <see cref="Contractive"/>: a contractive penalty of weight <paramref name="Lambda"/> on the sigmoid dense module directly
/// before it. Lambda must be finite and ≥ 0 (checked when the spec is made).
/// </summary>
public sealed record ContractiveSpec(float Lambda) : ModuleSpec
{
    public float Lambda { get; init; } = Contractive.ValidLambda(Lambda);

    public override IModule Build(IBackend backend, int maxBatch, IReadOnlyList<IModule> below, SharedValues? values = null) =>
        below.Count > 0 && below[^1] is Dense layer
            ? new Contractive(backend, maxBatch, layer, Lambda)
            : throw new ArgumentException("a contractive penalty follows the dense module it penalises");
}

/// <summary>
/// <see cref="Conv2d"/>: a 3×3 convolution (stride 1, zero padding 1) from <paramref name="InChannels"/> to <paramref name="OutChannels"/>
/// channels of <paramref name="Height"/>×<paramref name="Width"/> images, W [out, in, 3, 3] named <paramref name="Weight"/>, bias [out]
/// named <paramref name="Bias"/>; it takes Cin·H·W values per row and gives Cout·H·W. Every size must be at least 1 (checked when the
/// spec is made, so a bad architecture file is refused on load).
/// </summary>
public sealed record Conv2dSpec(int InChannels, int OutChannels, int Height, int Width, Activation Activation, string Weight, string Bias) : ModuleSpec
{
    public int InChannels { get; init; } = AtLeastOne(InChannels, "in_channels");
    public int OutChannels { get; init; } = AtLeastOne(OutChannels, "out_channels");
    public int Height { get; init; } = AtLeastOne(Height, "height");
    public int Width { get; init; } = AtLeastOne(Width, "width");

    /// <summary>The four sizes together; not written to JSON, which holds them one by one.</summary>
    [JsonIgnore]
    public Conv2dGeometry Geometry => new(InChannels, OutChannels, Height, Width);

    public override IModule Build(IBackend backend, int maxBatch, IReadOnlyList<IModule> below, SharedValues? values = null) =>
        new Conv2d(backend, maxBatch, Geometry, Activation, Weight, Bias, values);

    private static int AtLeastOne(int value, string name) =>
        value >= 1 ? value : throw new ArgumentOutOfRangeException(name, value, $"a convolution's {name} must be at least 1");
}

/// <summary>
/// <see cref="MaxPool2d"/> of images of <paramref name="Channels"/> × <paramref name="Height"/> × <paramref name="Width"/> (the input's
/// geometry): at least 1 channel and sides of at least 2 pixels, checked when the spec is made.
/// </summary>
public sealed record MaxPool2dSpec(int Channels, int Height, int Width) : ModuleSpec
{
    public int Channels { get; init; } = MaxPool2d.AtLeast(Channels, 1, "channels", MaxPool2d.Name);
    public int Height { get; init; } = MaxPool2d.AtLeast(Height, MaxPool2d.MinimumSide, "height", MaxPool2d.Name);
    public int Width { get; init; } = MaxPool2d.AtLeast(Width, MaxPool2d.MinimumSide, "width", MaxPool2d.Name);

    public override IModule Build(IBackend backend, int maxBatch, IReadOnlyList<IModule> below, SharedValues? values = null) =>
        new MaxPool2d(backend, maxBatch, Channels, Height, Width);
}

/// <summary>
/// <see cref="Upsample2d"/> of images of <paramref name="Channels"/> × <paramref name="Height"/> × <paramref name="Width"/> (the input's
/// geometry), each at least 1, checked when the spec is made.
/// </summary>
public sealed record Upsample2dSpec(int Channels, int Height, int Width) : ModuleSpec
{
    public int Channels { get; init; } = MaxPool2d.AtLeast(Channels, 1, "channels", Upsample2d.Name);
    public int Height { get; init; } = MaxPool2d.AtLeast(Height, 1, "height", Upsample2d.Name);
    public int Width { get; init; } = MaxPool2d.AtLeast(Width, 1, "width", Upsample2d.Name);

    public override IModule Build(IBackend backend, int maxBatch, IReadOnlyList<IModule> below, SharedValues? values = null) =>
        new Upsample2d(backend, maxBatch, Channels, Height, Width);
}

/// <summary>
/// <see cref="Dropout"/> of <paramref name="Width"/> values with probability <paramref name="Probability"/>, in [0, 1) (checked when the
/// spec is made, so a bad architecture file is refused on load); <paramref name="Layer"/> keys a second dropout's masks apart.
/// </summary>
public sealed record DropoutSpec(int Width, float Probability, int Layer = 0) : ModuleSpec
{
    public float Probability { get; init; } = Dropout.ValidProbability(Probability);

    public override IModule Build(IBackend backend, int maxBatch, IReadOnlyList<IModule> below, SharedValues? values = null) =>
        new Dropout(backend, maxBatch, Width, Probability, Layer);
}

/// <summary>
/// <see cref="KlSparsity"/>: a KL sparsity penalty of weight <paramref name="Beta"/> (finite, ≥ 0) towards the mean activation
/// <paramref name="Rho"/> (in (0, 1)) on the <paramref name="Width"/> sigmoid units of the module before it; both checked when the
/// spec is made, so a bad architecture file is refused on load.
/// </summary>
public sealed record KlSparsitySpec(int Width, float Rho, float Beta) : ModuleSpec
{
    public float Rho { get; init; } = KlSparsity.ValidRho(Rho);
    public float Beta { get; init; } = KlSparsity.ValidBeta(Beta);

    public override IModule Build(IBackend backend, int maxBatch, IReadOnlyList<IModule> below, SharedValues? values = null) =>
        below.Count > 0 && below[^1].OutputActivation == Activation.Sigmoid
            ? new KlSparsity(backend, maxBatch, Width, Rho, Beta)
            : throw new ArgumentException("a KL sparsity penalty follows a sigmoid module: its mean activations must lie in (0, 1)");
}

/// <summary>The objective of a <see cref="NetworkSpec"/>.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(ReconstructionSpec), "reconstruction")]
[JsonDerivedType(typeof(SoftmaxCrossEntropySpec), "softmax_cross_entropy")]
public abstract record ObjectiveSpec
{
    public abstract IObjective Build(IBackend backend);
}

public sealed record ReconstructionSpec(LossKind Loss) : ObjectiveSpec
{
    public override IObjective Build(IBackend backend) => new Reconstruction(backend, Loss);
}

public sealed record SoftmaxCrossEntropySpec : ObjectiveSpec
{
    public override IObjective Build(IBackend backend) => new SoftmaxCrossEntropy(backend);
}
