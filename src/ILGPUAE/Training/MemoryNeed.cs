namespace ILGPUAE.Training;

using ILGPUAE.Backend;
using ILGPUAE.Data;
using ILGPUAE.Host;
using ILGPUAE.IO;
using ILGPUAE.Ilgpu;
using ILGPUAE.Models;
using ILGPUAE.Optimizers;
using ILGPUAE.Training.Deep;
using ILGPUAE.Training.Stacked;

/// <summary>
/// The memory a run will take, computed from its options before any data is loaded or any tensor allocated, so that a run
/// too large for the machine is refused in one line instead of failing after minutes (or, for a stack, after its first layers).
/// <see cref="DeviceBytes"/> counts the tensors the run allocates on its backend (the parameters, their gradients, the optimizer's
/// state, the batch buffers, the data uploaded as float); <see cref="HostBytes"/> the data the host holds as float. The figures
/// follow the allocations of <see cref="DaeSession"/> and <see cref="ClassifierSession"/> term by term; MemoryNeedTests hold
/// them to the bytes a session really allocates.
/// </summary>
/// <param name="Setting">The setting that sizes the largest tensor, as the message opens with it ("hidden").</param>
/// <param name="Value">Its value as given ("50,2147483647").</param>
/// <param name="LargestTensor">The most elements one tensor of the run holds, and what it is.</param>
public sealed record MemoryNeed(long DeviceBytes, long HostBytes, string Setting, string Value, long LargestTensor, string LargestTensorName)
{
    /// <summary>The settings that lower the need, named after the one that sizes the model.</summary>
    private static readonly string[] Reducers = ["batch", "train_limit", "test_limit"];

    /// <summary>A tied denoising autoencoder's run (`train dae`, or one layer of `pretrain`) on <paramref name="train"/> and <paramref name="test"/> examples.</summary>
    public static MemoryNeed TiedDae(DaeOptions options, int visible, int train, int test, string? value = null)
    {
        long v = visible, h = options.Hidden, n = train, t = test, b = Math.Min(options.Batch, train);
        var parameters = h * v + h + v;
        // The model and the pass's gradients; the fused steps keep velocities when momentum ≠ 0; the generic step (any
        // optimizer but plain SGD, or a penalty) has its own gradients and the rule's state tensors instead.
        var generic = !options.IsPlainSgd || options.ActivityL1 != 0f;
        var copies = 2 + (generic ? 1 + StateTensors(options.ToOptimizerOptions()) : options.Momentum != 0f ? 1 : 0);
        // TiedAutoencoderPass: clean and output [b, v], hidden [2b, h], visible [2b, v]. The generic network adds, each [b, ·]:
        // its input and output delta (v, v), Corrupt's output and input delta (v, v), the encoder's output and input delta (h, v),
        // the L1 penalty's input delta (h), the decoder's output and input delta (v, h).
        var batchBuffers = 4 * b * v + 2 * b * h + (generic ? 6 * b * v + 2 * b * h + (options.ActivityL1 > 0f ? b * h : 0) : 0);
        // The test loss works in the pass's buffers when a chunk of it fits them, else in its own [rows, h + 2v].
        var rows = Math.Min(100, t);
        var scoring = rows > b ? rows * (h + 2 * v) : 0;
        // Trainer: the training set, its order and each example's loss; the test set and its losses.
        var data = n * v + 2 * n + t * v + t;
        // NonFiniteGuard's flag (and the skip-batch step's, when on_nan skips batches).
        var flags = options.OnNan == NanPolicy.SkipBatch ? 2 : 1;
        var device = 4 * (copies * parameters + batchBuffers + scoring + data + flags);
        var host = 4 * (n + t) * v;
        var largest = Math.Max(h * v, Math.Max(n, t) * v);
        return new MemoryNeed(device, host, "hidden", value ?? options.Hidden.ToString(System.Globalization.CultureInfo.InvariantCulture),
            largest, largest == h * v ? $"the weights [{h}, {v}]" : $"the data [{Math.Max(n, t)}, {v}]");
    }

    /// <summary>
    /// A stack's pretraining: every layer's run, checked up front; the need is the largest layer's, with the host holding the
    /// images and the codes of the layer below it.
    /// </summary>
    public static MemoryNeed Stack(StackOptions options, int visible, int train, int test)
    {
        var value = string.Join(",", options.Hidden);
        var layers = Enumerable.Range(0, options.Layers).Select(layer =>
        {
            var inputs = layer == 0 ? visible : options.Hidden[layer - 1];
            var need = TiedDae(options.ForLayer(layer), inputs, train, test, value);
            // The images stay loaded under every layer; above layer 0 its inputs are the codes below, and it encodes its own.
            var codes = (long)Math.Max(train, test) * options.Hidden[layer];
            return need with
            {
                HostBytes = 4L * (train + test) * ((long)visible + (layer == 0 ? 0 : inputs) + options.Hidden[layer]),
                LargestTensor = Math.Max(need.LargestTensor, codes),
                LargestTensorName = codes > need.LargestTensor ? $"layer {layer + 1}'s codes [{Math.Max(train, test)}, {options.Hidden[layer]}]" : need.LargestTensorName,
            };
        }).ToList();
        var largest = layers.MaxBy(l => l.LargestTensor)!;
        return largest with { DeviceBytes = layers.Max(l => l.DeviceBytes), HostBytes = layers.Max(l => l.HostBytes) };
    }

    /// <summary>
    /// A deep autoencoder's run (`train deep`, <see cref="DeepTraining"/>), an upper estimate over its phases: the parameters of
    /// the whole stack, the largest phase's gradients and rule state (and a contractive penalty's scratch W gradient per layer), each
    /// module's batch buffers of the training network and of the scoring network (chunks of <see cref="DeepTraining.ScoringBatch"/>),
    /// the training images, the phase's training inputs (the images, or a layer's codes), and the validation and test images.
    /// </summary>
    public static MemoryNeed Deep(DeepOptions options, int visible, int train, int valid, int test)
    {
        var widths = Array.ConvertAll(options.Widths(visible), w => (long)w);
        long n = train, v = valid, t = test, b = Math.Min(options.Batch, train), s = DeepTraining.ScoringBatch;
        long parameters = 0, largestLayer = 0, buffers = 0, scoring = 0, widestInput = widths[0];
        for (var i = 0; i + 1 < widths.Length; i++)
        {
            long layer = widths[i] * widths[i + 1] + widths[i] + widths[i + 1];
            parameters += layer;
            largestLayer = Math.Max(largestLayer, layer);
            widestInput = Math.Max(widestInput, widths[i]);
            // Corrupt (output, input δ), Dense (output, input δ), Contractive (δ), TiedDense (output, input δ); the scoring pass forward only.
            buffers += b * (4 * widths[i] + 3 * widths[i + 1]);
            scoring += s * (widths[i] + widths[i + 1]);
        }
        var trained = options.Scheme == DeepScheme.L ? largestLayer : parameters;
        var rule = StateTensors(options.Optimizer.With(options.LearningRate, 0f));
        var contractive = options.Regularizer == DeepRegularizer.Contract ? trained : 0;
        var flags = options.OnNan == NanPolicy.SkipBatch ? 2 : 1;
        var data = (n + v + t) * widths[0] + n * widestInput + 2 * n + v + t;
        var device = 4 * (parameters + (1 + rule) * trained + contractive + buffers + 2 * b * widths[0] + scoring + data + flags);
        var host = 4 * ((n + v + t) * widths[0] + n * widestInput + parameters);
        var largest = Math.Max(largestLayer, Math.Max(n, Math.Max(v, t)) * widestInput);
        return new MemoryNeed(device, host, "layers", string.Join(",", options.Layers), largest,
            largest == largestLayer ? "a layer's weights" : $"the data [{Math.Max(n, Math.Max(v, t))}, {widestInput}]");
    }

    /// <summary>Fine-tuning <paramref name="architecture"/>: its parameters, gradients, best snapshot and optimizer state, and the three splits on the device.</summary>
    public static MemoryNeed Classifier(ClassifierArchitecture architecture, FinetuneOptions options, int train, int valid, int test)
    {
        long parameters = 0, outputs = 0, largest = 0;
        for (var layer = 0; layer < architecture.LayerCount; layer++)
        {
            long weights = (long)architecture.InputsOf(layer) * architecture.OutputsOf(layer);
            parameters += weights + architecture.OutputsOf(layer);
            outputs += architecture.OutputsOf(layer);
            largest = Math.Max(largest, weights);
        }
        long b = Math.Min(options.Batch, train), inputs = architecture.Inputs, examples = (long)train + valid + test;
        // The model, its gradients, the best-validation snapshot, and the rule's state (momentum's velocities on SGD).
        var copies = 3 + (options.Optimizer.IsPlainSgd ? (options.Momentum != 0f ? 1 : 0) : 1 + StateTensors(options.Optimizer.With(options.LearningRate, options.Momentum)));
        // ClassifierPass: the input and each layer's outputs and deltas; the evaluator's chunks of 1000 rows.
        var batchBuffers = b * (inputs + 2 * outputs) + Math.Min(1000, Math.Max(valid, test)) * (inputs + outputs);
        // The last term: NonFiniteGuard's flag, and the skip-batch step's when on_nan skips batches.
        var device = 4 * (copies * parameters + batchBuffers + examples * (inputs + 3) + (options.OnNan == NanPolicy.SkipBatch ? 2 : 1));
        var host = 4 * examples * inputs;
        var hidden = string.Join(",", architecture.StackHidden.Concat(architecture.MlpHidden));
        return new MemoryNeed(device, host, architecture.MlpHidden.Length > 0 ? "mlp" : "hidden", hidden,
            Math.Max(largest, examples * inputs), largest >= examples * inputs ? "a layer's weights" : "the data");
    }

    /// <summary>The examples a dataset's splits hold at most (the train split with its validation examples, the test split), cut to the limits.</summary>
    public static (int Train, int Test) Examples(DatasetKind dataset, int? trainLimit, int? testLimit)
    {
        var (train, test) = dataset switch
        {
            DatasetKind.Mnist => (Mnist.TrainCount, Mnist.TestCount),
            // Fashion-MNIST v2's class files hold 7000 images each, the first 1000 of a class its test images.
            DatasetKind.FashionMnist => (FashionMnist.Classes * 7000 - FashionMnist.Classes * FashionMnist.TestPerClass, FashionMnist.Classes * FashionMnist.TestPerClass),
            // A generated set made under a limit holds fewer; this is the most it holds.
            _ when Data.Variations.VariationGenerators.Of(dataset) is { Sizes: var sizes } => (sizes.Train + sizes.Valid, sizes.Test),
            _ => throw new ArgumentOutOfRangeException(nameof(dataset), dataset, "not a known dataset"),
        };
        return (Math.Min(train, trainLimit ?? train), Math.Min(test, testLimit ?? test));
    }

    /// <summary>
    /// Refuses the run, in one line naming both figures and the settings that lower them, when it needs more than
    /// <paramref name="backend"/>'s device has (for the host provider and ILGPU's CPU accelerator: the host's memory, which
    /// then holds the device's tensors too), more host memory than the machine has, or a tensor past 2³¹ − 1 elements.
    /// </summary>
    public void Check(IBackend backend) => Check(backend.Name, DeviceMemory(backend), OnHost(backend), HostMemory());

    /// <param name="deviceMemory">Bytes the device has; ignored when <paramref name="onHost"/>.</param>
    /// <param name="onHost">Whether the device's tensors live in host memory.</param>
    public void Check(string device, long deviceMemory, bool onHost, long hostMemory)
    {
        var mentioned = Reducers.Prepend(Setting).ToArray();
        var lower = $"lower {Setting}, batch, train_limit or test_limit";
        var host = HostBytes + (onHost ? DeviceBytes : 0);
        if (host > hostMemory)
            throw new MemoryNeedException(Setting,
                $"{Setting} {Value} needs {DeviceMemoryException.Bytes(host)} of host memory, this machine has {DeviceMemoryException.Bytes(hostMemory)}; {lower}", mentioned);
        if (!onHost && DeviceBytes > deviceMemory)
            throw new MemoryNeedException(Setting,
                $"{Setting} {Value} needs {DeviceMemoryException.Bytes(DeviceBytes)} of device memory, {device} has {DeviceMemoryException.Bytes(deviceMemory)}; {lower}", mentioned);
        if (LargestTensor > int.MaxValue)
            throw new MemoryNeedException(Setting,
                $"{Setting} {Value}: {LargestTensorName} would hold {LargestTensor} elements, more than a tensor's {int.MaxValue}; {lower}", mentioned);
    }

    /// <summary>The memory the process may use: the machine's, or its container's limit.</summary>
    public static long HostMemory() => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    private static bool OnHost(IBackend backend) => backend is HostBackend || backend is IlgpuBackend { IsCpuAccelerator: true };

    private static long DeviceMemory(IBackend backend) => backend is IlgpuBackend ilgpu ? ilgpu.Accelerator.MemorySize : HostMemory();

    /// <summary>The state tensors per parameter of the rule <paramref name="options"/> name (as <see cref="Optimizer"/> allocates them).</summary>
    private static int StateTensors(OptimizerOptions options) => options.Kind switch
    {
        OptimizerKind.Sgd or OptimizerKind.Nesterov => options.Momentum != 0f ? 1 : 0,
        OptimizerKind.RmsProp => 1 + (options.Momentum > 0f ? 1 : 0) + (options.Centered ? 1 : 0),
        _ => 2,
    };
}

/// <summary>A run that cannot fit the machine, refused before any work; the message opens with the setting that sizes it.</summary>
public sealed class MemoryNeedException(string setting, string message, params string[] mentioned) : Exception(message), ISettingMessage
{
    public string? Setting { get; } = setting;
    public IReadOnlyList<string> Mentioned { get; } = mentioned;
}
