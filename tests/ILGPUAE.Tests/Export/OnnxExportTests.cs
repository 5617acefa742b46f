namespace ILGPUAE.Tests.Export;

using Google.Protobuf;
using ILGPUAE.Backend;
using ILGPUAE.Checkpoints;
using ILGPUAE.Data;
using ILGPUAE.Evaluation;
using ILGPUAE.Export;
using ILGPUAE.Host;
using ILGPUAE.Modules;
using ILGPUAE.Tests.Cli;
using ILGPUAE.Tests.IO;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Onnx;

/// <summary>
/// Tiny runs of every kind the issue names, trained once through the CLI on host: a `train dae` DAE, a `pretrain` stack fine-tuned
/// into a classifier (`finetune`), a `train cae` convolutional autoencoder, a `train classifier` CNN, and a `train anamo` smooth-step
/// encoder (which has no ONNX equivalent).
/// </summary>
public sealed class OnnxRuns : IDisposable
{
    private readonly TempDirectory dir = new();

    public OnnxRuns()
    {
        Train("train", "dae", "--accelerator", "host", "--epochs", "1", "--train-limit", "200", "--test-limit", "20", "--hidden", "20", "--out", Dae);
        Train("pretrain", "--accelerator", "host", "--epochs", "1", "--train-limit", "200", "--test-limit", "20", "--hidden", "20,10", "--out", Stack);
        Train("finetune", "--pretrained", Stack, "--accelerator", "host", "--max-epochs", "1", "--train-limit", "200", "--test-limit", "20", "--out", Finetuned);
        Train("train", "cae", "--accelerator", "host", "--epochs", "1", "--batch", "16", "--train-limit", "64", "--valid-limit", "32", "--test-limit", "20",
            "--out", Cae);
        Train("train", "classifier", "--model", "cnn", "--labels", "64", "--epochs", "1", "--test-limit", "20", "--accelerator", "host", "--out", Cnn);
        Train("train", "anamo", "--accelerator", "host", "--outer", "1", "--batch", "50", "--enc-iters", "1", "--dec-iters", "1", "--encoder", "smooth-step",
            "--out", Anamo);
        Test = Datasets.Load(DatasetKind.Mnist, null, null).Test;
    }

    public string Dae => dir.File("dae");
    public string Stack => dir.File("sda");
    public string Finetuned => dir.File("ft");
    public string Cae => dir.File("cae");
    public string Cnn => dir.File("cnn");
    public string Anamo => dir.File("anamo");

    /// <summary>MNIST's test images.</summary>
    public Dataset Test { get; }

    private static void Train(params string[] args)
    {
        var result = InProcessCli.Run(args);
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    public void Dispose() => dir.Dispose();
}

/// <summary>
/// `export onnx` checked against ONNX Runtime, an implementation of ONNX independent of ours: each exported file is run on MNIST test
/// images and compared with the engine's own forward pass on host (<see cref="NetworkEvaluator.Codes"/>, what `probe svm` and
/// `train classifier` encode with) through the module the test names itself; at two batch sizes (the batch dimension is dynamic),
/// with the graph's input and output names and shapes. Hand-broken copies of an exported graph (a transposed W, a dropped activation)
/// fail the same comparison, so it can fail. Modules and parts a model does not have are refused in one line, writing nothing.
/// </summary>
[Collection(InProcessCliCollection.Name)]
public sealed class OnnxExportTests(OnnxRuns runs) : IClassFixture<OnnxRuns>
{
    private const double Rtol = 1e-5;

    /// <summary>
    /// The absolute part of the tolerance, for values near 0, where a relative bound means nothing. Both sides compute in float32 but sum
    /// a row's products in different orders (ORT's MLAS GEMM and convolution against our SIMD kernels), so a pre-activation of ~784 terms
    /// differs by a few ulps of its largest partial sums, not of its (possibly tiny) result; a ReLU or a sigmoid passes that on. Every
    /// comparison here passed at 1e-7 (and fails at rtol 1e-9, atol 1e-12: the two really are computed apart); 1e-6 leaves margin for
    /// other machines' GEMM blocking. A transposed W or a dropped activation moves outputs by 1e-2 or more
    /// (<see cref="ABrokenGraphFailsTheComparison"/>).
    /// </summary>
    private const double Atol = 1e-6;

    private static readonly int[] Batches = [37, 5];

    [Fact]
    public void TheDaeEncoderAndAutoencoderMatchTheEngine()
    {
        // train dae: corrupt (module 0), the encoder (module 1), the tied decoder (module 2).
        var encoder = Export(runs.Dae, "encoder");
        AssertGraph(encoder, [784], "code", [20]);
        AssertMatches(encoder, runs.Dae, throughModule: 1, image: null);
        var autoencoder = Export(runs.Dae, "autoencoder");
        AssertGraph(autoencoder, [784], "reconstruction", [784]);
        AssertMatches(autoencoder, runs.Dae, throughModule: 2, image: null);
        // W is stored once, for the encoder's Gemm and the tied decoder's.
        Assert.Single(ModelProto.Parser.ParseFrom(File.ReadAllBytes(autoencoder)).Graph.Initializer, t => t.Name == "W");
    }

    [Fact]
    public void TheStackedClassifierAndItsEncoderMatchTheEngine()
    {
        // finetune: corrupt (0), layer0 (1), layer1 (2), the softmax layer (3).
        var classifier = Export(runs.Finetuned, "classifier");
        AssertGraph(classifier, [784], "probabilities", [10]);
        var probabilities = AssertMatches(classifier, runs.Finetuned, throughModule: 3, image: null);
        for (var r = 0; r < probabilities.Length / 10; r++)
            Assert.Equal(1.0, probabilities.AsSpan(r * 10, 10).ToArray().Sum(p => (double)p), 1e-5);
        var encoder = Export(runs.Finetuned, "encoder");
        AssertGraph(encoder, [784], "code", [10]);
        AssertMatches(encoder, runs.Finetuned, throughModule: 2, image: null);

        // The pretrained stack itself: layer0 (0), layer1 (1), then the tied decoders (2, 3).
        var stackCode = Export(runs.Stack, "encoder");
        AssertGraph(stackCode, [784], "code", [10]);
        AssertMatches(stackCode, runs.Stack, throughModule: 1, image: null);
    }

    [Fact]
    public void TheConvolutionalEncoderAndAutoencoderMatchTheEngine()
    {
        // train cae: conv, pool, conv, pool (modules 0–3: the code, 4×7×7), then the decoder (Conv, Resize, … up to module 8).
        var encoder = Export(runs.Cae, "encoder");
        AssertGraph(encoder, [1, 28, 28], "code", [4, 7, 7]);
        AssertMatches(encoder, runs.Cae, throughModule: 3, image: [1, 28, 28]);
        var autoencoder = Export(runs.Cae, "autoencoder");
        AssertGraph(autoencoder, [1, 28, 28], "reconstruction", [1, 28, 28]);
        AssertMatches(autoencoder, runs.Cae, throughModule: 8, image: [1, 28, 28]);
    }

    [Fact]
    public void TheCnnClassifierMatchesTheEngine()
    {
        // train classifier cnn: conv, pool, conv, dropout, the softmax layer on the 5×14×14 features (Flatten between).
        var classifier = Export(runs.Cnn, "classifier");
        AssertGraph(classifier, [1, 28, 28], "probabilities", [10]);
        AssertMatches(classifier, runs.Cnn, throughModule: 4, image: [1, 28, 28]);
        var features = Export(runs.Cnn, "encoder");
        AssertGraph(features, [1, 28, 28], "code", [5, 14, 14]);
        AssertMatches(features, runs.Cnn, throughModule: 2, image: [1, 28, 28]);
    }

    [Fact]
    public void TheDefaultPartIsTheEncoderWrittenBesideTheModel()
    {
        var before = Directory.GetFiles(runs.Dae);
        var result = InProcessCli.Run("export", "onnx", "--model", runs.Dae);
        Assert.True(result.ExitCode == 0, result.ToString());
        var file = Path.Combine(runs.Dae, "encoder.onnx");
        Assert.Contains($"wrote {file}", result.Stdout);
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(file));
        Assert.Equal("ilgpuae", model.ProducerName);
        Assert.Equal(OnnxExporter.IrVersion, model.IrVersion);
        Assert.Equal(OnnxExporter.Opset, model.OpsetImport.Single(o => o.Domain == "").Version);
        Assert.Contains("ilgpuae.tied-dae", model.DocString);
        File.Delete(file);
        Assert.Equal(before.Order(), Directory.GetFiles(runs.Dae).Order());
    }

    [Fact]
    public void ASmoothStepIsRefusedNamingTheModuleAndNothingIsWritten()
    {
        foreach (var part in new[] { "encoder", "autoencoder" })
        {
            var result = InProcessCli.Run("export", "onnx", "--model", runs.Anamo, "--part", part);
            InProcessCli.AssertRefused(result, "module 1 (smooth_step) has no ONNX equivalent");
        }
        Assert.Empty(Directory.GetFiles(runs.Anamo, "*.onnx"));
    }

    [Theory]
    [InlineData("dae", "classifier", "--part classifier: ")]
    [InlineData("ft", "autoencoder", "--part autoencoder: ")]
    public void APartTheModelDoesNotHaveIsRefusedInOneLine(string run, string part, string named)
    {
        var model = run == "dae" ? runs.Dae : runs.Finetuned;
        var result = InProcessCli.Run("export", "onnx", "--model", model, "--part", part);
        InProcessCli.AssertRefused(result, named);
        Assert.False(File.Exists(Path.Combine(model, $"{part}.onnx")));
    }

    [Fact]
    public void AnOutThatIsADirectoryIsRefusedBeforeTheModelIsRead()
    {
        using var dir = new TempDirectory();
        var result = InProcessCli.Run("export", "onnx", "--model", runs.Dae, "--out", dir.Path);
        InProcessCli.AssertRefused(result, $"--out {dir.Path}: is a directory");
        Assert.Empty(dir.Entries());
    }

    /// <summary>
    /// A network of every activation (tanh, relu, identity, sigmoid) and tied decoders, with random non-symmetric square and non-square
    /// weights and random biases, matches ONNX Runtime; the same graph with the first layer's transB flipped, with its tanh dropped, or
    /// with a tied decoder's transB flipped does not: the comparison catches each.
    /// </summary>
    [Fact]
    public void ABrokenGraphFailsTheComparison()
    {
        var spec = new NetworkSpec(
        [
            new CorruptSpec(5, CorruptionKind.Masking, 0.5f),
            new DenseSpec(5, 5, Activation.Tanh, "a.W", "a.b"),
            new DenseSpec(5, 3, Activation.Relu, "b.W", "b.b"),
            new ActivityL1Spec(3, 0.1f),
            new TiedDenseSpec(2, Activation.Identity, "b.c"),
            new TiedDenseSpec(1, Activation.Sigmoid, "a.c"),
        ], new ReconstructionSpec(LossKind.SquaredError));
        using var backend = new HostBackend(threads: 1);
        using var network = spec.Build(backend, 16);
        var random = new System.Random(7);
        foreach (var p in network.Body.Parameters)
            p.Value.CopyFrom(Enumerable.Range(0, p.Value.Length).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray());
        var values = Checkpoint.Tensors(network).ToDictionary(t => t.Name);
        var model = OnnxExporter.Build(spec, OnnxPart.Autoencoder, (name, shape) =>
        {
            Assert.Equal(shape, values[name].Shape);
            return values[name].Data;
        }, "hand-made");
        var x = Enumerable.Range(0, 16 * 5).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();
        using var input = backend.Allocate<float>(16, 5);
        input.CopyFrom(x);
        using var evaluator = new NetworkEvaluator(backend, network);
        var ours = evaluator.Codes(input, spec.Modules.Count - 1);

        Assert.True(Worst(ours, RunOnnx(model.ToByteArray(), x, [16, 5]).Values) <= 1);
        Assert.Equal(["Gemm", "Tanh", "Gemm", "Relu", "Gemm", "Gemm", "Sigmoid"], model.Graph.Node.Select(n => n.OpType));
        foreach (var broken in new Func<ModelProto, ModelProto>[]
                 {
                     m => SetTransB(m, "m1.gemm", 0),
                     m => SetTransB(m, "m5.gemm", 1),
                     m => Drop(m, "m1.tanh"),
                 })
            Assert.True(Worst(ours, RunOnnx(broken(model.Clone()).ToByteArray(), x, [16, 5]).Values) > 100);
    }

    [Fact]
    public void TheCodeModuleOfEveryAutoencoderShape()
    {
        Assert.Equal(1, Networks.CodeModule(Networks.TiedDae(784, 20, 0.25f, LossKind.SquaredError, activityL1: 0.1f)));
        Assert.Equal(3, Networks.CodeModule(Networks.DeepAutoencoder([784, 20, 10], new CorruptionNoise(CorruptionKind.Masking, 0.1f))));
        Assert.Equal(3, Networks.CodeModule(Networks.ConvAutoencoder()));
        Assert.Equal(3, Networks.CodeModule(Networks.ConvAutoencoder(codeL1: 0.1f)));
        Assert.Equal(0, Networks.CodeModule(ILGPUAE.Training.Anamo.AnamoNetwork.Spec(784, 50, 0.1f)));
        Assert.Equal(1, Networks.CodeModule(ILGPUAE.Training.Anamo.AnamoNetwork.Spec(784, 50, 0.1f, smoothStep: 0.5f)));
        // Untied sparse stack: layer0 (0), KL (1), layer1 (2), KL (3), then the decoders.
        Assert.Equal(2, Networks.CodeModule(Networks.SparseStack([784, 20, 10], 0.05f, 3f)));
        Assert.Equal(2, Networks.CodeModule(Networks.SparseStack([784, 20, 10], 0.05f, 3f, tied: true)));
        Assert.Throws<ArgumentException>(() => Networks.CodeModule(Networks.SmallCnn(10)));
    }

    /// <summary>Exports <paramref name="part"/> of <paramref name="run"/> through the CLI to a file of its own; returns its path.</summary>
    private static string Export(string run, string part)
    {
        var file = Path.Combine(run, $"test-{part}.onnx");
        var result = InProcessCli.Run("export", "onnx", "--model", run, "--part", part, "--out", file);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(File.Exists(file), result.ToString());
        return file;
    }

    /// <summary>One input "input" and one output, each [batch, …] with the batch dimension symbolic.</summary>
    private static void AssertGraph(string file, int[] input, string output, int[] outputDims)
    {
        using var session = new InferenceSession(file);
        var (inName, inMeta) = session.InputMetadata.Single();
        Assert.Equal("input", inName);
        Assert.Equal([-1, .. input], inMeta.Dimensions);
        Assert.Equal("batch", inMeta.SymbolicDimensions[0]);
        var (outName, outMeta) = session.OutputMetadata.Single();
        Assert.Equal(output, outName);
        Assert.Equal([-1, .. outputDims], outMeta.Dimensions);
        Assert.Equal("batch", outMeta.SymbolicDimensions[0]);
    }

    /// <summary>
    /// Runs <paramref name="file"/> on the first N test images for each N of <see cref="Batches"/> (as rows, or as [N, C, H, W] images) and
    /// compares each output with the engine's output of module <paramref name="throughModule"/> on the same images; returns the first.
    /// </summary>
    private float[] AssertMatches(string file, string run, int throughModule, int[]? image)
    {
        var test = runs.Test;
        var ours = Ours(run, throughModule, test.Take(Batches.Max()));
        var width = ours.Length / Batches.Max();
        // Not a vacuous comparison: the outputs differ between images and units.
        Assert.True(ours.Max() - ours.Min() > 1e-2, $"{file}: outputs span {ours.Min()} … {ours.Max()}");
        float[]? first = null;
        var bytes = File.ReadAllBytes(file);
        foreach (var n in Batches)
        {
            var x = test.Pixels.AsSpan(0, n * test.Features).ToArray();
            var (values, dims) = RunOnnx(bytes, x, [n, .. image ?? [test.Features]]);
            Assert.Equal(n, dims[0]);
            Assert.Equal(n * width, values.Length);
            var worst = Worst(ours.AsSpan(0, n * width).ToArray(), values);
            Assert.True(worst <= 1, $"{file} at batch {n}: worst |onnx − ours| / ({Rtol}·|ours| + {Atol}) is {worst}");
            first ??= values;
        }
        return first!;
    }

    /// <summary>The engine's forward pass on host (test mode) through module <paramref name="throughModule"/> of the run's model.</summary>
    private static float[] Ours(string run, int throughModule, Dataset images)
    {
        using var backend = new HostBackend();
        using var network = Checkpoint.Load(Checkpoint.ModelPath(run), backend, 64);
        using var x = backend.Allocate<float>(images.Count, images.Features);
        x.CopyFrom(images.Pixels);
        using var evaluator = new NetworkEvaluator(backend, network);
        return evaluator.Codes(x, throughModule);
    }

    private static (float[] Values, int[] Dims) RunOnnx(byte[] model, float[] x, int[] dims)
    {
        using var session = new InferenceSession(model);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", new DenseTensor<float>(x, dims))]);
        var output = results.Single().AsTensor<float>();
        return (output.ToArray(), output.Dimensions.ToArray());
    }

    /// <summary>The largest |onnx − ours| / (rtol·|ours| + atol): at most 1 where every element is within tolerance.</summary>
    private static double Worst(float[] ours, float[] onnx)
    {
        Assert.Equal(ours.Length, onnx.Length);
        var worst = 0.0;
        for (var i = 0; i < ours.Length; i++)
            worst = Math.Max(worst, Math.Abs((double)onnx[i] - ours[i]) / (Rtol * Math.Abs(ours[i]) + Atol));
        return worst;
    }

    private static ModelProto SetTransB(ModelProto model, string node, long value)
    {
        model.Graph.Node.Single(n => n.Name == node).Attribute.Single(a => a.Name == "transB").I = value;
        return model;
    }

    /// <summary>Removes <paramref name="node"/> (one input, one output) and feeds its input to whoever read its output.</summary>
    private static ModelProto Drop(ModelProto model, string node)
    {
        var dropped = model.Graph.Node.Single(n => n.Name == node);
        model.Graph.Node.Remove(dropped);
        foreach (var n in model.Graph.Node)
            for (var i = 0; i < n.Input.Count; i++)
                if (n.Input[i] == dropped.Output[0])
                    n.Input[i] = dropped.Input[0];
        return model;
    }
}
