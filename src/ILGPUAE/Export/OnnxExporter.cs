namespace ILGPUAE.Export;

using System.Reflection;
using System.Text.Json.Serialization;
using Google.Protobuf;
using ILGPUAE.Backend;
using ILGPUAE.IO;
using ILGPUAE.Modules;
using Onnx;

/// <summary>Which part of a model an ONNX export writes.</summary>
public enum OnnxPart
{
    /// <summary>
    /// The modules up to the code: an autoencoder's encoder (<see cref="Networks.CodeModule"/>), or a classifier's layers below its
    /// softmax layer (its features).
    /// </summary>
    Encoder,

    /// <summary>A whole autoencoder: input → reconstruction.</summary>
    Autoencoder,

    /// <summary>A whole classifier: input → class probabilities (the softmax layer's output).</summary>
    Classifier,
}

/// <summary>
/// A model (its <see cref="NetworkSpec"/> and parameter values) as an ONNX model (opset <see cref="Opset"/>), evaluation mode:
/// <list type="bullet">
/// <item>dense: Gemm(x, W, b) with transB = 1 (W is stored [out, in], y = x·Wᵀ + b), then its activation (Sigmoid, Tanh, Relu; none for
/// identity), or Softmax (axis 1) for a classifier's top layer;</item>
/// <item>tied dense (a decoder): Gemm(h, W, b) with transB = 0 and its encoder's W, the same initializer (stored once): z = h·W + b is
/// Wᵀ·h per row;</item>
/// <item>conv2d: Conv 3×3, stride 1, pads 1 (W [out, in, 3, 3] as ONNX and torch store it; a cross-correlation in both), then its
/// activation; max_pool2d: MaxPool 2×2 stride 2 (floor); upsample2d: Resize nearest ×2 with asymmetric coordinates and floor rounding,
/// which copies each pixel into its 2×2 block exactly;</item>
/// <item>corrupt and dropout (identity when not training) and the penalty modules activity_l1, contractive and kl_sparsity (identity
/// forward: they act on the loss only) write no node;</item>
/// <item>anything else (smooth_step) has no ONNX equivalent and is refused, naming the module.</item>
/// </list>
/// ILGPUAE keeps one image per row in NCHW order; the ONNX graph keeps images as [batch, C, H, W] (a Reshape where a convolution
/// follows a flat value, a Flatten where a dense layer follows an image), so the input is [batch, C, H, W] when the first layer is a
/// convolution and [batch, features] otherwise, and the output has the shape of the last layer's output. The batch dimension is
/// the symbolic "batch".
/// </summary>
public static class OnnxExporter
{
    /// <summary>The ONNX operator set the model imports (ONNX 1.12's; every operator used here is unchanged since opset 13 or 11).</summary>
    public const int Opset = 17;

    /// <summary>The IR version that goes with opset 17 (ONNX 1.12, IR 8).</summary>
    public const long IrVersion = (long)Onnx.Version.IrVersion2021730;

    public const string InputName = "input";
    public const string BatchDimension = "batch";
    public const string ProducerName = "ilgpuae";

    /// <summary>The graph output's name for <paramref name="part"/>: "code", "reconstruction" or "probabilities".</summary>
    public static string OutputName(OnnxPart part) => part switch
    {
        OnnxPart.Encoder => "code",
        OnnxPart.Autoencoder => "reconstruction",
        OnnxPart.Classifier => "probabilities",
        _ => throw new ArgumentOutOfRangeException(nameof(part), part, "no such part"),
    };

    /// <summary>How messages and file names call <paramref name="part"/>: "encoder", "autoencoder", "classifier".</summary>
    public static string Name(OnnxPart part) => part.ToString().ToLowerInvariant();

    /// <summary>
    /// How many of <paramref name="spec"/>'s modules <paramref name="part"/> takes (modules [0, count)). A part the model does not have
    /// is an <see cref="InputException"/> about the setting "part"; a model of no known shape one naming <paramref name="source"/>.
    /// </summary>
    public static int ModuleCount(NetworkSpec spec, OnnxPart part, string source)
    {
        var classifier = spec.Objective is SoftmaxCrossEntropySpec;
        var what = classifier ? "a classifier (softmax cross-entropy)" : "an autoencoder (reconstruction)";
        switch (part)
        {
            case OnnxPart.Autoencoder when classifier:
            case OnnxPart.Classifier when !classifier:
                var other = classifier ? "encoder or classifier" : "encoder or autoencoder";
                throw InputException.AboutSetting("part", $"part {Name(part)}: {source} holds {what}; expected {other}");
            case OnnxPart.Autoencoder or OnnxPart.Classifier:
                return spec.Modules.Count;
            case OnnxPart.Encoder when classifier:
                // The layers below the softmax layer: the features it classifies.
                var top = spec.Modules.Count - 1;
                if (top < 0 || spec.Modules[top] is not DenseSpec { Softmax: true })
                    throw new InputException($"{source}: the classifier's last module is not a softmax layer; expected a model written by ILGPUAE");
                return top;
            case OnnxPart.Encoder:
                try
                {
                    return Networks.CodeModule(spec) + 1;
                }
                catch (ArgumentException e)
                {
                    throw new InputException($"{source}: {e.Message}; expected an autoencoder whose code layer ILGPUAE knows, or a classifier");
                }
            default:
                throw new ArgumentOutOfRangeException(nameof(part), part, "no such part");
        }
    }

    /// <summary>
    /// The ONNX model of <paramref name="part"/> of <paramref name="spec"/>: every parameter it uses read once through
    /// <paramref name="parameter"/> (name, shape → values, row-major) and stored once as an initializer. <paramref name="source"/> names
    /// the model in messages and the doc string; <paramref name="kind"/> is the run kind (the file's format), for the doc string.
    /// </summary>
    public static ModelProto Build(NetworkSpec spec, OnnxPart part, Func<string, int[], float[]> parameter, string source, string? kind = null)
    {
        var count = ModuleCount(spec, part, source);
        var graph = new GraphWriter(parameter, source);
        for (var i = 0; i < count; i++)
            graph.Add(spec, i);
        var output = OutputName(part);
        var outputShape = graph.Finish(output)
            ?? throw InputException.AboutSetting("part", $"part {Name(part)}: the {Name(part)} of {source} has no layer that computes at test time; expected another part");
        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = ProducerName,
            ProducerVersion = ProducerVersion,
            DocString = $"ILGPUAE {kind ?? "model"}: the {Name(part)} of {Path.GetFileName(source)}, {InputName} {Describe(graph.InputShape!.Value)} → " +
                        $"{output} {Describe(outputShape)} (evaluation mode: corruption and dropout off)",
            Graph = graph.Graph,
        };
        model.Graph.Name = $"ilgpuae_{Name(part)}";
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        model.MetadataProps.Add(new StringStringEntryProto { Key = "ilgpuae.part", Value = Name(part) });
        if (kind is not null)
            model.MetadataProps.Add(new StringStringEntryProto { Key = "ilgpuae.format", Value = kind });
        return model;
    }

    /// <summary>"[batch, 784]", "[batch, 1, 28, 28]".</summary>
    public static string Describe(RowShape shape) =>
        shape.Image ? $"[{BatchDimension}, {shape.Channels}, {shape.Height}, {shape.Width}]" : $"[{BatchDimension}, {shape.Values}]";

    /// <summary>A spec's kind as its JSON names it ("dense", "smooth_step"), from <see cref="ModuleSpec"/>'s own discriminators.</summary>
    public static string KindOf(ModuleSpec module) =>
        typeof(ModuleSpec).GetCustomAttributes<JsonDerivedTypeAttribute>().FirstOrDefault(a => a.DerivedType == module.GetType())?.TypeDiscriminator as string
        ?? module.GetType().Name;

    private static string ProducerVersion =>
        typeof(OnnxExporter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(OnnxExporter).Assembly.GetName().Version?.ToString() ?? "0";

    /// <summary>
    /// Builds the graph module by module: tracks the current value's name and its per-row shape, inserts a Reshape or a Flatten where a
    /// module wants the other layout, and checks each module's input size against the one below.
    /// </summary>
    private sealed class GraphWriter(Func<string, int[], float[]> parameter, string source)
    {
        private readonly HashSet<string> initializers = [];
        private string current = InputName;
        private RowShape? shape;
        private NodeProto? last;

        public GraphProto Graph { get; } = new();

        /// <summary>The graph input's per-row shape, fixed by the first module that computes.</summary>
        public RowShape? InputShape { get; private set; }

        public void Add(NetworkSpec spec, int index)
        {
            var module = spec.Modules[index];
            var name = $"m{index}";
            switch (module)
            {
                case CorruptSpec or DropoutSpec or ActivityL1Spec or ContractiveSpec or KlSparsitySpec:
                    // Identity at test time (noise off) or forward (a penalty acts on the loss only): no node.
                    return;
                case DenseSpec d:
                    Expect(RowShape.Flat(d.Inputs), index, module);
                    var w = Initializer(d.Weight, [d.Outputs, d.Inputs]);
                    var b = Initializer(d.Bias, [d.Outputs]);
                    Node("Gemm", name, [current, w, b], Int("transB", 1));
                    if (d.Softmax)
                        Node("Softmax", name, [current], Int("axis", 1));
                    else
                        Activate(d.Activation, name, index, module);
                    shape = RowShape.Flat(d.Outputs);
                    return;
                case TiedDenseSpec t:
                    if (t.Encoder < 0 || t.Encoder >= index || spec.Modules[t.Encoder] is not DenseSpec encoder)
                        throw new InputException($"{source}: module {index} (tied_dense) names module {t.Encoder} as its encoder, which is not a dense module below it");
                    Expect(RowShape.Flat(encoder.Outputs), index, module);
                    // z [b, in] = h [b, out] · W [out, in]: the encoder's W itself, transB = 0.
                    var tied = Initializer(encoder.Weight, [encoder.Outputs, encoder.Inputs]);
                    var visible = Initializer(t.Bias, [encoder.Inputs]);
                    Node("Gemm", name, [current, tied, visible], Int("transB", 0));
                    Activate(t.Activation, name, index, module);
                    shape = RowShape.Flat(encoder.Inputs);
                    return;
                case Conv2dSpec c:
                    Expect(RowShape.Picture(c.InChannels, c.Height, c.Width), index, module);
                    var kernel = Initializer(c.Weight, [c.OutChannels, c.InChannels, 3, 3]);
                    var bias = Initializer(c.Bias, [c.OutChannels]);
                    Node("Conv", name, [current, kernel, bias], Ints("kernel_shape", 3, 3), Ints("pads", 1, 1, 1, 1), Ints("strides", 1, 1));
                    Activate(c.Activation, name, index, module);
                    shape = RowShape.Picture(c.OutChannels, c.Height, c.Width);
                    return;
                case MaxPool2dSpec p:
                    Expect(RowShape.Picture(p.Channels, p.Height, p.Width), index, module);
                    Node("MaxPool", name, [current], Ints("kernel_shape", 2, 2), Ints("strides", 2, 2));
                    shape = RowShape.Picture(p.Channels, p.Height / 2, p.Width / 2);
                    return;
                case Upsample2dSpec u:
                    Expect(RowShape.Picture(u.Channels, u.Height, u.Width), index, module);
                    // Output pixel (i, j) reads input (⌊i/2⌋, ⌊j/2⌋): each pixel repeated into a 2×2 block, as Upsample2d does.
                    var scales = Constant($"{name}.scales", [4], TensorProto.Types.DataType.Float, t => t.FloatData.Add([1f, 1f, 2f, 2f]));
                    Node("Resize", name, [current, "", scales], Str("mode", "nearest"), Str("coordinate_transformation_mode", "asymmetric"),
                        Str("nearest_mode", "floor"));
                    shape = RowShape.Picture(u.Channels, 2 * u.Height, 2 * u.Width);
                    return;
                default:
                    throw Unsupported(index, module, "has no ONNX equivalent");
            }
        }

        /// <summary>Names the last value <paramref name="output"/> and declares the graph's input and output; null when no node was written.</summary>
        public RowShape? Finish(string output)
        {
            if (last is null || shape is not { } final || InputShape is not { } input)
                return null;
            last.Output[0] = output;
            Graph.Input.Add(ValueInfo(InputName, input));
            Graph.Output.Add(ValueInfo(output, final));
            return final;
        }

        private InputException Unsupported(int index, ModuleSpec module, string why) =>
            new($"{source}: module {index} ({KindOf(module)}) {why}; it cannot be exported to ONNX");

        /// <summary>Makes the current value <paramref name="wanted"/>'s layout (the first module fixes the graph input's).</summary>
        private void Expect(RowShape wanted, int index, ModuleSpec module)
        {
            if (shape is not { } have)
            {
                InputShape = shape = wanted;
                return;
            }
            if (have.Values != wanted.Values)
                throw new InputException($"{source}: module {index} ({KindOf(module)}) takes {wanted.Values} values per row; the module below gives {have.Values}");
            if (have == wanted)
                return;
            var name = $"m{index}.in";
            if (!wanted.Image)
            {
                Node("Flatten", name, [current], Int("axis", 1));
            }
            else
            {
                // 0 keeps the batch dimension as it is.
                var dims = Constant($"{name}.shape", [4], TensorProto.Types.DataType.Int64, t => t.Int64Data.Add([0L, wanted.Channels, wanted.Height, wanted.Width]));
                Node("Reshape", name, [current, dims]);
            }
            shape = wanted;
        }

        private void Activate(Activation activation, string name, int index, ModuleSpec module)
        {
            var op = activation switch
            {
                Activation.Identity => null,
                Activation.Sigmoid => "Sigmoid",
                Activation.Tanh => "Tanh",
                Activation.Relu => "Relu",
                _ => throw Unsupported(index, module, $"applies the activation {activation}, which has no ONNX operator"),
            };
            if (op is not null)
                Node(op, name, [current]);
        }

        private void Node(string op, string module, string[] inputs, params AttributeProto[] attributes)
        {
            var node = new NodeProto { OpType = op, Name = $"{module}.{op.ToLowerInvariant()}" };
            node.Input.Add(inputs);
            node.Output.Add(node.Name);
            node.Attribute.Add(attributes);
            Graph.Node.Add(node);
            current = node.Name;
            last = node;
        }

        /// <summary>The parameter <paramref name="name"/> as a float initializer of <paramref name="dims"/>, added once however often it is used.</summary>
        private string Initializer(string name, int[] dims)
        {
            if (initializers.Add(name))
            {
                var values = parameter(name, dims);
                Graph.Initializer.Add(Tensor(name, dims, TensorProto.Types.DataType.Float, t => t.FloatData.Add(values)));
            }
            return name;
        }

        private string Constant(string name, int[] dims, TensorProto.Types.DataType type, Action<TensorProto> fill)
        {
            initializers.Add(name);
            Graph.Initializer.Add(Tensor(name, dims, type, fill));
            return name;
        }

        private static TensorProto Tensor(string name, int[] dims, TensorProto.Types.DataType type, Action<TensorProto> fill)
        {
            var tensor = new TensorProto { Name = name, DataType = (int)type };
            tensor.Dims.Add(dims.Select(d => (long)d));
            fill(tensor);
            return tensor;
        }

        private static ValueInfoProto ValueInfo(string name, RowShape row)
        {
            var tensor = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = new TensorShapeProto() };
            tensor.Shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = BatchDimension });
            int[] dims = row.Image ? [row.Channels, row.Height, row.Width] : [row.Values];
            tensor.Shape.Dim.Add(dims.Select(d => new TensorShapeProto.Types.Dimension { DimValue = d }));
            return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tensor } };
        }

        private static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

        private static AttributeProto Ints(string name, params long[] values)
        {
            var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
            attribute.Ints.Add(values);
            return attribute;
        }

        private static AttributeProto Str(string name, string value) =>
            new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };
    }
}

/// <summary>A value's shape per row (the batch dimension aside): flat [Values], or an image [Channels, Height, Width].</summary>
public readonly record struct RowShape(bool Image, int Channels, int Height, int Width)
{
    public int Values => Image ? Channels * Height * Width : Width;

    public static RowShape Flat(int values) => new(false, 1, 1, values);

    public static RowShape Picture(int channels, int height, int width) => new(true, channels, height, width);
}
