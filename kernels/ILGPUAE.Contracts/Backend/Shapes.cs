namespace ILGPUAE.Backend;

using System.Runtime.CompilerServices;

/// <summary>Shape checks shared by every backend's launchers: they throw with the shapes in the message.</summary>
public static partial class Shapes
{
    /// <summary>The [M,K], [K,N], [M,N] sizes of a product, checked against c's shape.</summary>
    public static (int M, int N, int K) Gemm(Transpose transA, Transpose transB, Tensor<float> a, Tensor<float> b, Tensor<float> c)
    {
        RequireRank2(a, "a");
        RequireRank2(b, "b");
        RequireRank2(c, "c");
        var (m, ka) = transA == Transpose.None ? (a.Shape[0], a.Shape[1]) : (a.Shape[1], a.Shape[0]);
        var (kb, n) = transB == Transpose.None ? (b.Shape[0], b.Shape[1]) : (b.Shape[1], b.Shape[0]);
        if (ka != kb || c.Shape[0] != m || c.Shape[1] != n)
            throw new ArgumentException(
                $"gemm shapes do not agree: op(a) = {transA} {a.Shape}, op(b) = {transB} {b.Shape}, c = {c.Shape}");
        return (m, n, ka);
    }

    /// <summary>An epilogue's operand for c [M,N]: a bias [N], or an activation output [M,N]; never c itself.</summary>
    public static void Epilogue(GemmEpilogue epilogue, Tensor<float> c)
    {
        if (epilogue.Kind == GemmEpilogueKind.None)
            return;
        if (!Enum.IsDefined(epilogue.Activation))
            throw new ArgumentOutOfRangeException(nameof(epilogue), epilogue.Activation, $"gemm epilogue {epilogue.Kind}: no such activation");
        var operand = epilogue.Operand ?? throw new ArgumentException($"gemm epilogue {epilogue.Kind} needs an operand", nameof(epilogue));
        if (epilogue.Kind == GemmEpilogueKind.BiasActivate)
            RequireLength(operand, "bias", c.Shape[1], $"one per column of c {c.Shape}");
        else if (epilogue.Kind == GemmEpilogueKind.ActivationBackward)
            RequireSame(operand, "y", c, "c");
        else
            throw new ArgumentOutOfRangeException(nameof(epilogue), epilogue.Kind, null);
    }

    /// <summary>
    /// A batched product (<see cref="IGemm.GemmBatched"/>): sizes and count not negative, strides not negative, each operand's last
    /// item inside its tensor, c's items apart, and the epilogue's operand (a bias [N] or y [M,N] per item) inside its tensor.
    /// </summary>
    public static void GemmBatched(int m, int n, int k, Tensor<float> a, Tensor<float> b, Tensor<float> c, GemmEpilogue epilogue, GemmBatch batch)
    {
        if (m < 0 || n < 0 || k < 0 || batch.Count < 0)
            throw new ArgumentException($"gemm batched: M = {m}, N = {n}, K = {k}, count = {batch.Count} must not be negative");
        RequireItems(a, "a", m, k, batch.StrideA, batch.Count);
        RequireItems(b, "b", k, n, batch.StrideB, batch.Count);
        RequireItems(c, "c", m, n, batch.StrideC, batch.Count);
        if (batch.Count > 1 && m * n > 0 && batch.StrideC < (long)m * n)
            throw new ArgumentException($"gemm batched: c's items [{m},{n}] overlap at stride {batch.StrideC}", nameof(c));
        if (epilogue.Kind == GemmEpilogueKind.None)
            return;
        if (!Enum.IsDefined(epilogue.Activation))
            throw new ArgumentOutOfRangeException(nameof(epilogue), epilogue.Activation, $"gemm epilogue {epilogue.Kind}: no such activation");
        var operand = epilogue.Operand ?? throw new ArgumentException($"gemm epilogue {epilogue.Kind} needs an operand", nameof(epilogue));
        if (epilogue.Kind == GemmEpilogueKind.BiasActivate)
            RequireItems(operand, "bias", 1, n, batch.StrideOperand, batch.Count, vector: true);
        else if (epilogue.Kind == GemmEpilogueKind.ActivationBackward)
            RequireItems(operand, "y", m, n, batch.StrideOperand, batch.Count);
        else
            throw new ArgumentOutOfRangeException(nameof(epilogue), epilogue.Kind, null);
    }

    /// <summary>
    /// count items of rows × cols elements (a vector of cols when <paramref name="vector"/>), item i at i·stride, all inside t. The
    /// item's shape is spelled only in the error: a check that passes allocates nothing.
    /// </summary>
    private static void RequireItems(Tensor<float> t, string name, int rows, int cols, long stride, int count, bool vector = false)
    {
        var itemLength = (long)rows * cols;
        if (stride < 0)
            throw new ArgumentException($"gemm batched: {name}'s stride {stride} is negative", name);
        if (count > 0 && itemLength > 0 && (count - 1) * stride + itemLength > t.Length)
            throw new ArgumentException(
                $"gemm batched: {name} {t.Shape} has {t.Length} elements; {count} items {(vector ? $"[{cols}]" : $"[{rows},{cols}]")} at stride {stride} need {(count - 1) * stride + itemLength}", name);
    }

    /// <summary>a [M,N], sums [N].</summary>
    public static void ColumnSums(Tensor<float> a, Tensor<float> sums)
    {
        RequireRank2(a, "a");
        RequireLength(sums, "sums", a.Shape[1], $"one per column of a {a.Shape}");
    }

    /// <summary>x [M,N], bias [N].</summary>
    public static void BiasActivate(Tensor<float> x, Tensor<float> bias)
    {
        RequireRank2(x, "x");
        RequireLength(bias, "bias", x.Shape[1], $"one per column of x {x.Shape}");
    }

    /// <summary>z, x, delta [M, …] of one shape (any rank ≥ 2: a row is everything after the first dimension), losses [M].</summary>
    public static void OutputDelta(Tensor<float> z, Tensor<float> x, Tensor<float> delta, Tensor<float> losses)
    {
        RequireRows(z, "z");
        RequireSame(z, "z", x, "x");
        RequireSame(z, "z", delta, "delta");
        RequireLength(losses, "losses", z.Shape[0], $"one per row of z {z.Shape}");
    }

    /// <summary>z [R, …] and x [B, …] with rows of one shape and R a multiple of B (B ≥ 1 where R ≥ 1), losses [R].</summary>
    public static void OutputLosses(Tensor<float> z, Tensor<float> x, Tensor<float> losses)
    {
        RequireRows(z, "z");
        RequireRows(x, "x");
        if (z.Length / Math.Max(1, z.Shape[0]) != x.Length / Math.Max(1, x.Shape[0]) || z.Shape.Rank != x.Shape.Rank
            || (z.Shape[0] > 0 && (x.Shape[0] == 0 || z.Shape[0] % x.Shape[0] != 0)))
            throw new ArgumentException($"output losses: z {z.Shape} must be whole copies of x {x.Shape}'s rows (rows of one shape, a multiple of its count)");
        RequireLength(losses, "losses", z.Shape[0], $"one per row of z {z.Shape}");
    }

    /// <summary>y, delta, inputDelta [M, …] of one shape (any rank ≥ 2), losses [M], and a defined activation.</summary>
    public static void ActivityL1(Tensor<float> y, Tensor<float> delta, Activation inputActivation, Tensor<float> inputDelta, Tensor<float> losses)
    {
        RequireRows(y, "y");
        RequireSame(y, "y", delta, "delta");
        RequireSame(y, "y", inputDelta, "inputDelta");
        RequireLength(losses, "losses", y.Shape[0], $"one per row of y {y.Shape}");
        if (!Enum.IsDefined(inputActivation))
            throw new ArgumentOutOfRangeException(nameof(inputActivation), inputActivation, "activity L1: no such activation");
    }

    /// <summary>h, delta, preDelta [M,N]; weights, weightsGrad [N,K]; rowNorms [N]; losses [M].</summary>
    public static void ContractiveSigmoid(Tensor<float> h, Tensor<float> delta, Tensor<float> weights, Tensor<float> preDelta,
        Tensor<float> weightsGrad, Tensor<float> rowNorms, Tensor<float> losses)
    {
        RequireRank2(h, "h");
        RequireSame(h, "h", delta, "delta");
        RequireSame(h, "h", preDelta, "preDelta");
        RequireRank2(weights, "weights");
        RequireSame(weights, "weights", weightsGrad, "weightsGrad");
        if (weights.Shape[0] != h.Shape[1])
            throw new ArgumentException($"contractive: weights {weights.Shape} need one row per column of h {h.Shape}", nameof(weights));
        RequireLength(rowNorms, "rowNorms", h.Shape[1], $"one per column of h {h.Shape}");
        RequireLength(losses, "losses", h.Shape[0], $"one per row of h {h.Shape}");
    }

    /// <summary>y, delta, inputDelta [M,N]; meanActivation [N]; losses [M]; a defined activation.</summary>
    public static void KlSparsity(Tensor<float> y, Tensor<float> delta, Tensor<float> meanActivation, Activation inputActivation,
        Tensor<float> inputDelta, Tensor<float> losses)
    {
        RequireRank2(y, "y");
        RequireSame(y, "y", delta, "delta");
        RequireSame(y, "y", inputDelta, "inputDelta");
        RequireLength(meanActivation, "meanActivation", y.Shape[1], $"one per column of y {y.Shape}");
        RequireLength(losses, "losses", y.Shape[0], $"one per row of y {y.Shape}");
        if (!Enum.IsDefined(inputActivation))
            throw new ArgumentOutOfRangeException(nameof(inputActivation), inputActivation, "KL sparsity: no such activation");
    }

    /// <summary>W [H,V], b_hidden [H], b_visible [V], data [rows, V], indices [n], losses [n].</summary>
    public static void SampleSgdDae(TiedDaeParameters model, Tensor<float> data, Tensor<int> indices, Tensor<float> losses)
    {
        RequireRank2(model.Weights, "W");
        RequireRank2(data, "data");
        var (hidden, visible) = (model.Weights.Shape[0], model.Weights.Shape[1]);
        RequireLength(model.HiddenBias, "b_hidden", hidden, $"one per row of W {model.Weights.Shape}");
        RequireLength(model.VisibleBias, "b_visible", visible, $"one per column of W {model.Weights.Shape}");
        if (data.Shape[1] != visible)
            throw new ArgumentException($"data {data.Shape} has {data.Shape[1]} columns; W {model.Weights.Shape} takes {visible}", nameof(data));
        RequireLength(losses, "losses", indices.Length, $"one per index of indices {indices.Shape}");
    }

    /// <summary>layers chained [out_l, in_l] with in_l = out_{l−1}, biases [out_l], data [rows, in_0], indices, labels and losses [n].</summary>
    public static void SampleSgdClassifier(IReadOnlyList<DenseParameters> layers, int firstTrained, Tensor<float> data, Tensor<int> indices,
        Tensor<int> labels, Tensor<float> losses)
    {
        if (layers.Count == 0)
            throw new ArgumentException("a classifier needs at least one layer", nameof(layers));
        if (firstTrained < 0 || firstTrained >= layers.Count)
            throw new ArgumentOutOfRangeException(nameof(firstTrained), firstTrained, $"expected a layer index in [0, {layers.Count})");
        RequireRank2(data, "data");
        var inputs = data.Shape[1];
        for (var l = 0; l < layers.Count; l++)
        {
            var (w, b) = (layers[l].Weights, layers[l].Bias);
            RequireRank2(w, $"layer {l} weights");
            if (w.Shape[1] != inputs)
                throw new ArgumentException($"layer {l} weights {w.Shape} take {w.Shape[1]} inputs; the layer below gives {inputs}", nameof(layers));
            RequireLength(b, $"layer {l} bias", w.Shape[0], $"one per row of its weights {w.Shape}");
            inputs = w.Shape[0];
        }
        RequireLength(labels, "labels", indices.Length, $"one per index of indices {indices.Shape}");
        RequireLength(losses, "losses", indices.Length, $"one per index of indices {indices.Shape}");
    }

    /// <summary>data [rows, …], indices [M], destination [M, …], with rows of one length (any rank ≥ 2).</summary>
    public static void Gather(Tensor<float> data, Tensor<int> indices, Tensor<float> destination)
    {
        RequireRows(data, "data");
        RequireRows(destination, "destination");
        RequireLength(indices, "indices", destination.Shape[0], $"one per row of destination {destination.Shape}");
        if (data.RowLength != destination.RowLength)
            throw new ArgumentException($"data {data.Shape} and destination {destination.Shape} must have the same row length");
    }

    /// <summary>data [rows, …], indices [M], clean and masked [M, …] of one shape.</summary>
    public static void GatherMask(Tensor<float> data, Tensor<int> indices, Tensor<float> clean, Tensor<float> masked)
    {
        Gather(data, indices, clean);
        RequireSame(clean, "clean", masked, "masked");
    }

    /// <summary>data [rows, …], indices [M], clean and corrupted [M, …] of one shape.</summary>
    public static void GatherCorrupt(Tensor<float> data, Tensor<int> indices, Tensor<float> clean, Tensor<float> corrupted)
    {
        Gather(data, indices, clean);
        RequireSame(clean, "clean", corrupted, "corrupted");
    }

    /// <summary>x, destination [M, …] of one shape (any rank ≥ 2), indices [M].</summary>
    public static void Mask(Tensor<float> x, Tensor<int> indices, Tensor<float> destination)
    {
        RequireRows(x, "x");
        RequireSame(x, "x", destination, "destination");
        RequireLength(indices, "indices", x.Shape[0], $"one per row of x {x.Shape}");
    }

    /// <summary>delta, destination [M, …] of one shape (any rank ≥ 2), indices [M]: the gradient through a corruption.</summary>
    public static void CorruptBackward(Tensor<float> delta, Tensor<int> indices, Tensor<float> destination)
    {
        RequireRows(delta, "delta");
        RequireSame(delta, "delta", destination, "destination");
        RequireLength(indices, "indices", delta.Shape[0], $"one per row of delta {delta.Shape}");
    }

    /// <summary>delta, input and destination of one shape [M, …]; indices [M]; a defined activation.</summary>
    public static void CorruptBackward(Tensor<float> delta, Tensor<float> input, Activation inputActivation, Tensor<int> indices, Tensor<float> destination)
    {
        CorruptBackward(delta, indices, destination);
        RequireSame(delta, "delta", input, "input");
        if (!Enum.IsDefined(inputActivation))
            throw new ArgumentOutOfRangeException(nameof(inputActivation), inputActivation, "corruption backward: no such activation");
    }

    /// <summary>param, grad, and (with momentum) velocity of one shape.</summary>
    public static void Sgd(Tensor<float> param, Tensor<float> grad, Tensor<float>? velocity, float momentum)
    {
        RequireSame(param, "param", grad, "grad");
        if (momentum == 0f)
            return;
        if (velocity is null)
            throw new ArgumentException($"momentum {momentum} needs a velocity tensor of shape {param.Shape}", nameof(velocity));
        RequireSame(param, "param", velocity, "velocity");
    }

    /// <summary>A batch of rows: rank 2 or more, where row m is everything under t[m] (e.g. an image [C, H, W]).</summary>
    public static void RequireRows<T>(Tensor<T> t, string name) where T : unmanaged
    {
        if (t.Shape.Rank < 2)
            throw new ArgumentException($"{name} must have a row per example (rank 2 to {TensorShape.MaxRank}), got shape {t.Shape}", name);
    }

    public static void RequireRank2<T>(Tensor<T> t, string name) where T : unmanaged
    {
        if (t.Shape.Rank != 2)
            throw new ArgumentException($"{name} must be a matrix, got shape {t.Shape}", name);
    }

    /// <summary>A matrix of class scores [M,C] needs at least one class.</summary>
    public static void RequireClassMatrix(Tensor<float> t, string name)
    {
        RequireRank2(t, name);
        if (t.Shape[1] < 1)
            throw new ArgumentException($"{name} has shape {t.Shape}; expected [examples, classes] with at least one class", name);
    }

    public static void RequireSame<T, U>(Tensor<T> a, string nameA, Tensor<U> b, string nameB)
        where T : unmanaged where U : unmanaged
    {
        if (!a.Shape.Equals(b.Shape))
            throw new ArgumentException($"{nameA} {a.Shape} and {nameB} {b.Shape} must have the same shape");
    }

    /// <param name="what">Formatted only when the check fails: launchers call this every step, and a step allocates nothing.</param>
    public static void RequireLength<T>(Tensor<T> t, string name, int length,
        [InterpolatedStringHandlerArgument("t", "length")] LengthMessage<T> what) where T : unmanaged
    {
        if (t.Length != length)
            throw new ArgumentException($"{name} has shape {t.Shape}, expected {length} elements ({what.ToStringAndClear()})", name);
    }

    /// <summary>An interpolated message that is built only when the tensor's length is wrong.</summary>
    [InterpolatedStringHandler]
    public ref struct LengthMessage<T> where T : unmanaged
    {
        private DefaultInterpolatedStringHandler inner;

        public LengthMessage(int literalLength, int formattedCount, Tensor<T> t, int length, out bool wrong)
        {
            wrong = t.Length != length;
            inner = wrong ? new DefaultInterpolatedStringHandler(literalLength, formattedCount) : default;
        }

        public void AppendLiteral(string value) => inner.AppendLiteral(value);

        public void AppendFormatted<TValue>(TValue value) => inner.AppendFormatted(value);

        public string ToStringAndClear() => inner.ToStringAndClear();
    }
}
