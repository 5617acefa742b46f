namespace ILGPUAE.Bench.Baselines;

using ILGPUAE.Backend;

/// <summary>
/// Benchmark baseline only, never used by the engine: the 3×3 convolution as im2col onto the existing GEMM, built from the backend's
/// own kernels. A gather (with a table of source indices made here, once) lays the columns [b·H·W, Cin·9] out of x, reading a zero
/// appended after the batch for every tap outside the image; one product with the bias + activation epilogue gives y in NHWC
/// [b·H·W, Cout]; a second gather puts it in NCHW. The parameter gradients gather δ into NHWC and take ∂W = δᵀ·columns [Cout, Cin·9]
/// and ∂bias as its column sums. What the direct kernels (<see cref="IConv2d"/>) are measured against.
/// </summary>
public sealed class Im2colConv2dBaseline : IDisposable
{
    private readonly IBackend backend;
    private readonly Conv2dGeometry g;
    private readonly Tensor<float> padded, columns, nhwc, columnMatrix, nhwcFlat;
    private readonly Tensor<int> columnSources, toNchw, toNhwc;

    public Im2colConv2dBaseline(IBackend backend, Conv2dGeometry geometry, int batch)
    {
        this.backend = backend;
        g = geometry;
        var (hw, k) = (g.Pixels, g.InChannels * Conv2dGeometry.Taps);
        var zero = batch * g.Inputs;
        padded = backend.Allocate<float>(zero + 1, 1);
        Input = padded.View(0, batch, g.Inputs);
        var sources = new int[batch * hw * k];
        for (var b = 0; b < batch; b++)
            for (var p = 0; p < hw; p++)
                for (var c = 0; c < g.InChannels; c++)
                    for (var t = 0; t < Conv2dGeometry.Taps; t++)
                    {
                        var (h, w) = (p / g.Width + t / 3 - 1, p % g.Width + t % 3 - 1);
                        var inside = h >= 0 && h < g.Height && w >= 0 && w < g.Width;
                        sources[(b * hw + p) * k + c * Conv2dGeometry.Taps + t] = inside ? b * g.Inputs + (c * g.Height + h) * g.Width + w : zero;
                    }
        columnSources = Upload(sources);
        var nchw = new int[batch * g.Outputs];
        var nhwcOrder = new int[batch * g.Outputs];
        for (var b = 0; b < batch; b++)
            for (var o = 0; o < g.OutChannels; o++)
                for (var p = 0; p < hw; p++)
                {
                    nchw[b * g.Outputs + o * hw + p] = (b * hw + p) * g.OutChannels + o;
                    nhwcOrder[(b * hw + p) * g.OutChannels + o] = b * g.Outputs + o * hw + p;
                }
        toNchw = Upload(nchw);
        toNhwc = Upload(nhwcOrder);
        columns = backend.Allocate<float>(batch * hw * k, 1);
        columnMatrix = columns.Reshape(batch * hw, k);
        nhwc = backend.Allocate<float>(batch * hw, g.OutChannels);
        nhwcFlat = nhwc.Reshape(batch * g.Outputs, 1);
    }

    /// <summary>x [b, Cin·H·W]: where the caller puts the batch (a view of the padded input).</summary>
    public Tensor<float> Input { get; }

    /// <summary>y [b, Cout·H·W] = act(<see cref="Input"/> ⊛ W + bias), W [Cout, Cin, 3, 3].</summary>
    public void Forward(Tensor<float> weights, Tensor<float> bias, Activation activation, Tensor<float> y)
    {
        backend.Corruption.Gather(padded, columnSources, columns);
        backend.Gemm.Gemm(Transpose.None, Transpose.Transposed, 1f, columnMatrix, weights.Reshape(g.OutChannels, g.InChannels * Conv2dGeometry.Taps), 0f, nhwc,
            GemmEpilogue.BiasActivate(bias, activation));
        backend.Corruption.Gather(nhwcFlat, toNchw, y.Reshape(y.Length, 1));
    }

    /// <summary>
    /// The forward product alone, on columns already laid out: what any im2col convolution pays at the least, however fast its
    /// column build (this one's gathers move one value per row).
    /// </summary>
    public void ForwardProductOnly(Tensor<float> weights, Tensor<float> bias, Activation activation) =>
        backend.Gemm.Gemm(Transpose.None, Transpose.Transposed, 1f, columnMatrix, weights.Reshape(g.OutChannels, g.InChannels * Conv2dGeometry.Taps), 0f, nhwc,
            GemmEpilogue.BiasActivate(bias, activation));

    /// <summary>weightsGrad [Cout, Cin, 3, 3] and biasGrad [Cout] (beta 0) from δ [b, Cout·H·W] and <see cref="Input"/>.</summary>
    public void ParameterGradients(Tensor<float> dy, Tensor<float> weightsGrad, Tensor<float> biasGrad)
    {
        backend.Corruption.Gather(padded, columnSources, columns);
        backend.Corruption.Gather(dy.Reshape(dy.Length, 1), toNhwc, nhwcFlat);
        backend.Gemm.Gemm(Transpose.Transposed, Transpose.None, 1f, nhwc, columnMatrix, 0f,
            weightsGrad.Reshape(g.OutChannels, g.InChannels * Conv2dGeometry.Taps));
        backend.Gemm.ColumnSums(1f, nhwc, 0f, biasGrad);
    }

    private Tensor<int> Upload(int[] values)
    {
        var t = backend.Allocate<int>(values.Length);
        t.CopyFrom(values);
        return t;
    }

    public void Dispose()
    {
        foreach (var t in new[] { padded, columns, nhwc })
            t.Dispose();
        foreach (var t in new[] { columnSources, toNchw, toNhwc })
            t.Dispose();
    }
}
