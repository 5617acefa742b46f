namespace ILGPUAE.Modules;

using ILGPUAE.Backend;
using ILGPUAE.Models;
using ILGPUAE.Objectives;

/// <summary>
/// A model and its objective, with the batch buffers a step needs (the gathered inputs [maxBatch, inputs] and the output
/// delta [maxBatch, outputs]), allocated once. <see cref="ForwardBackward"/> is the generic step's gradient: gather, forward,
/// objective, backward; the trainer then applies an optimizer rule to <see cref="Body"/>'s trained parameters.
/// An autoencoder's target is its own clean input; a classifier's, the batch's labels.
/// </summary>
public sealed class Network : IDisposable
{
    private readonly IBackend backend;
    private readonly Tensor<float> inputs, outputDelta;
    private readonly BatchViews views;
    private readonly Parameter[] trained;

    /// <param name="spec">The architecture this network was built from (what a checkpoint saves); null for a hand-built one.</param>
    public Network(IBackend backend, Sequential body, IObjective objective, int maxBatch, NetworkSpec? spec = null)
    {
        objective.Validate(body);
        Spec = spec;
        this.backend = backend;
        Body = body;
        Objective = objective;
        MaxBatch = maxBatch;
        inputs = backend.Allocate<float>(maxBatch, body.Inputs);
        outputDelta = backend.Allocate<float>(maxBatch, body.Outputs);
        views = new BatchViews([inputs, outputDelta]);
        trained = [.. body.TrainedParameters];
    }

    public NetworkSpec? Spec { get; }

    public Sequential Body { get; }
    public IObjective Objective { get; }
    public int MaxBatch { get; }

    /// <summary>Where the network's tensors live and its kernels run.</summary>
    public IBackend Backend => backend;

    /// <summary>
    /// Gives every parameter its initial value from <paramref name="seed"/>: dense or convolution layer k (counting those modules
    /// from 0) by <see cref="Dense.Initialize"/> or <see cref="Conv2d.Initialize"/> (PyTorch's default) with layer k, others zero. A tied DAE and a classifier so start exactly where
    /// <see cref="TiedAutoencoder.Create"/> and <see cref="FeedForwardClassifier.Create"/> start them.
    /// </summary>
    /// <param name="convInit">How convolutions draw their weights (<see cref="Conv2d.Initialize"/>).</param>
    public void Initialize(ulong seed, ConvInit convInit = ConvInit.PyTorchDefault)
    {
        uint layer = 0;
        foreach (var module in Body.Modules)
        {
            if (module is Dense dense)
                dense.Initialize(seed, layer++);
            else if (module is Conv2d conv)
                conv.Initialize(seed, layer++, convInit);
            else
                foreach (var p in module.Parameters)
                    p.Value.CopyFrom(new float[p.Value.Length]);
        }
    }

    /// <summary>The parameters the last <see cref="ForwardBackward"/> wrote gradients for.</summary>
    public IReadOnlyList<Parameter> TrainedParameters => trained;

    /// <summary>
    /// For rows <see cref="StepContext.Indices"/> [b] of <paramref name="data"/> [N, inputs]: forward, losses[m] [b] of each
    /// row (the objective's, plus what penalty modules such as <see cref="ActivityL1"/> add during the backward pass), and
    /// the gradient of their mean in every trained parameter's <see cref="Parameter.Grad"/>. With
    /// <paramref name="labels"/> [b] (in batch order) the objective scores classes, else the clean inputs.
    /// Returns the model's output [b, outputs].
    /// </summary>
    public Tensor<float> ForwardBackward(Tensor<float> data, in StepContext context, Tensor<float> losses, Tensor<int>? labels = null)
    {
        var b = context.Rows;
        if (b > MaxBatch)
            throw new ArgumentException($"a batch of {b} rows is larger than the {MaxBatch} this network was allocated for");
        views.Resize(b);
        var x = views[0];
        backend.Corruption.Gather(data, context.Indices, x);
        foreach (var p in trained)
            p.StartStep();
        var y = Body.Forward(x, context);
        var targets = labels is null ? new Targets(Values: x) : new Targets(Labels: labels);
        Objective.Delta(y, targets, views[1], losses);
        // The objective has written the losses: a penalty module adds its term to them on the way down.
        Body.Backward(views[1], context with { Losses = losses }, Activation.Identity, needInputDelta: false);
        return y;
    }

    /// <summary>
    /// Gathers rows <see cref="StepContext.Indices"/> [b] of <paramref name="data"/> and runs modules [0, <paramref name="top"/>) forward
    /// (training mode): their output [b, width] (a view of a module's buffer, valid until the next forward below
    /// <paramref name="top"/>). While those modules' parameters stay fixed it does not change: <see cref="ForwardBackwardAbove"/> starts
    /// from it as many times as wanted.
    /// </summary>
    public Tensor<float> ForwardBelow(Tensor<float> data, in StepContext context, int top)
    {
        var b = context.Rows;
        if (b > MaxBatch)
            throw new ArgumentException($"a batch of {b} rows is larger than the {MaxBatch} this network was allocated for");
        if (top < 1 || top >= Body.Modules.Count)
            throw new ArgumentOutOfRangeException(nameof(top), top, $"expected a module index in [1, {Body.Modules.Count})");
        views.Resize(b);
        backend.Corruption.Gather(data, context.Indices, views[0]);
        return Body.Forward(views[0], context, 0, top);
    }

    /// <summary>
    /// <see cref="ForwardBackward"/> with modules [0, <paramref name="top"/>) held fixed at <paramref name="below"/> [b, width], what
    /// <see cref="ForwardBelow"/> returned for the same rows (and whose gathered inputs are the autoencoder's targets): modules
    /// <paramref name="top"/> and above forward, the objective, and backward down to <paramref name="top"/> only. losses[m] is what
    /// <see cref="ForwardBackward"/> reports (the penalty modules below <paramref name="top"/> add their constant terms); the gradients of
    /// the parameters of modules <paramref name="top"/> and above are its gradients, the others' <see cref="Parameter.Grad"/> are untouched.
    /// </summary>
    public Tensor<float> ForwardBackwardAbove(Tensor<float> below, int top, in StepContext context, Tensor<float> losses, Tensor<int>? labels = null)
    {
        if (top < 1 || top >= Body.Modules.Count)
            throw new ArgumentOutOfRangeException(nameof(top), top, $"expected a module index in [1, {Body.Modules.Count})");
        if (below.Rows != context.Rows || below.Rows != views[0].Rows)
            throw new ArgumentException($"{below.Rows} rows below, a batch of {context.Rows}, {views[0].Rows} gathered: expected ForwardBelow's output for this batch");
        foreach (var p in Body.Modules.Skip(top).SelectMany(m => m.Parameters))
            p.StartStep();
        var y = Body.Forward(below, context, top, Body.Modules.Count);
        var targets = labels is null ? new Targets(Values: views[0]) : new Targets(Labels: labels);
        Objective.Delta(y, targets, views[1], losses);
        // In the order, and only for the modules, whose backward pass adds them in ForwardBackward.
        for (var i = top - 1; i >= Body.FirstTrained; i--)
            if (Body.Modules[i] is PenaltyModule penalty)
                penalty.AddLosses(losses);
        Body.Backward(views[1], context with { Losses = losses }, Activation.Identity, needInputDelta: false, top);
        return y;
    }

    public void Dispose()
    {
        Body.Dispose();
        inputs.Dispose();
        outputDelta.Dispose();
    }
}
