namespace ILGPUAE.Backend;

/// <summary>
/// The sizes of a 3×3 convolution with stride 1 and zero padding 1 (so an image keeps its height and width): input and output
/// channels and the image's height and width. A batch of images is a tensor [b, C·H·W] (or [b, C, H, W]), each row one image in
/// C-major (NCHW) order, as PyTorch flattens it; the weights are [OutChannels, InChannels, 3, 3], PyTorch's Conv2d layout.
/// </summary>
public readonly record struct Conv2dGeometry(int InChannels, int OutChannels, int Height, int Width)
{
    /// <summary>Taps per filter side.</summary>
    public const int KernelSide = 3;

    /// <summary>Taps per filter and input channel (3 × 3).</summary>
    public const int Taps = KernelSide * KernelSide;

    public int Pixels => Height * Width;

    /// <summary>Values per input image: InChannels·H·W.</summary>
    public int Inputs => InChannels * Pixels;

    /// <summary>Values per output image: OutChannels·H·W.</summary>
    public int Outputs => OutChannels * Pixels;

    /// <summary>Elements of the weights: OutChannels·InChannels·9.</summary>
    public int WeightLength => OutChannels * InChannels * Taps;

    public override string ToString() => $"{InChannels}→{OutChannels} on {Height}×{Width}";
}

/// <summary>
/// 2-D convolution with 3×3 filters, stride 1 and zero padding 1 (Convolution family), for any number of channels. With x read
/// as 0 outside the image, the layer is y[b,o,h,w] = act(bias[o] + Σ_c Σ_{i,j ∈ 0..2} W[o,c,i,j] · x[b,c,h+i−1,w+j−1]) — a
/// cross-correlation, as torch.nn.Conv2d computes it. Tensors are row-major; none of the outputs may alias an input.
/// </summary>
public interface IConv2d
{
    /// <summary>
    /// y [b, Outputs] = act(x ⊛ W + bias) for x [b, Inputs], weights [OutChannels, InChannels, 3, 3] and bias [OutChannels]:
    /// a layer's forward pass, bias and activation fused into the one store of y.
    /// </summary>
    void Forward(Conv2dGeometry geometry, Tensor<float> x, Tensor<float> weights, Tensor<float> bias, Activation activation, Tensor<float> y);

    /// <summary>
    /// The δ of the layer below: dx[b,c,h,w] = (Σ_o Σ_{i,j} W[o,c,i,j] · dy[b,o,h−i+1,w−j+1]) · act′ written through input[b,c,h,w]
    /// (<c>IActivation.Backward(g, input)</c>), for dy [b, Outputs] (δ w.r.t. this layer's pre-activations), input and dx [b, Inputs]
    /// (input: what <see cref="Forward"/> read, the output of <paramref name="inputActivation"/> below; Identity: dx is the plain
    /// transposed convolution).
    /// </summary>
    void InputGradient(Conv2dGeometry geometry, Tensor<float> dy, Tensor<float> weights, Tensor<float> input, Activation inputActivation,
        Tensor<float> dx);

    /// <summary>
    /// weightsGrad[o,c,i,j] = Σ_b Σ_{h,w} dy[b,o,h,w] · x[b,c,h+i−1,w+j−1] + weightsBeta · weightsGrad and
    /// biasGrad[o] = Σ_b Σ_{h,w} dy[b,o,h,w] + biasBeta · biasGrad, for dy [b, Outputs], x [b, Inputs], weightsGrad
    /// [OutChannels, InChannels, 3, 3] and biasGrad [OutChannels]. A beta of 0 ignores the old contents (NaN included), as
    /// <see cref="ILGPUAE.Backend.IGemm"/>'s does: each parameter's <c>GradientBeta()</c>.
    /// </summary>
    void ParameterGradients(Conv2dGeometry geometry, Tensor<float> dy, Tensor<float> x, Tensor<float> weightsGrad, float weightsBeta,
        Tensor<float> biasGrad, float biasBeta);
}
