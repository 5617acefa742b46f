namespace ILGPUAE.Backend;

using ILGPUAE.Random;

/// <summary>
/// 2×2 resampling of image batches (Pooling family): max-pool with stride 2 and nearest-neighbour 2× upsampling, forward and
/// backward. A batch is a tensor [b, …] whose rows are images of <c>channels</c> planes of <c>height</c> × <c>width</c> pixels,
/// C-major (NCHW) as PyTorch flattens them: element (c, h, w) of a row is at c·H·W + h·W + w. Both ops move values within a
/// plane and never across planes or rows, so they share one geometry and one family; a convolution is another family.
/// </summary>
public interface IPooling
{
    /// <summary>
    /// y[m, c, i, j] = max over the window x[m, c, 2i … 2i+1, 2j … 2j+1] for x [b, C·H·W] and y, argmax [b, C·⌊H/2⌋·⌊W/2⌋]
    /// (PyTorch's floor mode: an odd last row or column is dropped); argmax holds the winner's index within its plane, h·W + w,
    /// as torch's max_pool2d(return_indices=True). Ties go to the first maximum in row-major window order ((0,0), (0,1), (1,0),
    /// (1,1)); a NaN beats every number (the first NaN of the window wins), so NaN propagates as in PyTorch.
    /// </summary>
    void MaxPool2d(Tensor<float> x, int channels, int height, int width, Tensor<float> y, Tensor<int> argmax);

    /// <summary>
    /// The gradient through <see cref="MaxPool2d"/>: inputDelta[m, c, h, w] = delta[m, c, h/2, w/2]·act′ written through
    /// input[m, c, h, w] where argmax of that window is h·W + w, else 0 (the other three of each window, and a dropped odd
    /// row or column). input [b, C·H·W] is the pool's input (the outputs of the module below, whose activation is
    /// <paramref name="inputActivation"/>); delta and argmax [b, C·⌊H/2⌋·⌊W/2⌋]; inputDelta [b, C·H·W], which may be input.
    /// </summary>
    void MaxPool2dBackward(Tensor<float> delta, Tensor<int> argmax, Tensor<float> input, Activation inputActivation, int channels, int height,
        int width, Tensor<float> inputDelta);

    /// <summary>y[m, c, i, j] = x[m, c, i/2, j/2] for x [b, C·H·W] and y [b, C·2H·2W]: each pixel repeated into a 2×2 block.</summary>
    void Upsample2d(Tensor<float> x, int channels, int height, int width, Tensor<float> y);

    /// <summary>
    /// The gradient through <see cref="Upsample2d"/>: inputDelta[m, c, h, w] = (the sum of delta's 2×2 block over (2h, 2w),
    /// added in row-major order)·act′ written through input[m, c, h, w]; delta [b, C·2H·2W], input and inputDelta [b, C·H·W]
    /// (inputDelta may be input).
    /// </summary>
    void Upsample2dBackward(Tensor<float> delta, Tensor<float> input, Activation inputActivation, int channels, int height, int width,
        Tensor<float> inputDelta);
}

/// <summary>
/// Inverted dropout (Dropout family). Element (m, j) is dropped where
/// <c>CounterRng.Hash32(key.Seed, key.Stream, key.Epoch, indices[m], j) &lt; CounterRng.BernoulliThreshold(probability)</c> — the very
/// mask <see cref="ICorruption.Mask"/> draws at the same key and probability — and kept ones are scaled by
/// <c>scale = (float)(1 / (1 − probability))</c> (taken in double, rounded once), so the expected value of an element is unchanged.
/// indices[m] is the dataset index of row m, so the mask does not depend on the batch or the backend. probability is in [0, 1).
/// </summary>
public interface IDropout
{
    /// <summary>destination[m,j] = 0 where dropped, else x[m,j]·scale; x and destination [M, …] of one shape, indices [M]; destination may be x.</summary>
    void Forward(Tensor<float> x, Tensor<int> indices, NoiseKey key, float probability, Tensor<float> destination);

    /// <summary>
    /// destination[m,j] = 0 where dropped, else act′ of (delta[m,j]·scale) written through input[m,j]
    /// (<c>IActivation.Backward(delta·scale, input)</c>), input the dropout's input (the outputs of the module below, whose
    /// activation is <paramref name="inputActivation"/>). delta, input and destination of one shape; destination may be delta or input.
    /// </summary>
    void Backward(Tensor<float> delta, Tensor<float> input, Activation inputActivation, Tensor<int> indices, NoiseKey key, float probability,
        Tensor<float> destination);
}
