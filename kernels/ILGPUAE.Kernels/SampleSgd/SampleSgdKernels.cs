namespace ILGPUAE.SampleSgd;

using ILGPU;
using ILGPUAE.Activation;
using ILGPUAE.Backend;
using ILGPUAE.Delta;
using ILGPUAE.Random;

/// <summary>
/// Per-sample SGD for a whole range of examples in one launch: a persistent kernel whose groups (all
/// resident at once: one per multiprocessor) meet at a software grid barrier between the phases of each
/// example. Batch-1 SGD is a chain of small dependent products; launched one kernel per product it is
/// bound by launch latency (≈15 launches per example), here by the few microseconds of a grid barrier.
///
/// Every output is summed by one thread or one warp in a fixed order, so a run is bit-reproducible for a
/// given grid; the arithmetic is that of the launcher path at batch 1 (gradient at the current weights,
/// then W ← W − lr·∇), only the order of the float sums differs.
///
/// Work is split two ways. Row phases give each warp whole rows of W (lanes stride the row, then a
/// shuffle sum; on ILGPU's CPU accelerator, where a shuffle costs as much as a barrier, each thread
/// takes whole rows alone): products W·v and the rank-1 update of the row. Column phases give each group CW
/// columns × (groupSize / CW) row-groups (a shared-memory sum over the row-groups): products Wᵀ·v.
/// The update of a layer is deferred to the next example's row phase over that layer, so W is read
/// once per row phase for both the update and the next product (a Hogwild worker defers it to its own next
/// example's row phase).
/// </summary>
public static class SampleSgdKernels
{
    /// <summary>Largest group the kernels take (the shared-memory sum buffer).</summary>
    public const int MaxGroupSize = 1024;

    /// <summary>Largest class count of <see cref="Classifier"/> (its softmax lives in shared memory).</summary>
    public const int MaxClasses = 1024;

    /// <summary>Most layers of <see cref="Classifier"/>.</summary>
    public const int MaxLayers = 6;

    /// <summary>
    /// A software grid barrier. sync[0] counts arrivals over the whole launch (zeroed before it), so the
    /// k-th barrier is passed once it reaches k·groups. sync[1] is set when a group gave up waiting
    /// (some group was not resident): the launcher turns that into an exception instead of a hang.
    /// </summary>
    private static void GridBarrier(ArrayView<int> sync, ref int target, int spinLimit)
    {
        target += Grid.DimX;
        Group.Barrier();
        if (Group.IsFirstThread)
        {
            MemoryFence.DeviceLevel();
            Atomic.Add(ref sync[0], 1);
            var spins = 0;
            while (Atomic.CompareExchange(ref sync[0], -1, -1) < target)
            {
                if (++spins > spinLimit)
                {
                    Atomic.Exchange(ref sync[1], 1);
                    break;
                }
            }
            MemoryFence.DeviceLevel();
        }
        Group.Barrier();
    }

    /// <summary>The sum over a row's lanes (a whole warp, or one thread), returned to every lane.</summary>
    private static float RowSum(float value, int lanes) => lanes == 1 ? value : WarpSum(value);

    /// <summary>The sum over the warp's lanes, returned to every lane (a fixed shuffle tree).</summary>
    private static float WarpSum(float value)
    {
        for (var offset = Warp.WarpSize / 2; offset > 0; offset /= 2)
            value += Warp.ShuffleDown(value, offset);
        return Warp.Shuffle(value, 0);
    }

    /// <summary>
    /// Column sums of a group's CW columns: thread (r, c) holds the partial over rows r, r + R, …; returns
    /// the full sum in the threads with r = 0 (threads 0 … CW − 1). The buffer is free again on return.
    /// </summary>
    private static float GroupColumnSum(ArrayView<float> shared, float partial, int columns)
    {
        var rowGroups = Group.DimX / columns;
        if (rowGroups == 1)
            return partial;
        var tid = Group.IdxX;
        shared[tid] = partial;
        Group.Barrier();
        var sum = 0f;
        if (tid < columns)
        {
            for (var r = 0; r < rowGroups; r++)
                sum += shared[r * columns + tid];
        }
        Group.Barrier();
        return sum;
    }

    /// <summary>
    /// Element j of row <paramref name="example"/> of data [rows, width] under masking noise, as CorruptionKernels.Mask
    /// draws it: 0 where masked.
    /// </summary>
    private static float Masked(ArrayView<float> data, int width, int example, int j, ulong seed, uint stream, uint epoch, ulong threshold)
    {
        var h = CounterRng.Hash32(seed, stream, epoch, (uint)example, (uint)j);
        return h < threshold ? 0f : data[(long)example * width + j];
    }

    private static float Masked(ArrayView<float> data, int example, int j, in TiedDaeStep p) =>
        Masked(data, p.Visible, example, j, p.Seed, p.Stream, p.Epoch, p.Threshold);

    private static float Masked(ArrayView<float> data, int example, int j, in ClassifierStep p) =>
        Masked(data, p.Input, example, j, p.Seed, p.Stream, p.Epoch, p.Threshold);

    /// <summary>
    /// Where a thread works. Row phases: <see cref="Lanes"/> threads per row (a warp, or one thread), row
    /// workers taking rows FirstRow, FirstRow + RowWorkers, …. Column phases: a group takes Columns
    /// columns × RowGroups row-groups; the thread is (RowGroup, Column).
    /// </summary>
    private readonly struct WorkSplit
    {
        public WorkSplit(int lanesPerRow, int columnsPerGroup)
        {
            Lanes = lanesPerRow;
            RowWorkers = Grid.DimX * Group.DimX / lanesPerRow;
            FirstRow = (Grid.IdxX * Group.DimX + Group.IdxX) / lanesPerRow;
            Lane = Group.IdxX % lanesPerRow;
            Columns = columnsPerGroup;
            Column = Group.IdxX % columnsPerGroup;
            RowGroup = Group.IdxX / columnsPerGroup;
            RowGroups = Group.DimX / columnsPerGroup;
        }

        public int Lanes { get; }
        public int RowWorkers { get; }
        public int FirstRow { get; }
        public int Lane { get; }
        public int Columns { get; }
        public int Column { get; }
        public int RowGroup { get; }
        public int RowGroups { get; }
    }

    /// <summary>
    /// Row i of W (at <paramref name="row"/>, V = <paramref name="v"/> wide; this lane's columns lane, lane + lanes, …): the
    /// previous example's deferred update and the next example's product in one pass. δy_i = (W_i·δz)·y_i(1 − y_i) from
    /// the row as it stands, then W_i −= lr·(δy_i·x̃_prev + y_i·δz) while this lane sums the updated row against x̃_cur into
    /// <paramref name="sum"/>. Returns δy_i (every lane).
    /// </summary>
    private static float UpdateRowThenDot(ArrayView<float> w, long row, int v, int lane, int lanes, float yi, ArrayView<float> dz,
        ArrayView<float> previous, ArrayView<float> current, float lr, out float sum)
    {
        var dot = 0f;
        for (var j = lane; j < v; j += lanes)
            dot += w[row + j] * dz[j];
        var dy = RowSum(dot, lanes) * yi * (1f - yi);
        sum = 0f;
        for (var j = lane; j < v; j += lanes)
        {
            var updated = w[row + j] - lr * (dy * previous[j] + yi * dz[j]);
            w[row + j] = updated;
            sum += updated * current[j];
        }
        return dy;
    }

    /// <summary>
    /// Column j of the decoder, given a = (Wᵀ·y)_j: z_j = s(a + b_v,j), δz_j into dz, b_v,j −= lr·δz_j. Returns the element's
    /// loss against x = data[example, j].
    /// </summary>
    private static float DecodeColumn(ArrayView<float> data, int example, int j, float a, ArrayView<float> visibleBias, ArrayView<float> dz,
        in TiedDaeStep p)
    {
        var z = ActivationKernels.Sigmoid(a + visibleBias[j]);
        var x = data[(long)example * p.Visible + j];
        var delta = DeltaKernels.SigmoidOutputDelta(p.Loss, z, x);
        dz[j] = delta;
        visibleBias[j] -= p.LearningRate * delta;
        return DeltaKernels.ElementLoss(p.Loss, z, x);
    }

    /// <summary>
    /// Tied DAE, examples indices[0 … Count) in order. Per example: x̃ = mask(x); y = s(W·x̃ + b_h);
    /// z = s(Wᵀ·y + b_v); δz = ∂loss/∂(decoder input); δy = (W·δz) ⊙ y(1 − y);
    /// W −= lr·(δy·x̃ᵀ + y·δzᵀ); b_h −= lr·δy; b_v −= lr·δz; losses[s] = loss(x, z).
    /// scratch: x̃ for two examples [2, V], y [H], δz [V], the groups' loss partials [groups].
    /// </summary>
    public static void TiedDae(ArrayView<float> data, ArrayView<int> indices, ArrayView<float> w, ArrayView<float> hiddenBias,
        ArrayView<float> visibleBias, ArrayView<float> losses, ArrayView<float> scratch, ArrayView<int> sync, TiedDaeStep p)
    {
        var v = p.Visible;
        var hidden = p.Hidden;
        var lr = p.LearningRate;
        var corrupted = scratch.SubView(0, 2L * v);
        var y = scratch.SubView(2L * v, hidden);
        var dz = scratch.SubView(2L * v + hidden, v);
        var partials = scratch.SubView(3L * v + hidden, Grid.DimX);
        var shared = SharedMemory.Allocate<float>(MaxGroupSize);

        var threads = Grid.DimX * Group.DimX;
        var split = new WorkSplit(p.LanesPerRow, p.ColumnsPerGroup);
        var chunks = (v + split.Columns - 1) / split.Columns;
        var target = 0;

        for (var j = Grid.IdxX * Group.DimX + Group.IdxX; j < v; j += threads)
            corrupted[j] = Masked(data, indices[0], j, p);
        GridBarrier(sync, ref target, p.SpinLimit);

        for (var s = 0; s <= p.Count; s++)
        {
            var current = corrupted.SubView((long)(s & 1) * v, v);
            var previous = corrupted.SubView((long)((s + 1) & 1) * v, v);

            // Row phase: example s − 1's update of row i, then example s's hidden unit i.
            for (var i = split.FirstRow; i < hidden; i += split.RowWorkers)
            {
                long row = (long)i * v;
                var bias = hiddenBias[i];
                if (s > 0)
                {
                    var dy = UpdateRowThenDot(w, row, v, split.Lane, split.Lanes, y[i], dz, previous, current, lr, out var sum);
                    bias -= lr * dy;
                    var a = RowSum(sum, split.Lanes);
                    if (split.Lane == 0)
                    {
                        hiddenBias[i] = bias;
                        if (s < p.Count)
                            y[i] = ActivationKernels.Sigmoid(a + bias);
                    }
                }
                else
                {
                    var sum = 0f;
                    for (var j = split.Lane; j < v; j += split.Lanes)
                        sum += w[row + j] * current[j];
                    var a = RowSum(sum, split.Lanes);
                    if (split.Lane == 0)
                        y[i] = ActivationKernels.Sigmoid(a + bias);
                }
            }
            if (s > 0 && Grid.IdxX == 0 && Group.IsFirstThread)
            {
                var loss = 0f;
                for (var g = 0; g < Grid.DimX; g++)
                    loss += partials[g];
                losses[s - 1] = loss;
            }
            if (s == p.Count)
                break;
            GridBarrier(sync, ref target, p.SpinLimit);

            // Column phase: z = s(Wᵀ·y + b_v), δz, the loss, b_v's update and the next example's x̃.
            var example = indices[s];
            var lossSum = 0f;
            for (var chunk = Grid.IdxX; chunk < chunks; chunk += Grid.DimX)
            {
                var j = chunk * split.Columns + split.Column;
                var partial = 0f;
                if (j < v)
                {
                    for (var i = split.RowGroup; i < hidden; i += split.RowGroups)
                        partial += w[(long)i * v + j] * y[i];
                }
                var a = GroupColumnSum(shared, partial, split.Columns);
                if (split.RowGroup == 0 && j < v)
                {
                    lossSum += DecodeColumn(data, example, j, a, visibleBias, dz, p);
                    if (s + 1 < p.Count)
                        previous[j] = Masked(data, indices[s + 1], j, p);
                }
            }
            var groupLoss = Warp.WarpIdx == 0 ? WarpSum(lossSum) : 0f;
            if (Group.IsFirstThread)
                partials[Grid.IdxX] = groupLoss;
            GridBarrier(sync, ref target, p.SpinLimit);
        }
    }

    /// <summary>
    /// Hogwild tied DAE: each group is a worker that takes examples indices[g], indices[g + K], … (K = the
    /// grid's groups) and runs that example's forward, backward and update alone, on the W, b_hidden and
    /// b_visible every worker shares, with plain stores: no atomics and no grid barrier, so workers read
    /// weights that others are half-way through updating (Hogwild). Only group barriers separate an
    /// example's phases. Per example the arithmetic is <see cref="TiedDae"/>'s (and the reference's):
    /// x̃ = mask(x); y = s(W·x̃ + b_h); z = s(Wᵀ·y + b_v); δz; δy = (W·δz) ⊙ y(1 − y) at the weights before
    /// this example's update; W −= lr·(δy·x̃ᵀ + y·δzᵀ); b_h −= lr·δy; b_v −= lr·δz; losses[s] = loss(x, z).
    /// With one group it is sequential per-sample SGD.
    ///
    /// As in <see cref="TiedDae"/>, a worker defers its update for example s to its row phase for its next
    /// example s + K: there row i first gives δy_i = (W_i·δz)·y_i(1 − y_i) from the not-yet-updated row and the
    /// previous example's y_i, then one pass writes the updated row and sums it against the next example's x̃.
    /// That second pass finds the row in cache, so W crosses memory three times per example (read and written
    /// in the row phase, read in the column phase) instead of four: about a quarter less traffic. After its
    /// last example a worker runs one more row phase that only applies the pending update.
    /// Phases per example: rows (LanesPerRow threads per row of W: a warp, or one thread), then columns (a
    /// thread per column: z, δz, b_v's update, and the worker's next x̃ into the slot its previous example's x̃
    /// held, free once the row phase has applied that example's update).
    /// scratch: per worker g, at g·(3V + H): x̃ of two examples [2, V] (the worker's t-th example at (t mod 2)·V),
    /// y [H], δz [V]; y and δz of example t are read by the row phase of example t + 1 before it overwrites them.
    /// </summary>
    public static void TiedDaeHogwild(ArrayView<float> data, ArrayView<int> indices, ArrayView<float> w, ArrayView<float> hiddenBias,
        ArrayView<float> visibleBias, ArrayView<float> losses, ArrayView<float> scratch, TiedDaeStep p)
    {
        var v = p.Visible;
        var hidden = p.Hidden;
        var lr = p.LearningRate;
        var workers = Grid.DimX;
        // A worker without examples has nothing to do (the launcher starts none); it returns whole, before any barrier.
        if (Grid.IdxX >= p.Count)
            return;
        var own = (long)Grid.IdxX * (3L * v + hidden);
        var corrupted = scratch.SubView(own, 2L * v);
        var y = scratch.SubView(own + 2L * v, hidden);
        var dz = scratch.SubView(own + 2L * v + hidden, v);
        var shared = SharedMemory.Allocate<float>(MaxGroupSize);

        var tid = Group.IdxX;
        var threads = Group.DimX;
        var lanes = p.LanesPerRow;
        var lane = tid % lanes;
        var firstRow = tid / lanes;
        var rowWorkers = threads / lanes;

        // x̃ of the worker's first example; each later one is staged by the column phase of the example before it.
        for (var j = tid; j < v; j += threads)
            corrupted[j] = Masked(data, indices[Grid.IdxX], j, p);
        WorkerBarrier();

        // t counts the worker's examples; s = g + t·K is the example's place in indices, s ≥ Count the update-only pass.
        for (int s = Grid.IdxX, t = 0; ; s += workers, t++)
        {
            var forward = s < p.Count;
            var current = corrupted.SubView((long)(t & 1) * v, v);
            var previous = corrupted.SubView((long)((t + 1) & 1) * v, v);

            // Rows: the previous example's update of row i and b_h[i], then this example's y_i = s(W_i·x̃ + b_h,i) from
            // the updated row. Every lane reads y_i (the previous example's) before lane 0 overwrites it. The
            // update-only pass sums against a stale slot and drops the result, as TiedDae's last pass does.
            for (var i = firstRow; i < hidden; i += rowWorkers)
            {
                long row = (long)i * v;
                var bias = hiddenBias[i];
                var sum = 0f;
                if (t > 0)
                {
                    var dy = UpdateRowThenDot(w, row, v, lane, lanes, y[i], dz, previous, current, lr, out sum);
                    bias -= lr * dy;
                }
                else
                {
                    for (var j = lane; j < v; j += lanes)
                        sum += w[row + j] * current[j];
                }
                var a = RowSum(sum, lanes);
                if (lane == 0)
                {
                    if (t > 0)
                        hiddenBias[i] = bias;
                    if (forward)
                        y[i] = ActivationKernels.Sigmoid(a + bias);
                }
            }
            if (!forward)
                break;
            // δz is overwritten below only once every row has used the previous example's.
            WorkerBarrier();

            // Columns: z = s(Wᵀ·y + b_v), δz, the loss, b_v's update and the worker's next x̃ (into the previous slot).
            var example = indices[s];
            var next = s + workers < p.Count ? indices[s + workers] : -1;
            var lossSum = 0f;
            for (var j = tid; j < v; j += threads)
            {
                var a = 0f;
                for (var i = 0; i < hidden; i++)
                    a += w[(long)i * v + j] * y[i];
                lossSum += DecodeColumn(data, example, j, a, visibleBias, dz, p);
                if (next >= 0)
                    previous[j] = Masked(data, next, j, p);
            }
            // Its barrier also orders this phase's δz, x̃ and reads of y before the next row phase.
            var loss = WorkerSum(shared, lossSum);
            if (tid == 0)
                losses[s] = loss;
        }
    }

    /// <summary>A barrier between a Hogwild worker's phases; a one-thread worker (the CPU accelerator's) needs none.</summary>
    private static void WorkerBarrier()
    {
        if (Group.DimX > 1)
            Group.Barrier();
    }

    /// <summary>The sum of every thread's value over the group, in thread order, returned to thread 0. Ends with a barrier.</summary>
    private static float WorkerSum(ArrayView<float> shared, float value)
    {
        if (Group.DimX == 1)
            return value;
        shared[Group.IdxX] = value;
        Group.Barrier();
        var sum = 0f;
        if (Group.IsFirstThread)
        {
            for (var t = 0; t < Group.DimX; t++)
                sum += shared[t];
        }
        return sum;
    }

    /// <summary>
    /// Feed-forward classifier (sigmoid hidden layers, softmax output), examples indices[0 … Count) with
    /// classes labels[0 … Count), softmax cross-entropy. Layers below FirstTrained are frozen.
    /// Per example: forward a_l = s(W_l·a_{l−1} + b_l) (logits on top); δ_top = softmax − onehot;
    /// δ_{l−1} = (W_lᵀ·δ_l) ⊙ a_{l−1}(1 − a_{l−1}); W_l −= lr·δ_l·a_{l−1}ᵀ; b_l −= lr·δ_l; losses[s] = −log p[label].
    /// a_{−1} = x̃, the example's row masked as CorruptionKernels.Mask draws it (Threshold 0: x itself, read straight
    /// from data); the update of layer 0 uses the same x̃ as the forward.
    /// scratch: activations of two examples [2, A] and deltas [A], A = Σ outputs (each layer at its offset); then,
    /// when masked, x̃ of two examples [2, Input] (example s at (s mod 2)·Input).
    /// </summary>
    public static void Classifier(ArrayView<float> data, ArrayView<int> indices, ArrayView<int> labels, ClassifierLayerViews layers,
        ArrayView<float> losses, ArrayView<float> scratch, ArrayView<int> sync, ClassifierStep p)
    {
        var lr = p.LearningRate;
        var top = p.Layers - 1;
        var classes = p.Outputs(top);
        var total = p.ActivationLength;
        var deltas = scratch.SubView(2L * total, total);
        var shared = SharedMemory.Allocate<float>(MaxGroupSize);
        var probabilities = SharedMemory.Allocate<float>(MaxClasses);

        var split = new WorkSplit(p.LanesPerRow, p.ColumnsPerGroup);
        var target = 0;

        // Masked inputs are staged once per example, x̃ of the next example during the column phases of this one;
        // clean inputs are read from data, as if the noise did not exist.
        var masked = p.Threshold != 0;
        var threads = Grid.DimX * Group.DimX;
        var thread = Grid.IdxX * Group.DimX + Group.IdxX;
        var noisy = scratch.SubView(3L * total, masked ? 2L * p.Input : 0);
        if (masked && p.Count > 0)
        {
            for (var j = thread; j < p.Input; j += threads)
                noisy[j] = Masked(data, indices[0], j, p);
            GridBarrier(sync, ref target, p.SpinLimit);
        }

        for (var s = 0; s <= p.Count; s++)
        {
            var current = scratch.SubView((long)(s & 1) * total, total);
            var previous = scratch.SubView((long)((s + 1) & 1) * total, total);

            // Row phases, bottom up: example s − 1's update of layer l, then example s's outputs of layer l.
            for (var l = 0; l <= top; l++)
            {
                var inputs = p.Inputs(l);
                var outputs = p.Outputs(l);
                var weights = layers.Weights(l);
                var bias = layers.Bias(l);
                var layerDeltas = deltas.SubView(p.Offset(l), outputs);
                var layerOutputs = current.SubView(p.Offset(l), outputs);
                var update = s > 0 && l >= p.FirstTrained;
                // This example's input to layer l, and the previous example's (for the deferred update: δ·inputᵀ).
                ArrayView<float> input, inputBefore;
                if (l > 0)
                {
                    input = current.SubView(p.Offset(l - 1), inputs);
                    inputBefore = previous.SubView(p.Offset(l - 1), inputs);
                }
                else if (masked)
                {
                    input = noisy.SubView((long)(s & 1) * inputs, inputs);
                    inputBefore = noisy.SubView((long)((s + 1) & 1) * inputs, inputs);
                }
                else
                {
                    input = data.SubView((long)(s < p.Count ? indices[s] : 0) * inputs, inputs);
                    inputBefore = update ? data.SubView((long)indices[s - 1] * inputs, inputs) : input;
                }
                for (var i = split.FirstRow; i < outputs; i += split.RowWorkers)
                {
                    long row = (long)i * inputs;
                    var b = bias[i];
                    var sum = 0f;
                    if (update)
                    {
                        var delta = layerDeltas[i];
                        for (var j = split.Lane; j < inputs; j += split.Lanes)
                        {
                            var updated = weights[row + j] - lr * delta * inputBefore[j];
                            weights[row + j] = updated;
                            sum += updated * input[j];
                        }
                        b -= lr * delta;
                    }
                    else if (s < p.Count)
                    {
                        for (var j = split.Lane; j < inputs; j += split.Lanes)
                            sum += weights[row + j] * input[j];
                    }
                    var a = RowSum(sum, split.Lanes) + b;
                    if (split.Lane == 0)
                    {
                        if (update)
                            bias[i] = b;
                        if (s < p.Count)
                            layerOutputs[i] = l == top ? a : ActivationKernels.Sigmoid(a);
                    }
                }
                if (s < p.Count)
                    GridBarrier(sync, ref target, p.SpinLimit);
            }
            if (s == p.Count)
                break;

            // Top: every group computes the softmax (few classes) into shared memory; group 0 keeps δ_top and the loss.
            if (Group.IsFirstThread)
            {
                var logits = current.SubView(p.Offset(top), classes);
                var max = float.NegativeInfinity;
                for (var c = 0; c < classes; c++)
                    max = MathF.Max(max, logits[c]);
                var sum = 0f;
                for (var c = 0; c < classes; c++)
                {
                    var e = MathF.Exp(logits[c] - max);
                    probabilities[c] = e;
                    sum += e;
                }
                var inverse = 1f / sum;
                var label = labels[s];
                var loss = float.NaN;
                for (var c = 0; c < classes; c++)
                {
                    var probability = probabilities[c] * inverse;
                    if (c == label)
                    {
                        loss = -LossMath.ClampedLog(probability);
                        probability -= 1f;
                    }
                    probabilities[c] = probability;
                    if (Grid.IdxX == 0)
                        deltas[p.Offset(top) + c] = probability;
                }
                if (Grid.IdxX == 0)
                    losses[s] = loss;
            }
            Group.Barrier();

            // The next example's x̃, into the slot of example s − 1's, free since layer 0's row phase; the column
            // phases below end with a grid barrier before the next row phase reads it.
            if (masked && s + 1 < p.Count)
            {
                var next = noisy.SubView((long)((s + 1) & 1) * p.Input, p.Input);
                var example = indices[s + 1];
                for (var j = thread; j < p.Input; j += threads)
                    next[j] = Masked(data, example, j, p);
            }

            // Column phases, top down: δ_{l−1} from δ_l (shared memory for the top layer, global below it).
            for (var l = top; l > p.FirstTrained; l--)
            {
                var inputs = p.Inputs(l);
                var outputs = p.Outputs(l);
                var weights = layers.Weights(l);
                var below = current.SubView(p.Offset(l - 1), inputs);
                var layerDeltas = deltas.SubView(p.Offset(l), outputs);
                var belowDeltas = deltas.SubView(p.Offset(l - 1), inputs);
                var chunks = (inputs + split.Columns - 1) / split.Columns;
                for (var chunk = Grid.IdxX; chunk < chunks; chunk += Grid.DimX)
                {
                    var j = chunk * split.Columns + split.Column;
                    var partial = 0f;
                    if (j < inputs)
                    {
                        for (var i = split.RowGroup; i < outputs; i += split.RowGroups)
                            partial += weights[(long)i * inputs + j] * (l == top ? probabilities[i] : layerDeltas[i]);
                    }
                    var sum = GroupColumnSum(shared, partial, split.Columns);
                    if (split.RowGroup == 0 && j < inputs)
                    {
                        var a = below[j];
                        belowDeltas[j] = sum * a * (1f - a);
                    }
                }
                GridBarrier(sync, ref target, p.SpinLimit);
            }
            if (top == p.FirstTrained)
                GridBarrier(sync, ref target, p.SpinLimit);
        }
    }
}
