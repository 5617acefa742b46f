namespace ILGPUAE.Backend;

using ILGPUAE.Random;

/// <summary>Whether a matrix operand is used as stored or transposed.</summary>
public enum Transpose
{
    None,
    Transposed,
}

/// <summary>
/// An element-wise activation: the typed runtime selector of the public API. Each value has a struct that holds the
/// function, its derivative and its double reference (ILGPUAE.Activation.IActivation); launchers map a value to its
/// struct once, through ILGPUAE.Activation.Activations.Visit. Append new values: their numbers index launchers' caches.
/// </summary>
public enum Activation
{
    /// <summary>a.</summary>
    Identity,

    /// <summary>1 / (1 + e^−a).</summary>
    Sigmoid,

    /// <summary>tanh a.</summary>
    Tanh,

    /// <summary>max(a, 0).</summary>
    Relu,
}

/// <summary>Per-example reconstruction loss, summed over the visible units.</summary>
public enum LossKind
{
    /// <summary>½‖x − z‖².</summary>
    SquaredError,

    /// <summary>−Σ [x log z + (1−x) log(1−z)], each log clamped below at −100 as PyTorch's BCELoss does.</summary>
    CrossEntropy,
}

/// <summary>What a GEMM does to each element of its product before storing it (see <see cref="GemmEpilogue"/>).</summary>
public enum GemmEpilogueKind
{
    /// <summary>c = p, where p = alpha·op(a)·op(b) + beta·c.</summary>
    None,

    /// <summary>c[i,j] = act(p[i,j] + bias[j]): a layer's forward pass (the operand is the bias [N]).</summary>
    BiasActivate,

    /// <summary>c[i,j] = p[i,j] · act′ written through the activation's output y[i,j]: a hidden delta (the operand is y [M,N]).</summary>
    ActivationBackward,
}

/// <summary>
/// The element-wise step a GEMM applies after the product and before the one store of c, so an activation
/// makes one trip through memory. <see cref="Operand"/> must not alias c.
/// </summary>
public readonly record struct GemmEpilogue(GemmEpilogueKind Kind, Activation Activation, Tensor<float>? Operand)
{
    public static GemmEpilogue None => default;

    /// <summary>c = act(alpha·op(a)·op(b) + beta·c + bias[N]).</summary>
    public static GemmEpilogue BiasActivate(Tensor<float> bias, Activation activation) => new(GemmEpilogueKind.BiasActivate, activation, bias);

    /// <summary>c = (alpha·op(a)·op(b) + beta·c) ⊙ act′(y), y [M,N] the activation's output.</summary>
    public static GemmEpilogue ActivationBackward(Tensor<float> y, Activation activation) => new(GemmEpilogueKind.ActivationBackward, activation, y);

    /// <summary>Whether the epilogue leaves the product as it is (none, or the derivative of the identity).</summary>
    public bool IsIdentity => Kind == GemmEpilogueKind.None || (Kind == GemmEpilogueKind.ActivationBackward && Activation == Activation.Identity);
}

/// <summary>
/// Where the items of a batched product lie (<see cref="IGemm.GemmBatched"/>): item i of an operand is the matrix that starts
/// i·stride elements after the tensor's first element. Stride 0 gives every item the same operand (the shared minibatch of a
/// population's encode); c's items must not overlap. <see cref="StrideOperand"/> steps the epilogue's operand (a bias [N] or
/// y [M,N] per item).
/// </summary>
public readonly record struct GemmBatch(int Count, long StrideA, long StrideB, long StrideC, long StrideOperand = 0);

/// <summary>Matrix products (MatVec family). Every matrix is row-major.</summary>
public interface IGemm
{
    /// <summary>
    /// c[M,N] = alpha · op(a) · op(b) + beta · c, where op(a) is [M,K] and op(b) is [K,N].
    /// a is stored [M,K] (<see cref="Transpose.None"/>) or [K,M]; b is stored [K,N] or [N,K].
    /// With beta = 0 the old contents of c are ignored (NaN included).
    /// </summary>
    void Gemm(Transpose transA, Transpose transB, float alpha, Tensor<float> a, Tensor<float> b, float beta, Tensor<float> c);

    /// <summary>
    /// The same product with <paramref name="epilogue"/> applied to each element before c is stored: e.g.
    /// c = sigmoid(alpha·op(a)·op(b) + beta·c + bias[N]) in one launch on an ILGPU backend.
    /// </summary>
    void Gemm(Transpose transA, Transpose transB, float alpha, Tensor<float> a, Tensor<float> b, float beta, Tensor<float> c, GemmEpilogue epilogue);

    /// <summary>
    /// sums[N] = alpha · Σ_m a[m, n] + beta · sums for a [M,N]: bias gradients (alpha 1, beta 0), or a plain-SGD bias
    /// update straight from the deltas (alpha −lr, beta 1). beta = 0 ignores old contents.
    /// </summary>
    void ColumnSums(float alpha, Tensor<float> a, float beta, Tensor<float> sums);

    /// <summary>
    /// Two column sums in one launch (a layer pair's bias gradients or updates): sums[N] = alpha · Σ_m a[m, n] + beta · sums
    /// for a [M,N] and sums2[N2] = alpha · Σ_m a2[m, n] + beta · sums2 for a2 [M2,N2].
    /// </summary>
    void ColumnSums(float alpha, Tensor<float> a, Tensor<float> a2, float beta, Tensor<float> sums, Tensor<float> sums2);

    /// <summary>
    /// batch.Count products of one shape: c_i[M,N] = epilogue_i(alpha · op(a_i) · op(b_i) + beta · c_i), x_i the item of x
    /// <see cref="GemmBatch"/> places (a_i stored [M,K] or [K,M], b_i [K,N] or [N,K], each row-major and contiguous), the
    /// epilogue's operand stepped by batch.StrideOperand. The tensors' shapes are free; each item must lie inside its tensor.
    /// With beta = 0 the old contents of c are ignored (NaN included).
    /// </summary>
    void GemmBatched(Transpose transA, Transpose transB, int m, int n, int k, float alpha, Tensor<float> a, Tensor<float> b, float beta,
        Tensor<float> c, GemmEpilogue epilogue, GemmBatch batch);
}

/// <summary>Output deltas and per-example losses (Delta family).</summary>
public interface IDelta
{
    /// <summary>
    /// For sigmoid outputs z[M,N] and targets x[M,N]: losses[m] = loss(x[m,:], z[m,:]) and
    /// delta[m,n] = scale · ∂loss/∂a[m,n], where z = sigmoid(a): (z − x)·z(1 − z) for squared error,
    /// z − x for cross-entropy.
    /// </summary>
    void SigmoidOutputDelta(LossKind loss, Tensor<float> z, Tensor<float> x, float scale, Tensor<float> delta, Tensor<float> losses);

    /// <summary>
    /// The losses of <see cref="SigmoidOutputDelta"/> alone, for many models scored on one minibatch: z [R, …] and x [B, …] with rows
    /// of one shape and R a multiple of B (a population's reconstructions [count·B, V] of x [B, V]); losses[r] = loss(x[r mod B,:], z[r,:]),
    /// summed as <see cref="SigmoidOutputDelta"/> sums it, and no delta written.
    /// </summary>
    void SigmoidOutputLosses(LossKind loss, Tensor<float> z, Tensor<float> x, Tensor<float> losses);

    /// <summary>
    /// An L1 penalty on activations (Keras' activity regularizer) and the δ it passes down, for y, delta and inputDelta
    /// [M, …] of one shape (any rank ≥ 2: a row is everything after the first dimension) and losses [M]:
    /// losses[m] += lambda · Σ_j |y[m,j]| and inputDelta[m,j] = (delta[m,j] + scale·lambda·sign(y[m,j])) · act′(y[m,j]),
    /// act′ the derivative of <paramref name="inputActivation"/> written through its output y, sign(0) = 0 as torch.sign
    /// (and NaN stays NaN, as the loss does). inputDelta may be delta (in place); y must be neither.
    /// </summary>
    void ActivityL1(Tensor<float> y, Tensor<float> delta, Activation inputActivation, float lambda, float scale, Tensor<float> inputDelta,
        Tensor<float> losses);

    /// <summary>
    /// ANAMO's smooth step, elementwise (<see cref="ILGPUAE.Activation.SmoothStep"/>): y = s(x), s(u) = 3t² − 2t³, t = clamp(u/ε, 0, 1);
    /// x and y of one shape (y may be x).
    /// </summary>
    void SmoothStep(Tensor<float> x, float epsilon, Tensor<float> y);

    /// <summary>
    /// The smooth step's backward: inputDelta = delta ⊙ s′(x), s′(u) = 6t(1 − t)/ε; x, delta and inputDelta of one shape (inputDelta may
    /// be delta, not x). x is the step's input (the layer below applies no activation of its own).
    /// </summary>
    void SmoothStepBackward(Tensor<float> x, Tensor<float> delta, float epsilon, Tensor<float> inputDelta);

    /// <summary>
    /// The contractive penalty λ‖∂h/∂x‖²_F of a sigmoid layer h = σ(x·Wᵀ + b), for h and delta [M,N] (delta = ∂L/∂h from
    /// above), weights W [N,K] (one row per unit), weightsGrad [N,K], rowNorms [N] (written) and losses [M]. With
    /// s = h(1 − h) and a_j = ‖W_j,:‖²: rowNorms[j] = a_j; losses[m] += λ·Σ_j a_j·s[m,j]²;
    /// preDelta[m,j] = delta[m,j]·s[m,j] + scale·2λ·a_j·s[m,j]²·(1 − 2h[m,j]) (the pre-activation δ, which the caller takes
    /// to b, W and x as any other); and the direct term weightsGrad[j,k] = gradientBeta·weightsGrad[j,k] + scale·2λ·(Σ_m s[m,j]²)·W[j,k]
    /// (gradientBeta 0: the old contents are ignored, as a product's beta 0). preDelta may be delta (in place); h must be neither.
    /// </summary>
    void ContractiveSigmoid(Tensor<float> h, Tensor<float> delta, Tensor<float> weights, float lambda, float scale, Tensor<float> preDelta,
        Tensor<float> weightsGrad, float gradientBeta, Tensor<float> rowNorms, Tensor<float> losses);

    /// <summary>
    /// The KL sparsity penalty of a sparse autoencoder (UFLDL) and the δ it passes down, for y, delta and inputDelta [M,N] (y the
    /// activations of N hidden units over M examples), meanActivation [N] = ρ̂, each unit's mean activation over the batch (the
    /// caller's column mean of y) and losses [M]. With r_j = ρ̂_j clamped to [<see cref="Delta.LossMath.KlClampLow"/>,
    /// <see cref="Delta.LossMath.KlClampHigh"/>] (so a unit that never or always fires gives a finite loss and δ; NaN stays NaN):
    /// losses[m] += beta·Σ_j KL(ρ‖r_j), KL(ρ‖r) = ρ log(ρ/r) + (1 − ρ) log((1 − ρ)/(1 − r)), the whole term on every row (the
    /// batch's mean of the losses then holds it once); inputDelta[m,j] = (delta[m,j] + scale·beta·(−ρ/r_j + (1 − ρ)/(1 − r_j)))·act′(y[m,j]),
    /// act′ the derivative of <paramref name="inputActivation"/> written through its output y. scale = 1/M gives the gradient of
    /// the mean loss (∂ρ̂_j/∂y[m,j] = 1/M). inputDelta may be delta (in place); y must be neither.
    /// </summary>
    void KlSparsity(Tensor<float> y, Tensor<float> delta, Tensor<float> meanActivation, Activation inputActivation, float rho, float beta,
        float scale, Tensor<float> inputDelta, Tensor<float> losses);
}

/// <summary>
/// Softmax outputs of a classifier (Softmax family). Every matrix is [M,C]: one row per example, one
/// column per class; labels are class indices [M].
/// </summary>
public interface ISoftmax
{
    /// <summary>x[M,C] ← softmax(x + bias[C]) row by row, as exp(v − max v) / Σ exp(v − max v), so large logits do not overflow.</summary>
    void BiasSoftmax(Tensor<float> x, Tensor<float> bias);

    /// <summary>
    /// For softmax outputs z[M,C]: losses[m] = −log z[m, labels[m]] (the log clamped at −100) and
    /// delta[m,c] = scale · (z[m,c] − [c = labels[m]]), the loss's gradient w.r.t. the softmax's input.
    /// A label outside [0, C) gives a NaN loss (so training stops there) and delta = scale · z.
    /// </summary>
    void CrossEntropyDelta(Tensor<float> z, Tensor<int> labels, float scale, Tensor<float> delta, Tensor<float> losses);

    /// <summary>predictions[m] = the first c with the largest scores[m,c]; correct[m] = 1 if that is labels[m], else 0.</summary>
    void Argmax(Tensor<float> scores, Tensor<int> labels, Tensor<int> predictions, Tensor<int> correct);
}

/// <summary>Batch assembly and input corruption (Corruption family).</summary>
public interface ICorruption
{
    /// <summary>destination[m,:] = data[indices[m], :] for data [rows, N], indices [M], destination [M,N].</summary>
    void Gather(Tensor<float> data, Tensor<int> indices, Tensor<float> destination);

    /// <summary>
    /// Masking noise: destination[m,j] = 0 when
    /// <c>CounterRng.Hash32(key.Seed, key.Stream, key.Epoch, indices[m], j) &lt; threshold(probability)</c>,
    /// else x[m,j]. indices[m] is the dataset index of row m, so the mask does not depend on the batch.
    /// </summary>
    void Mask(Tensor<float> x, Tensor<int> indices, NoiseKey key, float probability, Tensor<float> destination);

    /// <summary>
    /// <see cref="Gather"/> and <see cref="Mask"/> in one pass: clean[m,:] = data[indices[m], :] and masked = the same
    /// rows under the mask <see cref="Mask"/> draws, bit for bit; data [rows, N], indices [M], clean and masked [M,N].
    /// clean and masked may be one tensor: it then holds the masked rows.
    /// </summary>
    void GatherMask(Tensor<float> data, Tensor<int> indices, NoiseKey key, float probability, Tensor<float> clean, Tensor<float> masked);

    /// <summary>
    /// destination[m,j] = the <paramref name="corruption"/> of x[m,j], drawn from
    /// <c>CounterRng.Hash64(key.Seed, key.Stream, key.Epoch, indices[m], j)</c> as <see cref="CorruptionKind"/> defines each kind;
    /// x and destination [M, …] of one shape (any rank ≥ 2: j runs over everything after the first dimension), indices [M]
    /// the dataset indices of the rows. Masking is <see cref="Mask"/>, bit for bit. destination may be x.
    /// </summary>
    void Corrupt(Tensor<float> x, Tensor<int> indices, NoiseKey key, CorruptionNoise corruption, Tensor<float> destination);

    /// <summary>
    /// <see cref="Gather"/> and <see cref="Corrupt"/> in one pass: clean[m,:] = data[indices[m], :] and corrupted = those rows
    /// under <paramref name="corruption"/>, bit for bit what <see cref="Corrupt"/> gives; data [rows, …], indices [M], clean and
    /// corrupted [M, …]. Masking is <see cref="GatherMask"/>. clean and corrupted may be one tensor: it then holds the corrupted rows.
    /// </summary>
    void GatherCorrupt(Tensor<float> data, Tensor<int> indices, NoiseKey key, CorruptionNoise corruption, Tensor<float> clean, Tensor<float> corrupted);

    /// <summary>
    /// Bernoulli sampling: destination[m,j] = 1 with probability probabilities[m,j], else 0, decided by
    /// <c>CounterRng.Hash32(key.Seed, key.Stream, key.Epoch, indices[m], j) &lt; CounterRng.BernoulliThreshold(probabilities[m,j])</c>
    /// (<see cref="ILGPUAE.Corruption.BernoulliDraw"/>); probabilities and destination [M, …] of one shape, indices [M] the rows' counters.
    /// destination may be probabilities.
    /// </summary>
    void Bernoulli(Tensor<float> probabilities, Tensor<int> indices, NoiseKey key, Tensor<float> destination);

    /// <summary>
    /// The gradient through <see cref="Corrupt"/> with respect to its input, from the same draws (no mask is stored):
    /// destination[m,j] = 0 where masking or salt-and-pepper replaced element (m, j), else delta[m,j]; destination = delta for
    /// Gaussian noise. delta and destination [M, …] of one shape, indices [M]; destination may be delta.
    /// </summary>
    void CorruptBackward(Tensor<float> delta, Tensor<int> indices, NoiseKey key, CorruptionNoise corruption, Tensor<float> destination);

    /// <summary>
    /// <see cref="CorruptBackward(Tensor{float}, Tensor{int}, NoiseKey, CorruptionNoise, Tensor{float})"/> and the derivative of the
    /// activation that produced the corrupted input, in one pass: destination[m,j] = 0 where the corruption replaced element (m, j),
    /// else delta[m,j]·act′ written through input[m,j] (<c>IActivation.Backward(delta, input)</c>: for the sigmoid
    /// delta·h·(1 − h)), input [M, …] the clean values that were corrupted (the outputs of the layer below). The pre-activation δ
    /// of a layer whose code is corrupted before the next layer encodes it. delta, input and destination of one shape, indices [M];
    /// destination may be delta or input.
    /// </summary>
    void CorruptBackward(Tensor<float> delta, Tensor<float> input, Activation inputActivation, Tensor<int> indices, NoiseKey key,
        CorruptionNoise corruption, Tensor<float> destination);
}

/// <summary>torch.optim.SGD's settings for one step. PyTorch's defaults: momentum 0, dampening 0, weight decay 0, no Nesterov.</summary>
/// <param name="WeightDecay">L2: the gradient becomes g + weightDecay·param before anything else.</param>
/// <param name="Nesterov">Step along g + momentum·buf instead of buf; needs momentum &gt; 0 and dampening 0.</param>
public readonly record struct SgdSettings(float LearningRate, float Momentum = 0f, float Dampening = 0f, float WeightDecay = 0f, bool Nesterov = false);

/// <summary>torch.optim.RMSprop's settings for one step. PyTorch's defaults: alpha 0.99, eps 1e-8, weight decay 0, momentum 0, not centered.</summary>
/// <param name="Alpha">Smoothing constant of the squared-gradient average.</param>
/// <param name="Epsilon">Added to the root of the (centered) average before dividing.</param>
/// <param name="WeightDecay">L2: the gradient becomes g + weightDecay·param.</param>
/// <param name="Centered">Divide by the root of the gradient's estimated variance (square_avg − grad_avg²) instead of its second moment.</param>
public readonly record struct RmsPropSettings(float LearningRate, float Alpha = 0.99f, float Epsilon = 1e-8f, float WeightDecay = 0f,
    float Momentum = 0f, bool Centered = false);

/// <summary>
/// torch.optim.Adam's and AdamW's settings for one step. PyTorch's defaults: betas (0.9, 0.999), eps 1e-8; weight decay 0 for
/// Adam, 0.01 for AdamW.
/// </summary>
/// <param name="WeightDecay">Adam: L2, the gradient becomes g + weightDecay·param. AdamW (<paramref name="Decoupled"/>): param ← param·(1 − lr·weightDecay) first.</param>
/// <param name="Decoupled">AdamW's decoupled weight decay instead of Adam's L2.</param>
public readonly record struct AdamSettings(float LearningRate, float Beta1 = 0.9f, float Beta2 = 0.999f, float Epsilon = 1e-8f, float WeightDecay = 0f,
    bool Decoupled = false);

/// <summary>
/// One FISTA iteration's settings (Beck and Teboulle, 2009): the step size e, and λ of an L1 penalty λ‖θ‖₁ on the parameter whose
/// prox is the soft threshold by e·λ (0: no penalty, the prox is the identity, and FISTA is Nesterov's accelerated gradient).
/// </summary>
/// <param name="WeightDecay">L2: the gradient becomes g + weightDecay·y before the gradient step.</param>
/// <param name="Last">The inner loop's last iteration: param ← x_k itself (no extrapolation), the point the loop returns.</param>
public readonly record struct FistaSettings(float StepSize, float L1 = 0f, float WeightDecay = 0f, bool Last = false);

/// <summary>
/// Parameter updates (Optimizer family). Each rule is PyTorch's (torch.optim, the single-tensor "for-loop" implementation)
/// on one parameter: param, grad and every state tensor have one shape, and the state tensors start zero-filled. The step
/// count t ≥ 1 is this parameter's (torch's state['step'] after its increment), known on the host: nothing is read back.
/// </summary>
public interface IOptimizer
{
    /// <summary>
    /// SGD as PyTorch defines it (dampening 0, no Nesterov): velocity ← momentum·velocity + grad;
    /// param ← param − lr·velocity. With momentum 0, velocity may be null and param ← param − lr·grad.
    /// </summary>
    void Sgd(Tensor<float> param, Tensor<float> grad, Tensor<float>? velocity, float learningRate, float momentum);

    /// <summary>
    /// torch.optim.SGD in full: d = g + wd·param; with momentum μ, buf ← d at step 1, else buf ← μ·buf + (1 − dampening)·d,
    /// and d = d + μ·buf (Nesterov) or buf; param ← param − lr·d. momentumBuffer may be null when μ = 0.
    /// </summary>
    void Sgd(Tensor<float> param, Tensor<float> grad, Tensor<float>? momentumBuffer, SgdSettings settings, long step);

    /// <summary>
    /// torch.optim.RMSprop: d = g + wd·param; square_avg ← α·square_avg + (1 − α)·d²; centered: grad_avg ← α·grad_avg + (1 − α)·d
    /// and avg = √(square_avg − grad_avg²) + eps, else avg = √square_avg + eps; with momentum μ &gt; 0, buf ← μ·buf + d/avg and
    /// param ← param − lr·buf, else param ← param − lr·d/avg. gradAvg may be null unless centered, momentumBuffer unless μ &gt; 0.
    /// </summary>
    void RmsProp(Tensor<float> param, Tensor<float> grad, Tensor<float> squareAvg, Tensor<float>? gradAvg, Tensor<float>? momentumBuffer,
        RmsPropSettings settings);

    /// <summary>
    /// torch.optim.Adam / AdamW at step t: AdamW first param ← param·(1 − lr·wd), Adam d = g + wd·param; then
    /// exp_avg ← β1·exp_avg + (1 − β1)·d, exp_avg_sq ← β2·exp_avg_sq + (1 − β2)·d², and
    /// param ← param − lr/(1 − β1ᵗ) · exp_avg / (√exp_avg_sq / √(1 − β2ᵗ) + eps).
    /// </summary>
    void Adam(Tensor<float> param, Tensor<float> grad, Tensor<float> expAvg, Tensor<float> expAvgSq, AdamSettings settings, long step);

    /// <summary>
    /// FISTA's iteration k = step ≥ 1 of an inner loop: param holds the extrapolated point y_k (its gradient in grad), previous
    /// the last iterate x_{k−1} (not read at k = 1). d = g + wd·y; x_k = S_{e·λ}(y_k − e·d), S_t(z) = z − clamp(z, −t, t) the
    /// soft threshold (the identity at λ = 0); previous ← x_k; param ← y_{k+1} = x_k + ((s_k − 1)/s_{k+1})·(x_k − x_{k−1}) with
    /// s_1 = 1, s_{k+1} = (1 + √(1 + 4s_k²))/2 (so y_2 = x_1); at the loop's last iteration (<see cref="FistaSettings.Last"/>)
    /// param ← x_k, the loop's result.
    /// </summary>
    void Fista(Tensor<float> param, Tensor<float> grad, Tensor<float> previous, FistaSettings settings, long step);

    /// <summary>
    /// torch.nn.utils.clip_grad_norm_ (L2) over several gradients, on the device: norm[0] = ‖(every element of grads)‖₂,
    /// norm[1] = min(1, maxNorm / (norm[0] + 1e-6)), then every gradient ← gradient · norm[1]. norm is a [2] tensor the
    /// caller owns; nothing is read back to the host.
    /// </summary>
    void ClipGradNorm(IReadOnlyList<Tensor<float>> grads, float maxNorm, Tensor<float> norm);
}

/// <summary>The tensors of a tied autoencoder that per-sample SGD updates in place: W [hidden, visible], b_hidden [hidden], b_visible [visible].</summary>
public readonly record struct TiedDaeParameters(Tensor<float> Weights, Tensor<float> HiddenBias, Tensor<float> VisibleBias);

/// <summary>One dense layer that per-sample SGD updates in place: weights [out, in], bias [out].</summary>
public readonly record struct DenseParameters(Tensor<float> Weights, Tensor<float> Bias);

/// <summary>
/// Per-sample SGD (batch 1, momentum 0) over a whole range of examples in a few launches (SampleSgd
/// family). The arithmetic is that of the other families at batch 1 — forward, backward at the current
/// weights, then param ← param − lr·grad before the next example — so it must match them and the
/// reference to rounding; only the order of float sums differs.
/// </summary>
public interface ISampleSgd
{
    /// <summary>
    /// Tied DAE on rows indices[0 … n) of data [rows, visible], in that order: each example masked as
    /// <see cref="ICorruption.Mask"/> draws it under <paramref name="noise"/>; losses[s] [n] = the s-th
    /// example's loss (<see cref="IDelta.SigmoidOutputDelta"/>'s definition).
    /// </summary>
    void TiedDae(TiedDaeParameters model, Tensor<float> data, Tensor<int> indices, NoiseKey noise, float corruption, LossKind loss,
        float learningRate, Tensor<float> losses);

    /// <summary>
    /// Hogwild <see cref="TiedDae"/>: <paramref name="workers"/> K workers at once, worker k taking examples
    /// indices[k], indices[k + K], … and updating the shared parameters with plain, unsynchronized stores.
    /// Each example's arithmetic is <see cref="TiedDae"/>'s, but at whatever weights the other workers have
    /// left: NOT reproducible for K ≥ 2. K = 1 is sequential per-sample SGD. losses[s] as for <see cref="TiedDae"/>.
    /// </summary>
    void TiedDaeHogwild(TiedDaeParameters model, Tensor<float> data, Tensor<int> indices, NoiseKey noise, float corruption, LossKind loss,
        float learningRate, int workers, Tensor<float> losses);

    /// <summary>Whether <see cref="Classifier"/> takes these layers (its limits on their number and on the classes).</summary>
    bool TakesClassifier(IReadOnlyList<DenseParameters> layers);

    /// <summary>
    /// Feed-forward classifier (sigmoid hidden layers, softmax on the last) on rows indices[0 … n) of
    /// data [rows, inputs] with classes labels [n]; losses[s] = −log p[label] (<see cref="ISoftmax.CrossEntropyDelta"/>).
    /// Each example's input is masked with probability <paramref name="corruption"/> as <see cref="ICorruption.Mask"/>
    /// draws it under <paramref name="noise"/> (0: clean), and the update of the first layer uses that masked input.
    /// Layers below <paramref name="firstTrained"/> are frozen.
    /// </summary>
    void Classifier(IReadOnlyList<DenseParameters> layers, int firstTrained, Tensor<float> data, Tensor<int> indices, Tensor<int> labels,
        NoiseKey noise, float corruption, float learningRate, Tensor<float> losses);
}

/// <summary>
/// Gaussian Parzen-window log-densities (Parzen family): the squared distances between query rows x and centres μ come from one
/// product x·μᵀ (the Gemm family) and the rows' squared norms, ‖x − μ‖² = ‖x‖² + ‖μ‖² − 2 x·μ.
/// </summary>
public interface IParzen
{
    /// <summary>norms[m] = Σ_k x[m,k]² for x [M,K] and norms [M].</summary>
    void SquaredNorms(Tensor<float> x, Tensor<float> norms);

    /// <summary>
    /// For products [M,N] = x·μᵀ of M queries and N centres of <paramref name="dimension"/> values each, queryNorms [M] = ‖x_m‖²,
    /// centreNorms [N] = ‖μ_n‖², sigmas [S] and logDensities [M,S]: with d²[m,n] = max(0, queryNorms[m] + centreNorms[n] − 2·products[m,n]),
    /// logDensities[m,s] = log((1/N) Σ_n exp(−d²[m,n] / (2σ_s²))) − dimension·log(σ_s·√(2π)), in nats, the sum taken after
    /// subtracting the row's largest exponent (the smallest d²), so no term underflows to a zero sum.
    /// </summary>
    void LogDensities(Tensor<float> products, Tensor<float> queryNorms, Tensor<float> centreNorms, Tensor<float> sigmas, int dimension,
        Tensor<float> logDensities);
}
