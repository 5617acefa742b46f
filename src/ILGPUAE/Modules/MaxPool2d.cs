namespace ILGPUAE.Modules;

using ILGPUAE.Backend;
using ILGPUAE.Models;

/// <summary>
/// 2×2 max-pooling with stride 2 of images of <see cref="Channels"/> × <see cref="Height"/> × <see cref="Width"/>, rows in NCHW
/// order as PyTorch flattens them: y [b, C·⌊H/2⌋·⌊W/2⌋] (floor mode, as torch.nn.MaxPool2d(2): an odd last row or column is
/// dropped). Ties go to the first maximum in row-major window order; <see cref="IPooling.MaxPool2d"/> defines it. Forward records
/// each window's argmax, and Backward routes δ to it (the other pixels get 0) through the input activation's derivative there.
/// Training and evaluation are the same. No parameters.
/// </summary>
/// <remarks>
/// It applies no activation: max commutes with the monotone activations the core has (ReLU, sigmoid, tanh), so a pool over a
/// ReLU layer's outputs hands δ of its own output up unchanged, and multiplies by act′ at its input on the way down.
/// </remarks>
public sealed class MaxPool2d : IModule
{
    private readonly IBackend backend;
    private readonly Tensor<float> output, inputDelta;
    private readonly Tensor<int> argmax;
    private readonly BatchViews views;
    private Tensor<int> argmaxView;
    private Tensor<float>? input;

    public MaxPool2d(IBackend backend, int maxBatch, int channels, int height, int width)
    {
        ValidGeometry(channels, height, width, MinimumSide, Name);
        this.backend = backend;
        (Channels, Height, Width) = (channels, height, width);
        Inputs = channels * height * width;
        Outputs = channels * (height / 2) * (width / 2);
        output = backend.Allocate<float>(maxBatch, Outputs);
        argmax = argmaxView = backend.Allocate<int>(maxBatch, Outputs);
        inputDelta = backend.Allocate<float>(maxBatch, Inputs);
        views = new BatchViews([output, inputDelta]);
    }

    /// <summary>What messages call this module.</summary>
    internal const string Name = "a 2×2 max-pool";

    /// <summary>A side of fewer pixels would pool to nothing.</summary>
    internal const int MinimumSide = 2;

    public int Channels { get; }
    public int Height { get; }
    public int Width { get; }
    public int Inputs { get; }
    public int Outputs { get; }
    public Activation OutputActivation => Activation.Identity;
    public IReadOnlyList<Parameter> Parameters => [];

    /// <summary>
    /// Throws an <see cref="ArgumentException"/> naming <paramref name="what"/> unless there is at least one channel, both sides are at
    /// least <paramref name="minimumSide"/> pixels, and four times C·H·W (an upsampled image) fits an int.
    /// </summary>
    internal static void ValidGeometry(int channels, int height, int width, int minimumSide, string what)
    {
        AtLeast(channels, 1, "channels", what);
        AtLeast(height, minimumSide, "height", what);
        AtLeast(width, minimumSide, "width", what);
        if ((long)channels * height * width * 4 > int.MaxValue)
            throw new ArgumentException($"{what}: an image of {channels} × {height} × {width} (channels × height × width) is too large");
    }

    /// <summary><paramref name="value"/> when it is at least <paramref name="minimum"/>; else an <see cref="ArgumentException"/> that names it.</summary>
    internal static int AtLeast(int value, int minimum, string name, string what) =>
        value >= minimum ? value : throw new ArgumentException($"{what}'s {name} must be at least {minimum}; got {value}", name);

    public Tensor<float> Forward(Tensor<float> x, in StepContext context)
    {
        input = x;
        Resize(x.Rows);
        backend.Pooling.MaxPool2d(x, Channels, Height, Width, views[0], argmaxView);
        return views[0];
    }

    public Tensor<float>? Backward(Tensor<float> delta, in StepContext context, Activation inputActivation, bool needInputDelta)
    {
        if (!needInputDelta)
            return null;
        var x = input ?? throw new InvalidOperationException("Backward before Forward");
        Resize(delta.Rows);
        backend.Pooling.MaxPool2dBackward(delta, argmaxView, x, inputActivation, Channels, Height, Width, views[1]);
        return views[1];
    }

    /// <summary>Views of the first <paramref name="rows"/> rows; the argmax view is made again only when the batch size changes.</summary>
    private void Resize(int rows)
    {
        views.Resize(rows);
        if (argmaxView.Rows != rows)
            argmaxView = rows == argmax.Rows ? argmax : argmax.Slice(0, rows);
    }

    public void Dispose()
    {
        output.Dispose();
        argmax.Dispose();
        inputDelta.Dispose();
    }
}
