namespace ILGPUAE.Modules;

using ILGPUAE.Backend;
using ILGPUAE.Models;

/// <summary>
/// Nearest-neighbour 2× upsampling (torch.nn.Upsample(scale_factor=2, mode="nearest")) of images of <see cref="Channels"/> ×
/// <see cref="Height"/> × <see cref="Width"/> in NCHW rows: y [b, C·2H·2W], each pixel repeated into a 2×2 block. Backward sums
/// each block's δ and multiplies by the input activation's derivative. Training and evaluation are the same. No parameters, no activation.
/// </summary>
public sealed class Upsample2d : IModule
{
    private readonly IBackend backend;
    private readonly Tensor<float> output, inputDelta;
    private readonly BatchViews views;
    private Tensor<float>? input;

    public Upsample2d(IBackend backend, int maxBatch, int channels, int height, int width)
    {
        MaxPool2d.ValidGeometry(channels, height, width, minimumSide: 1, Name);
        this.backend = backend;
        (Channels, Height, Width) = (channels, height, width);
        Inputs = channels * height * width;
        Outputs = 4 * Inputs;
        output = backend.Allocate<float>(maxBatch, Outputs);
        inputDelta = backend.Allocate<float>(maxBatch, Inputs);
        views = new BatchViews([output, inputDelta]);
    }

    /// <summary>What messages call this module.</summary>
    internal const string Name = "a 2× upsampling";

    public int Channels { get; }
    public int Height { get; }
    public int Width { get; }
    public int Inputs { get; }
    public int Outputs { get; }
    public Activation OutputActivation => Activation.Identity;
    public IReadOnlyList<Parameter> Parameters => [];

    public Tensor<float> Forward(Tensor<float> x, in StepContext context)
    {
        input = x;
        views.Resize(x.Rows);
        backend.Pooling.Upsample2d(x, Channels, Height, Width, views[0]);
        return views[0];
    }

    public Tensor<float>? Backward(Tensor<float> delta, in StepContext context, Activation inputActivation, bool needInputDelta)
    {
        if (!needInputDelta)
            return null;
        var x = input ?? throw new InvalidOperationException("Backward before Forward");
        views.Resize(delta.Rows);
        backend.Pooling.Upsample2dBackward(delta, x, inputActivation, Channels, Height, Width, views[1]);
        return views[1];
    }

    public void Dispose()
    {
        output.Dispose();
        inputDelta.Dispose();
    }
}
