namespace ILGPUAE.Checks;

using ILGPUAE.Activation;
using ILGPUAE.Backend;
using ILGPUAE.Dropout;
using ILGPUAE.Pooling;
using ILGPUAE.Random;

/// <summary>The checks of the image-resampling and dropout families: 2×2 max-pool and upsampling forward and backward, inverted dropout.</summary>
public sealed partial class KernelChecks
{
    /// <summary>
    /// The image geometries every call checks once, whatever its sizes: channels 1, 3 and 8 on 1×1 (nothing to pool), 2×2 (one
    /// window), 5×7 (odd sides: floor mode drops the last row and column) and 28×28 (MNIST), in batches of 1 and 3 alternately (the other way round for 3 channels, so each side meets both).
    /// </summary>
    public static readonly (int Channels, int Height, int Width)[] PoolingGeometries =
    [
        .. from channels in new[] { 1, 3, 8 }
           from side in new[] { (H: 1, W: 1), (H: 2, W: 2), (H: 5, W: 7), (H: 28, W: 28) }
           select (channels, side.H, side.W),
    ];

    /// <summary>The dropout probabilities of the forward checks at each size, and the one of the backward checks.</summary>
    private const float DropoutForwardP = 0.2f, DropoutWideP = 0.5f, DropoutBackwardP = 0.3f;

    /// <summary>
    /// Per size s: max-pool and upsampling (forward and backward) of [3, 3·5·s] and [1, 8·s·7]; then once per call each of
    /// <see cref="PoolingGeometries"/>. Backward passes go through the activations in turn.
    /// </summary>
    public IEnumerable<CheckResult> Pooling(IReadOnlyList<int> sizes)
    {
        var turn = 0;
        foreach (var s in sizes)
        {
            foreach (var result in PoolingAt(3, 3, 5, s, Activations.All[turn++ % Activations.All.Count]))
                yield return result;
            foreach (var result in PoolingAt(1, 8, s, 7, Activations.All[turn++ % Activations.All.Count]))
                yield return result;
        }
        for (var i = 0; i < PoolingGeometries.Length; i++)
        {
            var (c, h, w) = PoolingGeometries[i];
            foreach (var result in PoolingAt((i + i / 4) % 2 == 0 ? 1 : 3, c, h, w, Activations.All[turn++ % Activations.All.Count]))
                yield return result;
        }
    }

    /// <summary>Per size s: dropout forward of [s, 784] at p 0.2 and of [3, 2, s] at p 0.5; backward of [s, 33] at p 0.3 through each activation.</summary>
    public IEnumerable<CheckResult> Dropouts(IReadOnlyList<int> sizes)
    {
        foreach (var s in sizes)
        {
            yield return DropoutForward(DropoutForwardP, s, 784);
            yield return DropoutForward(DropoutWideP, 3, 2, s);
            foreach (var activation in Activations.All)
                yield return DropoutBackward(DropoutBackwardP, activation, s, 33);
        }
    }

    /// <summary>The four pooling kernels on a batch of b images of C × H × W; the backward passes through <paramref name="activation"/>.</summary>
    public IEnumerable<CheckResult> PoolingAt(int b, int c, int h, int w, Backend.Activation activation)
    {
        yield return MaxPool2d(b, c, h, w);
        yield return MaxPool2dBackward(b, c, h, w, activation);
        yield return Upsample2d(b, c, h, w);
        yield return Upsample2dBackward(b, c, h, w, activation);
    }

    /// <summary>
    /// Max-pool of inputs on nine levels (−1 … 1 in quarters), so most windows hold ties and the first-maximum rule is exercised:
    /// the maxima and their indices exact.
    /// </summary>
    public CheckResult MaxPool2d(int b, int c, int h, int w)
    {
        var x = Quantized(b * c * h * w, -1, 1);
        var (ph, pw) = (h / 2, w / 2);
        using var tx = Upload(x, b, c * h * w);
        using var ty = backend.Allocate<float>(b, c * ph * pw);
        using var ta = backend.Allocate<int>(b, c * ph * pw);
        backend.Pooling.MaxPool2d(tx, c, h, w, ty, ta);
        var (y, argmax) = PoolingReference.MaxPool2d(b * c, h, w, ToDouble(x));
        backend.Synchronize();
        var size = ImageSize(b, c, h, w);
        return Worst(Compare("max pool2d", size, Download(ty), y, 0), Compare("max pool2d", size, ToFloat(ta.ToArray()), ToDouble(argmax), 0));
    }

    /// <summary>
    /// The max-pool's backward at the reference's argmax of inputs that <paramref name="activation"/> gave (on nine levels, so with
    /// ties), delta in [−1, 1]: the routed δ·act′ within the activation checks' relative tolerance, every other element exactly 0.
    /// </summary>
    public CheckResult MaxPool2dBackward(int b, int c, int h, int w, Backend.Activation activation)
    {
        var act = Activations.Of(activation);
        var x = Quantized(b * c * h * w, -2, 2).Select(a => (float)act.ApplyReference(a)).ToArray();
        var (ph, pw) = (h / 2, w / 2);
        var delta = Uniform(b * c * ph * pw, -1, 1);
        var (_, argmax) = PoolingReference.MaxPool2d(b * c, h, w, ToDouble(x));
        using var tx = Upload(x, b, c * h * w);
        using var td = Upload(delta, b, c * ph * pw);
        using var ta = backend.Allocate<int>(b, c * ph * pw);
        ta.CopyFrom(argmax);
        using var tdst = Upload(Nans(b * c * h * w), b, c * h * w);
        backend.Pooling.MaxPool2dBackward(td, ta, tx, activation, c, h, w, tdst);
        var expected = PoolingReference.MaxPool2dBackward(b * c, h, w, ToDouble(delta), argmax, ToDouble(x), activation);
        return Compare($"max pool2d backward after {activation}", ImageSize(b, c, h, w), Download(tdst), expected, 1e-7, RelativeTolerance);
    }

    /// <summary>Upsampling copies: exact.</summary>
    public CheckResult Upsample2d(int b, int c, int h, int w)
    {
        var x = Uniform(b * c * h * w, -1, 1);
        using var tx = Upload(x, b, c * h * w);
        using var ty = Upload(Nans(b * c * 4 * h * w), b, c * 4 * h * w);
        backend.Pooling.Upsample2d(tx, c, h, w, ty);
        return Compare("upsample2d", ImageSize(b, c, h, w), Download(ty), PoolingReference.Upsample2d(b * c, h, w, ToDouble(x)), 0);
    }

    /// <summary>
    /// Upsampling's backward, delta in [−1, 1] and inputs that <paramref name="activation"/> gave: a float sum of four, within
    /// 3·2⁻²⁴·4 ≈ 7e-7 of the double one, then act′ within the family's relative tolerance.
    /// </summary>
    public CheckResult Upsample2dBackward(int b, int c, int h, int w, Backend.Activation activation)
    {
        var act = Activations.Of(activation);
        var x = Uniform(b * c * h * w, -3, 3).Select(a => (float)act.ApplyReference(a)).ToArray();
        var delta = Uniform(b * c * 4 * h * w, -1, 1);
        using var tx = Upload(x, b, c * h * w);
        using var td = Upload(delta, b, c * 4 * h * w);
        using var tdst = Upload(Nans(b * c * h * w), b, c * h * w);
        backend.Pooling.Upsample2dBackward(td, tx, activation, c, h, w, tdst);
        var expected = PoolingReference.Upsample2dBackward(b * c, h, w, ToDouble(delta), ToDouble(x), activation);
        return Compare($"upsample2d backward after {activation}", ImageSize(b, c, h, w), Download(tdst), expected, 1e-6, RelativeTolerance);
    }

    /// <summary>
    /// Dropout of x with |x| in [0.25, 1] (never 0, so a kept element is never mistaken for a dropped one): which elements are kept
    /// must be the reference's exactly (the integer draws), and the kept values x·(float)(1/(1 − p)) within two roundings,
    /// 2.5e-7 relative, of x/(1 − p) in double.
    /// </summary>
    public CheckResult DropoutForward(float probability, params int[] shape)
    {
        var (m, n) = (shape[0], shape[1..].Aggregate(1, (a, b) => a * b));
        var x = AwayFromZero(m * n);
        var indices = DatasetIndices(m, 96);
        var key = new NoiseKey(seed, RngStream.Dropout, 15);
        using var tx = Upload(x, shape);
        using var ti = UploadInts(indices);
        using var tdst = Upload(Nans(m * n), shape);
        backend.Dropout.Forward(tx, ti, key, probability, tdst);
        var actual = Download(tdst);
        var kept = ToFloat([.. actual.Select(v => v != 0f ? 1 : 0)]);
        var size = $"[{string.Join(", ", shape)}]";
        var name = $"dropout p={probability}";
        return Worst(Compare(name, size, kept, ToDouble(DropoutReference.Mask(m, n, indices, key, probability)), 0),
            Compare(name, size, actual, DropoutReference.Forward(m, n, ToDouble(x), indices, key, probability), 1e-30, 2.5e-7));
    }

    /// <summary>Dropout's backward through <paramref name="activation"/>'s derivative at inputs it gave: 0 where dropped, δ·scale·act′ within the family's tolerance.</summary>
    public CheckResult DropoutBackward(float probability, Backend.Activation activation, params int[] shape)
    {
        var (m, n) = (shape[0], shape[1..].Aggregate(1, (a, b) => a * b));
        var act = Activations.Of(activation);
        var delta = AwayFromZero(m * n);
        var input = Uniform(m * n, -3, 3).Select(a => (float)act.ApplyReference(a)).ToArray();
        var indices = DatasetIndices(m, 97);
        var key = new NoiseKey(seed, RngStream.Dropout, 16);
        using var td = Upload(delta, shape);
        using var tin = Upload(input, shape);
        using var ti = UploadInts(indices);
        using var tdst = Upload(Nans(m * n), shape);
        backend.Dropout.Backward(td, tin, activation, ti, key, probability, tdst);
        var expected = DropoutReference.Backward(m, n, ToDouble(delta), ToDouble(input), activation, indices, key, probability);
        return Compare($"dropout backward p={probability} after {activation}", $"[{string.Join(", ", shape)}]", Download(tdst), expected, 1e-7,
            RelativeTolerance);
    }

    private static string ImageSize(int b, int c, int h, int w) => $"b={b} C={c} H={h} W={w}";

    /// <summary>count values on the grid low, low + 0.25, …, high.</summary>
    private float[] Quantized(int count, float low, float high) =>
        [.. Uniform(count, low, high).Select(v => Math.Clamp(MathF.Round(v * 4f) / 4f, low, high))];

    /// <summary>count values of magnitude in [0.25, 1] and either sign.</summary>
    private float[] AwayFromZero(int count) => [.. Uniform(count, -1, 1).Select(u => MathF.CopySign(0.25f + 0.75f * MathF.Abs(u), u))];
}
