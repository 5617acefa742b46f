namespace ILGPUAE.Checks;

using ILGPUAE.Activation;
using ILGPUAE.Backend;
using ILGPUAE.Corruption;
using ILGPUAE.Delta;
using ILGPUAE.Ilgpu;
using ILGPUAE.MatVec;
using ILGPUAE.NonFinite;
using ILGPUAE.Optimizer;
using ILGPUAE.Random;
using ILGPUAE.SampleSgd;
using ILGPUAE.Softmax;
using ILGPUAE.Svm;

/// <summary>One kernel run compared with its double-precision reference.</summary>
/// <param name="Kernel">Family and variant, e.g. "gemm NT" (an ILGPU backend's GEMM adds its kernel: "gemm NT tiled64x64").</param>
/// <param name="Size">The shape it ran at.</param>
/// <param name="MaxAbsoluteError">max |kernel − reference|.</param>
/// <param name="MaxRelativeError">max |kernel − reference| / max(|reference|, 1).</param>
/// <param name="WorstToleranceRatio">max |kernel − reference| / (atol + rtol·|reference|); the check passes at ≤ 1.</param>
public sealed record CheckResult(string Kernel, string Size, double MaxAbsoluteError, double MaxRelativeError, double WorstToleranceRatio)
{
    public bool Passed => WorstToleranceRatio <= 1.0;
}

/// <summary>
/// Runs each kernel family of a backend on seeded random inputs and compares it with the reference.
/// The `check` verb and the test suite both use it, so CUDA is verified by the same code as CI's CPU runs.
/// </summary>
public sealed partial class KernelChecks
{
    /// <summary>The sizes around the warp width at which every kernel is checked.</summary>
    public static readonly int[] AwkwardSizes = [1, 31, 32, 33, 127, 1000];

    private const float RelativeTolerance = 1e-4f;
    private readonly IBackend backend;
    private readonly ulong seed;
    private uint draw;

    public KernelChecks(IBackend backend, ulong seed = 12345)
    {
        this.backend = backend;
        this.seed = seed;
    }

    /// <summary>
    /// Test seam: sees each kernel output (downloaded, before it is compared with the reference) and may change it, so a
    /// test can show that a one-ulp change or a NaN in a real result fails its check.
    /// </summary>
    internal Action<float[]>? BeforeCompare { get; init; }

    /// <summary>Every family at every size in <paramref name="sizes"/>; GEMM crosses each size with two awkward partners.</summary>
    public IEnumerable<CheckResult> All(IReadOnlyList<int> sizes)
    {
        foreach (var s in sizes)
        {
            foreach (var ta in new[] { Transpose.None, Transpose.Transposed })
                foreach (var tb in new[] { Transpose.None, Transpose.Transposed })
                {
                    yield return Gemm(ta, tb, s, 33, 31);
                    yield return Gemm(ta, tb, 7, s, 32);
                    yield return Gemm(ta, tb, 5, 3, s);
                }
            yield return ColumnSums(s, 33);
            yield return ColumnSums(3, s);
            yield return EpilogueAlone(GemmEpilogueKind.BiasActivate, Backend.Activation.Sigmoid, s, 33);
            yield return EpilogueAlone(GemmEpilogueKind.BiasActivate, Backend.Activation.Identity, 3, s);
            yield return EpilogueAlone(GemmEpilogueKind.ActivationBackward, Backend.Activation.Sigmoid, s, 31);
            yield return OutputDelta(LossKind.SquaredError, s, 33);
            yield return OutputDelta(LossKind.CrossEntropy, 3, s);
            yield return BiasSoftmax(s, 10, logitOffset: 0);
            yield return BiasSoftmax(3, s, logitOffset: 90);
            yield return SoftmaxCrossEntropy(s, 10);
            yield return SoftmaxCrossEntropy(3, s);
            yield return Argmax(s, 10);
            yield return Argmax(3, s);
            yield return Gather(s, 31, 1000);
            yield return Mask(s, 784, 0.25f);
            yield return Sgd(s * 31, 0f);
            yield return Sgd(s * 31, 0.9f);
        }
        foreach (var result in SampleSgd(sizes))
            yield return result;
        // After the SampleSgd checks, so that they draw the same inputs as before these checks existed.
        foreach (var s in sizes)
        {
            foreach (var result in GemmEpilogues(backend, backend.Gemm, s))
                yield return result;
            yield return ColumnSumsPair(s, 33, 31);
            yield return ColumnSumsPair(3, s, 17);
            yield return GatherMask(s, 784, 0.25f, rows: 1000);
        }
        // Scaled column sums added onto the old ones (a plain-SGD bias update, alpha = −lr), last so the checks above keep their inputs.
        foreach (var s in sizes)
        {
            yield return ColumnSums(s, 33, alpha: -0.37f);
            yield return ColumnSums(3, s, alpha: -0.37f);
            yield return ColumnSumsPair(s, 33, 31, alpha: -0.37f);
            yield return ColumnSumsPair(3, s, 17, alpha: -0.37f);
        }
        // Masked fine-tuning through the per-sample classifier kernel, last so the checks above keep their inputs.
        foreach (var result in SampleSgdMaskedClassifier(sizes))
            yield return result;
        // The optimizer rules and gradient clipping, last so the checks above keep their inputs.
        foreach (var s in sizes)
            foreach (var result in OptimizerRules(s * 31))
                yield return result;
        // The activations beyond identity and sigmoid in both epilogues, alone and fused into a product; last so the
        // checks above keep their inputs, activation by activation so a new one's checks come after these.
        foreach (var activation in NewerActivations)
            foreach (var s in sizes)
            {
                yield return EpilogueAlone(GemmEpilogueKind.BiasActivate, activation, s, 33);
                yield return EpilogueAlone(GemmEpilogueKind.ActivationBackward, activation, 3, s);
                foreach (var result in GemmEpilogues(backend, backend.Gemm, s, activation))
                    yield return result;
            }
        // The general corruption, each kind forward, fused with the gather, and backward; last so the checks above keep their inputs.
        foreach (var result in Corruptions(sizes))
            yield return result;
        // The activity L1 penalty through each activation's derivative; last so the checks above keep their inputs.
        foreach (var result in ActivityL1s(sizes))
            yield return result;
        // The non-finite guard's scan; last so the checks above keep their inputs.
        foreach (var s in sizes)
            yield return NonFiniteFlag(s);
        // The contractive penalty of a sigmoid layer; last so the checks above keep their inputs.
        foreach (var result in Contractives(sizes))
            yield return result;
        // The linear SVM's squared hinge and per-class steps; last so the checks above keep their inputs.
        foreach (var result in Svms(sizes))
            yield return result;
        // Bernoulli sampling and the Parzen window's norms and log-densities; last so the checks above keep their inputs.
        foreach (var result in Sampling(sizes))
            yield return result;
        // The 3×3 convolution's forward, input gradient and parameter gradients; last so the checks above keep their inputs.
        foreach (var result in Convolutions(sizes))
            yield return result;
        // Max-pool and upsampling, forward and backward; last so the checks above keep their inputs.
        foreach (var result in Pooling(sizes))
            yield return result;
        // Inverted dropout, forward and backward; last so the checks above keep their inputs.
        foreach (var result in Dropouts(sizes))
            yield return result;
        // ANAMO's smooth step, forward and backward; last so the checks above keep their inputs.
        foreach (var s in sizes)
            foreach (var result in SmoothSteps(s))
                yield return result;
        // FISTA with and without its soft-threshold prox; last so the checks above keep their inputs.
        foreach (var s in sizes)
            foreach (var result in FistaRules(s * 31))
                yield return result;
        // The KL sparsity penalty through each activation's derivative; last so the checks above keep their inputs.
        foreach (var result in KlSparsities(sizes))
            yield return result;
        // The batched GEMM and the per-row losses of many models, which score a population; last so the checks above keep their inputs.
        foreach (var result in Batched(sizes))
            yield return result;
        // The genetic operators: selection, ranking, row scatter, crossover, mutation, diversity; last so the checks above keep their inputs.
        foreach (var result in Genetics(sizes))
            yield return result;
    }

    /// <summary>
    /// The Svm family with s in each place: the squared hinge of scores [s, 10] alone and of [3, s] along a direction, the active
    /// set of [s, 10], per-class dots of [10, s] and [s, 31], and per-class steps on [10, s] and [s, 33].
    /// </summary>
    public IEnumerable<CheckResult> Svms(IReadOnlyList<int> sizes)
    {
        foreach (var s in sizes)
        {
            yield return SvmSquaredHinge(s, 10, alongDirection: false);
            yield return SvmSquaredHinge(3, s, alongDirection: true);
            yield return SvmActiveSet(s, 10);
            yield return SvmRowDots(10, s);
            yield return SvmRowDots(s, 31);
            yield return SvmRowAxpby(10, s);
            yield return SvmRowAxpby(s, 33);
        }
    }

    /// <summary>
    /// <see cref="ISvm.SquaredHinge"/> of scores [m, k] in [−2, 2] (so both sides of every margin are hit) with labels in [0, k), over
    /// residuals and losses of NaN (every element must be written); with <paramref name="alongDirection"/>, along a direction in
    /// [−1, 1] by per-class steps in [−1, 1]. The residual is continuous where an example enters the active set, so a float z
    /// that lands on the other side of a margin than the double one still agrees within rounding.
    /// </summary>
    public CheckResult SvmSquaredHinge(int m, int k, bool alongDirection)
    {
        var scores = Uniform(m * k, -2, 2);
        var direction = Uniform(m * k, -1, 1);
        var steps = Uniform(k, -1, 1);
        var labels = Labels(m, k);
        using var ts = Upload(scores, m, k);
        using var td = alongDirection ? Upload(direction, m, k) : null;
        using var tt = alongDirection ? Upload(steps, k) : null;
        using var tl = UploadInts(labels);
        using var tr = Upload(Nans(m * k), m, k);
        using var tloss = Upload(Nans(m * k), m, k);
        backend.Svm.SquaredHinge(ts, td, tt, tl, tr, tloss);
        var residual = new double[m * k];
        var losses = new double[m * k];
        SvmReference.SquaredHinge(m, k, ToDouble(scores), alongDirection ? ToDouble(direction) : default, alongDirection ? ToDouble(steps) : default,
            labels, residual, losses);
        var name = alongDirection ? "svm squared hinge step" : "svm squared hinge";
        var size = $"M={m} K={k}";
        return Worst(Compare(name, size, Download(tr), residual, 1e-6), Compare(name, size, Download(tloss), losses, 1e-5));
    }

    /// <summary><see cref="ISvm.ActiveSet"/> of x [m, k] under residuals of which about a third are exactly 0, into a NaN-filled tensor. Exact.</summary>
    public CheckResult SvmActiveSet(int m, int k)
    {
        var residual = Uniform(m * k, -1, 2);
        for (var i = 0; i < residual.Length; i++)
            residual[i] = MathF.Max(residual[i], 0);
        var x = Uniform(m * k, -1, 1);
        using var tr = Upload(residual, m, k);
        using var tx = Upload(x, m, k);
        using var tdst = Upload(Nans(m * k), m, k);
        backend.Svm.ActiveSet(tr, tx, tdst);
        var expected = new double[m * k];
        SvmReference.ActiveSet(ToDouble(residual), ToDouble(x), expected);
        return Compare("svm active set", $"M={m} K={k}", Download(tdst), expected, 0);
    }

    /// <summary><see cref="ISvm.RowDots"/> of a, b [k, width] in [−1, 1], into NaNs.</summary>
    public CheckResult SvmRowDots(int k, int width)
    {
        var a = Uniform(k * width, -1, 1);
        var b = Uniform(k * width, -1, 1);
        using var ta = Upload(a, k, width);
        using var tb = Upload(b, k, width);
        using var td = Upload(Nans(k), k);
        backend.Svm.RowDots(ta, tb, td);
        var expected = new double[k];
        SvmReference.RowDots(k, width, ToDouble(a), ToDouble(b), expected);
        // A float sum of width products, each ≤ 1.
        return Compare("svm row dots", $"K={k} D={width}", Download(td), expected, 1e-6 * (width + 8));
    }

    /// <summary>
    /// <see cref="ISvm.RowAxpby"/> on x, y [k, width] in [−1, 1] with per-row alpha and beta in [−2, 2]; every third row has beta 0
    /// over a y of NaNs, which it must not read.
    /// </summary>
    public CheckResult SvmRowAxpby(int k, int width)
    {
        var alpha = Uniform(k, -2, 2);
        var beta = Uniform(k, -2, 2);
        var x = Uniform(k * width, -1, 1);
        var y = Uniform(k * width, -1, 1);
        for (var r = 0; r < k; r += 3)
        {
            beta[r] = 0;
            Array.Fill(y, float.NaN, r * width, width);
        }
        using var ta = Upload(alpha, k);
        using var tb = Upload(beta, k);
        using var tx = Upload(x, k, width);
        using var ty = Upload(y, k, width);
        backend.Svm.RowAxpby(ta, tx, tb, ty);
        var expected = ToDouble(y);
        SvmReference.RowAxpby(k, width, ToDouble(alpha), ToDouble(x), ToDouble(beta), expected);
        return Compare("svm row axpby", $"K={k} D={width}", Download(ty), expected, 1e-6);
    }

    private static float[] Nans(int count)
    {
        var values = new float[count];
        Array.Fill(values, float.NaN);
        return values;
    }

    /// <summary>
    /// <see cref="INonFinite.Flag"/> on x [n] in five cases, each with its own flag: all finite (the flag stays 0); NaN at the
    /// last element; +∞ at the first; −∞ in the middle; and a NaN under a flag another tensor already set (it keeps its code).
    /// Exact: the flags must equal the reference's.
    /// </summary>
    public CheckResult NonFiniteFlag(int n)
    {
        var clean = Uniform(n, -3e38f, 3e38f);
        (int Position, float Value, int Preset)[] cases = [(-1, 0f, 0), (n - 1, float.NaN, 0), (0, float.PositiveInfinity, 0),
            (n / 2, float.NegativeInfinity, 0), (n - 1, float.NaN, 7)];
        var actual = new float[cases.Length];
        var expected = new double[cases.Length];
        for (var k = 0; k < cases.Length; k++)
        {
            var (position, value, preset) = cases[k];
            var x = (float[])clean.Clone();
            if (position >= 0)
                x[position] = value;
            using var tx = Upload(x, n);
            using var flag = UploadInts([preset]);
            backend.NonFinite.Flag(tx, k + 1, flag);
            backend.Synchronize();
            actual[k] = flag.ToArray()[0];
            expected[k] = NonFiniteReference.Flag(ToDouble(x), k + 1, preset);
        }
        return Compare("non-finite flag", $"N={n}", actual, expected, 0);
    }

    /// <summary>
    /// <see cref="IDelta.ActivityL1"/> through each activation's derivative: y [s, 33] into a separate δ, and in place (δ
    /// overwritten) on [3, s] and on [s, 2, 17] (rank 3).
    /// </summary>
    public IEnumerable<CheckResult> ActivityL1s(IReadOnlyList<int> sizes)
    {
        foreach (var activation in Activations.All)
            foreach (var s in sizes)
            {
                yield return ActivityL1(activation, inPlace: false, s, 33);
                yield return ActivityL1(activation, inPlace: true, 3, s);
                yield return ActivityL1(activation, inPlace: true, s, 2, 17);
            }
    }

    /// <summary>
    /// The activity L1 penalty on activation outputs y [shape] (<see cref="ActivationOutputs"/>, every fifth exactly 0 so that
    /// sign(0) = 0 is checked where act′(0) ≠ 0), δ in [−1, 1], old losses in [0, 2] that it adds onto; inputDelta and the
    /// losses checked, the worse reported. <paramref name="inPlace"/> passes δ as inputDelta.
    /// </summary>
    public CheckResult ActivityL1(Backend.Activation activation, bool inPlace, params int[] shape)
    {
        var (m, n) = (shape[0], shape[1..].Aggregate(1, (a, b) => a * b));
        var y = ActivationOutputs(activation, m * n);
        for (var i = 0; i < y.Length; i += 5)
            y[i] = 0f;
        var delta = Uniform(m * n, -1, 1);
        var losses = Uniform(m, 0, 2);
        const float lambda = 0.3f, scale = 0.25f;
        using var ty = Upload(y, shape);
        using var td = Upload(delta, shape);
        using var tin = inPlace ? null : backend.Allocate<float>(shape);
        using var tl = Upload(losses, m);
        backend.Delta.ActivityL1(ty, td, activation, lambda, scale, tin ?? td, tl);
        var expected = ToDouble(delta);
        var expectedLosses = ToDouble(losses);
        DeltaReference.ActivityL1(m, n, ToDouble(y), expected, activation, lambda, scale, expected, expectedLosses);
        var name = $"activity l1 {activation.ToString().ToLowerInvariant()}{(inPlace ? " in place" : "")}";
        var size = $"[{string.Join(", ", shape)}]";
        // δ: a sum of two terms of size ≤ 1 times a derivative ≤ 1, a few roundings. Losses: a float sum of n terms |y| ≤ 3.
        return Worst(Compare(name, size, Download(tin ?? td), expected, 1e-6),
            Compare(name, size, Download(tl), expectedLosses, 1e-6 * (n + 8)));
    }

    /// <summary>
    /// <see cref="IDelta.ContractiveSigmoid"/> with s in each place: h [s, 33] under W [33, 31] into a separate δ, h [3, s] under
    /// W [s, 17] in place, both adding onto W's gradient, and h [7, 5] under W [5, s] over a gradient of NaNs (beta 0 ignores it).
    /// </summary>
    public IEnumerable<CheckResult> Contractives(IReadOnlyList<int> sizes)
    {
        foreach (var s in sizes)
        {
            yield return ContractiveSigmoid(inPlace: false, 1f, s, 33, 31);
            yield return ContractiveSigmoid(inPlace: true, 1f, 3, s, 17);
            yield return ContractiveSigmoid(inPlace: false, 0f, 7, 5, s);
        }
    }

    /// <summary>
    /// The contractive penalty of h [m, n] in (0, 1) under W [n, k] in [−1, 1], δ in [−1, 1], old losses in [0, 2] and an old
    /// W gradient in [−1, 1] that it adds onto (NaN at <paramref name="gradientBeta"/> 0, which must not read it); the pre-activation δ, W's gradient, the row norms and the losses checked, the
    /// worse reported. <paramref name="inPlace"/> passes δ as preDelta.
    /// </summary>
    public CheckResult ContractiveSigmoid(bool inPlace, float gradientBeta, int m, int n, int k)
    {
        var h = Uniform(m * n, 0.001f, 0.999f);
        var delta = Uniform(m * n, -1, 1);
        var weights = Uniform(n * k, -1, 1);
        var grad = Uniform(n * k, -1, 1);
        if (gradientBeta == 0f)
            Array.Fill(grad, float.NaN);
        var losses = Uniform(m, 0, 2);
        const float lambda = 0.3f, scale = 0.25f;
        using var th = Upload(h, m, n);
        using var td = Upload(delta, m, n);
        using var tw = Upload(weights, n, k);
        using var tg = Upload(grad, n, k);
        using var tpre = inPlace ? null : backend.Allocate<float>(m, n);
        using var ta = backend.Allocate<float>(n);
        using var tl = Upload(losses, m);
        backend.Delta.ContractiveSigmoid(th, td, tw, lambda, scale, tpre ?? td, tg, gradientBeta, ta, tl);
        var expectedDelta = ToDouble(delta);
        var expectedGrad = ToDouble(grad);
        var expectedNorms = new double[n];
        var expectedLosses = ToDouble(losses);
        DeltaReference.ContractiveSigmoid(m, n, k, ToDouble(h), expectedDelta, ToDouble(weights), lambda, scale, expectedDelta, expectedGrad,
            gradientBeta, expectedNorms, expectedLosses);
        var name = $"contractive sigmoid{(inPlace ? " in place" : "")}{(gradientBeta == 0f ? " beta 0" : "")}";
        var size = $"h [{m}, {n}], W [{n}, {k}]";
        // Norms: a float sum of k squares ≤ 1. Losses: n terms a·s² ≤ k/16. W's gradient: a float sum of m terms s² ≤ 1/16, times W.
        return Worst(Compare(name, size, Download(tpre ?? td), expectedDelta, 1e-6 * (k + 8)),
            Compare(name, size, Download(tg), expectedGrad, 1e-6 * (m + 8)),
            Compare(name, size, Download(ta), expectedNorms, 1e-6 * (k + 8)),
            Compare(name, size, Download(tl), expectedLosses, 1e-6 * (n + 8) * (k + 8)));
    }

    /// <summary>
    /// <see cref="IDelta.KlSparsity"/> through each activation's derivative: y [s, 33] into a separate δ, and [3, s] in place (δ overwritten).
    /// </summary>
    public IEnumerable<CheckResult> KlSparsities(IReadOnlyList<int> sizes)
    {
        foreach (var activation in Activations.All)
            foreach (var s in sizes)
            {
                yield return KlSparsity(activation, inPlace: false, s, 33);
                yield return KlSparsity(activation, inPlace: true, 3, s);
            }
    }

    /// <summary>
    /// The KL sparsity penalty on activation outputs y [m, n] (<see cref="ActivationOutputs"/>), δ in [−1, 1], mean activations in
    /// [0.01, 0.99] but (n ≥ 2) unit 0 at 0 and the last at 1, so that both ends of the clamp are taken, and old losses in [0, 2]
    /// that it adds onto; inputDelta and the losses checked, the worse reported. <paramref name="inPlace"/> passes δ as inputDelta.
    /// </summary>
    public CheckResult KlSparsity(Backend.Activation activation, bool inPlace, int m, int n)
    {
        var y = ActivationOutputs(activation, m * n);
        var delta = Uniform(m * n, -1, 1);
        var mean = Uniform(n, 0.01f, 0.99f);
        if (n >= 2)
            (mean[0], mean[^1]) = (0f, 1f);
        var losses = Uniform(m, 0, 2);
        const float rho = 0.05f, beta = 3f, scale = 0.25f;
        using var ty = Upload(y, m, n);
        using var td = Upload(delta, m, n);
        using var tm = Upload(mean, n);
        using var tin = inPlace ? null : backend.Allocate<float>(m, n);
        using var tl = Upload(losses, m);
        backend.Delta.KlSparsity(ty, td, tm, activation, rho, beta, scale, tin ?? td, tl);
        var expected = ToDouble(delta);
        var expectedLosses = ToDouble(losses);
        DeltaReference.KlSparsity(m, n, ToDouble(y), expected, ToDouble(mean), activation, rho, beta, scale, expected, expectedLosses);
        var name = $"kl sparsity {activation.ToString().ToLowerInvariant()}{(inPlace ? " in place" : "")}";
        var size = $"[{m}, {n}]";
        // δ: a few roundings of terms up to scale·β·ρ/10⁻⁶ (the clamped ends), within the relative tolerance. Losses: a float sum
        // of n KL terms, each ≤ 14 (at the clamp).
        return Worst(Compare(name, size, Download(tin ?? td), expected, 1e-6),
            Compare(name, size, Download(tl), expectedLosses, 1e-5 * (n + 8)));
    }

    /// <summary>The kinds of corruption the checks run, at amounts where each replaces or moves a good share of the elements.</summary>
    public static readonly CorruptionNoise[] CheckedCorruptions =
        [CorruptionNoise.Masking(0.25f), CorruptionNoise.Gaussian(0.3f), CorruptionNoise.SaltAndPepper(0.4f)];

    /// <summary>
    /// <see cref="ICorruption.Corrupt"/>, <see cref="ICorruption.GatherCorrupt"/> and both <c>ICorruption.CorruptBackward</c> overloads of each
    /// kind in <see cref="CheckedCorruptions"/>, with s rows of 784 (MNIST), of [3, 5, 7] (an image batch, rank 4), of 31 and of 33; then
    /// the backward through each activation's derivative (a deep stack's corrupted code), s rows of 33.
    /// </summary>
    public IEnumerable<CheckResult> Corruptions(IReadOnlyList<int> sizes)
    {
        foreach (var s in sizes)
            foreach (var corruption in CheckedCorruptions)
            {
                yield return Corrupt(corruption, s, 784);
                yield return Corrupt(corruption, s, 3, 5, 7);
                yield return GatherCorrupt(corruption, s, 31, rows: 1000);
                yield return CorruptBackward(corruption, s, 33);
                yield return CorruptBackward(corruption, s, 2, 17);
                foreach (var activation in Activations.All)
                    yield return CorruptBackward(corruption, activation, s, 33);
            }
    }

    /// <summary>
    /// The corruption of x [shape] (x in [0.01, 1], so a salt-and-pepper coin is never x itself) against the reference: exact for masking and
    /// salt-and-pepper; within <see cref="CorruptionTolerance"/> for Gaussian noise.
    /// </summary>
    public CheckResult Corrupt(CorruptionNoise corruption, params int[] shape)
    {
        var (m, n) = (shape[0], shape[1..].Aggregate(1, (a, b) => a * b));
        var x = Uniform(m * n, 0.01f, 1);
        var indices = DatasetIndices(m, 97);
        var key = new NoiseKey(seed, RngStream.Noise, 11);
        using var tx = Upload(x, shape);
        using var ti = UploadInts(indices);
        using var tdst = backend.Allocate<float>(shape);
        backend.Corruption.Corrupt(tx, ti, key, corruption, tdst);
        var expected = new double[m * n];
        CorruptionReference.Corrupt(m, n, ToDouble(x), indices, key, corruption, expected);
        var (atol, rtol) = CorruptionTolerance(corruption);
        return Compare($"corrupt {Describe(corruption)}", $"[{string.Join(", ", shape)}]", Download(tdst), expected, atol, rtol);
    }

    /// <summary>The fused gather + corruption: clean must match the reference exactly, corrupted as <see cref="Corrupt"/> (the worse is reported).</summary>
    public CheckResult GatherCorrupt(CorruptionNoise corruption, int m, int n, int rows)
    {
        var data = Uniform(rows * n, 0.01f, 1);
        var indices = Enumerable.Range(0, m).Select(i => (int)(CounterRng.Hash32(seed, (uint)RngStream.Data, 96, (uint)i, 0) % (uint)rows)).ToArray();
        var key = new NoiseKey(seed, RngStream.Noise, 12);
        using var td = Upload(data, rows, n);
        using var ti = UploadInts(indices);
        using var tclean = backend.Allocate<float>(m, n);
        using var tcorrupted = backend.Allocate<float>(m, n);
        backend.Corruption.GatherCorrupt(td, ti, key, corruption, tclean, tcorrupted);
        var clean = new double[m * n];
        CorruptionReference.Gather(n, ToDouble(data), indices, clean);
        var corrupted = new double[m * n];
        CorruptionReference.Corrupt(m, n, clean, indices, key, corruption, corrupted);
        var name = $"gather+corrupt {Describe(corruption)}";
        var (atol, rtol) = CorruptionTolerance(corruption);
        return Worst(Compare(name, $"M={m} N={n}", Download(tclean), clean, 0),
            Compare(name, $"M={m} N={n}", Download(tcorrupted), corrupted, atol, rtol));
    }

    /// <summary>The gradient through a corruption, delta [shape] in [−1, 1]: delta or exactly 0, so the tolerance is zero.</summary>
    public CheckResult CorruptBackward(CorruptionNoise corruption, params int[] shape)
    {
        var (m, n) = (shape[0], shape[1..].Aggregate(1, (a, b) => a * b));
        var delta = Uniform(m * n, -1, 1);
        var indices = DatasetIndices(m, 95);
        var key = new NoiseKey(seed, RngStream.Noise, 13);
        using var td = Upload(delta, shape);
        using var ti = UploadInts(indices);
        using var tdst = backend.Allocate<float>(shape);
        backend.Corruption.CorruptBackward(td, ti, key, corruption, tdst);
        var expected = new double[m * n];
        CorruptionReference.CorruptBackward(m, n, ToDouble(delta), indices, key, corruption, expected);
        return Compare($"corrupt backward {Describe(corruption)}", $"[{string.Join(", ", shape)}]", Download(tdst), expected, 0);
    }

    /// <summary>
    /// The gradient through a corruption of an <paramref name="inputActivation"/> layer's outputs (input [shape], the clean values, as
    /// that activation gives them; delta in [−1, 1]): 0 exactly where replaced, else delta·act′ within the family's relative tolerance.
    /// </summary>
    public CheckResult CorruptBackward(CorruptionNoise corruption, Backend.Activation inputActivation, params int[] shape)
    {
        var (m, n) = (shape[0], shape[1..].Aggregate(1, (a, b) => a * b));
        var delta = Uniform(m * n, -1, 1);
        var activation = Activations.Of(inputActivation);
        var input = Uniform(m * n, -3, 3).Select(a => (float)activation.ApplyReference(a)).ToArray();
        var indices = DatasetIndices(m, 94);
        var key = new NoiseKey(seed, RngStream.Noise, 14);
        using var td = Upload(delta, shape);
        using var tin = Upload(input, shape);
        using var ti = UploadInts(indices);
        using var tdst = backend.Allocate<float>(shape);
        backend.Corruption.CorruptBackward(td, tin, inputActivation, ti, key, corruption, tdst);
        var expected = new double[m * n];
        CorruptionReference.CorruptBackward(m, n, ToDouble(delta), ToDouble(input), inputActivation, indices, key, corruption, expected);
        return Compare($"corrupt+activation backward {Describe(corruption)} after {inputActivation}", $"[{string.Join(", ", shape)}]", Download(tdst), expected,
            1e-7, RelativeTolerance);
    }

    /// <summary>
    /// Masking and salt-and-pepper are exact (0 or 1 or x itself). Gaussian: |x̃ − ref| ≤ 2e-5·σ + 2.5e-7·|ref| — the float
    /// normal within 2e-5 of the double one (≈ 1e-6 with correctly rounded MathF; CUDA's approximate cos and lg2 cost up to
    /// about 8e-6 at |n| ≈ 6.7), plus the two roundings of x + σ·n in float.
    /// </summary>
    public static (double Absolute, double Relative) CorruptionTolerance(CorruptionNoise corruption) =>
        corruption.Kind == CorruptionKind.Gaussian ? (2e-5 * corruption.Amount, 2.5e-7) : (0, RelativeTolerance);

    private static string Describe(CorruptionNoise corruption) =>
        $"{CorruptionKinds.Name(corruption.Kind)} {(corruption.Kind == CorruptionKind.Gaussian ? "σ" : "p")}={corruption.Amount}";

    /// <summary>m dataset indices spread over [0, 2³¹), so the example counter takes large values as well as small.</summary>
    private int[] DatasetIndices(int m, uint stream) =>
        Enumerable.Range(0, m).Select(i => (int)(CounterRng.Hash32(seed, (uint)RngStream.Data, stream, (uint)i, 0) >> 1)).ToArray();

    /// <summary>
    /// Every optimizer rule over three steps (the first one included, where SGD's buffer is created) from zero state, and
    /// clipping by global norm above and below the limit, on n-element parameters.
    /// </summary>
    public IEnumerable<CheckResult> OptimizerRules(int n)
    {
        yield return OptimizerRule(n, new SgdSettings(0.1f, Momentum: 0.9f, Dampening: 0.1f, WeightDecay: 0.01f));
        yield return OptimizerRule(n, new SgdSettings(0.1f, Momentum: 0.9f, WeightDecay: 0.01f, Nesterov: true));
        yield return OptimizerRule(n, new RmsPropSettings(0.01f));
        yield return OptimizerRule(n, new RmsPropSettings(0.01f, WeightDecay: 0.01f, Momentum: 0.9f, Centered: true));
        yield return OptimizerRule(n, new AdamSettings(0.01f, WeightDecay: 0.01f));
        yield return OptimizerRule(n, new AdamSettings(0.01f, WeightDecay: 0.01f, Decoupled: true));
        yield return ClipGradNorm([n, 31, 1], limitOverNorm: 0.5);
        yield return ClipGradNorm([n, 31, 1], limitOverNorm: 2.0);
    }

    /// <summary>torch.optim.SGD over <paramref name="steps"/> steps of random gradients; param and momentum_buffer checked, the worse reported.</summary>
    public CheckResult OptimizerRule(int n, SgdSettings settings, int steps = 3)
    {
        var name = $"sgd rule{(settings.Nesterov ? " nesterov" : "")} momentum={settings.Momentum} dampening={settings.Dampening} wd={settings.WeightDecay}";
        return OptimizerRule(name, n, steps, stateCount: 1,
            (p, g, state, t) => backend.Optimizer.Sgd(p, g, state[0], settings, t),
            (p, g, state, t) => OptimizerReference.Sgd(p, g, state[0], settings, t));
    }

    /// <summary>torch.optim.RMSprop over <paramref name="steps"/> steps; param, square_avg, grad_avg and momentum_buffer checked.</summary>
    public CheckResult OptimizerRule(int n, RmsPropSettings settings, int steps = 3)
    {
        var name = $"rmsprop{(settings.Centered ? " centered" : "")} momentum={settings.Momentum} wd={settings.WeightDecay}";
        return OptimizerRule(name, n, steps, stateCount: 3,
            (p, g, state, t) => backend.Optimizer.RmsProp(p, g, state[0], state[1], state[2], settings),
            (p, g, state, t) => OptimizerReference.RmsProp(p, g, state[0], state[1], state[2], settings));
    }

    /// <summary>torch.optim.Adam / AdamW over <paramref name="steps"/> steps; param, exp_avg and exp_avg_sq checked.</summary>
    public CheckResult OptimizerRule(int n, AdamSettings settings, int steps = 3)
    {
        var name = $"{(settings.Decoupled ? "adamw" : "adam")} wd={settings.WeightDecay}";
        return OptimizerRule(name, n, steps, stateCount: 2,
            (p, g, state, t) => backend.Optimizer.Adam(p, g, state[0], state[1], settings, t),
            (p, g, state, t) => OptimizerReference.Adam(p, g, state[0], state[1], settings, t));
    }

    /// <summary>
    /// The smooth step of width ε = 0.7 on x [s, 33] drawn over [−0.5, 1.2] (below 0, inside and above ε), forward, and backward into a
    /// separate δ; each against <see cref="DeltaReference.SmoothStep"/> and its slope.
    /// </summary>
    public IEnumerable<CheckResult> SmoothSteps(int s)
    {
        const float epsilon = 0.7f;
        var n = s * 33;
        var x = Uniform(n, -0.5f, 1.2f);
        var delta = Uniform(n, -1f, 1f);
        using var tx = Upload(x, s, 33);
        using var ty = backend.Allocate<float>(s, 33);
        using var td = Upload(delta, s, 33);
        using var ti = backend.Allocate<float>(s, 33);
        backend.Delta.SmoothStep(tx, epsilon, ty);
        backend.Delta.SmoothStepBackward(tx, td, epsilon, ti);
        var size = $"[{s}, 33]";
        // A cubic of t = u/ε in [0, 1] (forward: O(1) values) and 6t(1 − t)/ε times δ: a few float roundings each.
        yield return Compare("smooth step", size, Download(ty), [.. x.Select(u => DeltaReference.SmoothStep(u, epsilon))], 1e-6);
        yield return Compare("smooth step backward", size, Download(ti), [.. x.Select((u, i) => delta[i] * DeltaReference.SmoothStepSlope(u, epsilon))], 1e-5);
    }

    /// <summary>FISTA over a loop of four iterations (the first, where previous is not read, and the last, which ends at x, included): plain (Nesterov's accelerated gradient) and with an L1 prox and weight decay.</summary>
    public IEnumerable<CheckResult> FistaRules(int n)
    {
        yield return FistaRule(n, new FistaSettings(0.1f));
        yield return FistaRule(n, new FistaSettings(0.1f, L1: 0.5f, WeightDecay: 0.01f));
    }

    /// <summary>FISTA over <paramref name="steps"/> iterations of random gradients; param (y) and previous (x) checked.</summary>
    public CheckResult FistaRule(int n, FistaSettings settings, int steps = 4)
    {
        var name = $"fista l1={settings.L1} wd={settings.WeightDecay}";
        // The last iteration ends the inner loop (param ← x).
        FistaSettings At(long t) => settings with { Last = t == steps };
        return OptimizerRule(name, n, steps, stateCount: 1,
            (p, g, state, t) => backend.Optimizer.Fista(p, g, state[0], At(t), t),
            (p, g, state, t) => OptimizerReference.Fista(p, g, state[0], At(t), t));
    }

    private delegate void RuleKernel(Tensor<float> param, Tensor<float> grad, Tensor<float>[] state, long step);

    private delegate void RuleReference(double[] param, double[] grad, double[][] state, long step);

    private CheckResult OptimizerRule(string name, int n, int steps, int stateCount, RuleKernel kernel, RuleReference reference)
    {
        var param = Uniform(n, -1, 1);
        var state = new Tensor<float>[stateCount];
        try
        {
            for (var k = 0; k < stateCount; k++)
                state[k] = backend.Allocate<float>(n);
            using var tp = Upload(param, n);
            using var tg = backend.Allocate<float>(n);
            var expected = ToDouble(param);
            var expectedState = Enumerable.Range(0, stateCount).Select(_ => new double[n]).ToArray();
            for (var t = 1; t <= steps; t++)
            {
                // |g| in [0.1, 1]: RMSprop and Adam divide d = g + wd·param by its own running RMS, so an element where g and
                // wd·param nearly cancel turns d's float rounding into an O(lr) error that no kernel could avoid.
                var grad = Uniform(n, -1, 1).Select(v => MathF.CopySign(0.1f + 0.9f * MathF.Abs(v), v)).ToArray();
                tg.CopyFrom(grad);
                kernel(tp, tg, state, t);
                reference(expected, ToDouble(grad), expectedState, t);
            }
            // Each step moves a parameter by at most about lr·(1 + max(|d|/avg)); float rounding of that, over the steps.
            var tolerance = 1e-6 * steps;
            var size = $"N={n} steps={steps}";
            return Worst([Compare(name, size, Download(tp), expected, tolerance),
                .. state.Select((st, k) => Compare(name, size, Download(st), expectedState[k], tolerance))]);
        }
        finally
        {
            foreach (var st in state)
                st?.Dispose();
        }
    }

    /// <summary>
    /// Gradient clipping over tensors of the given lengths, max norm = <paramref name="limitOverNorm"/> × their norm (0.5: scaled by about
    /// a half; 2: left as they are); every gradient and the norm checked.
    /// </summary>
    public CheckResult ClipGradNorm(int[] lengths, double limitOverNorm)
    {
        var grads = lengths.Select(l => Uniform(l, -1, 1)).ToArray();
        var expected = grads.Select(ToDouble).ToArray();
        var norm = Math.Sqrt(expected.Sum(g => g.Sum(v => v * v)));
        var maxNorm = (float)(limitOverNorm * norm);
        var tensors = grads.Select(g => Upload(g, g.Length)).ToArray();
        try
        {
            using var tnorm = backend.Allocate<float>(2);
            backend.Optimizer.ClipGradNorm(tensors, maxNorm, tnorm);
            var total = OptimizerReference.ClipGradNorm(expected, maxNorm);
            var coefficient = Math.Min(1.0, maxNorm / (total + OptimizerMath.ClipEpsilon));
            var name = $"clip grad norm ×{limitOverNorm}";
            var size = $"N={string.Join('+', lengths)}";
            // The norm is a float sum of n squares: relative error ≤ about n·2⁻²⁴, which the coefficient and every scaled
            // gradient (|g| ≤ 1) inherit.
            var sumTolerance = 1e-7 * (lengths.Sum() + 8);
            return Worst([Compare(name, size, Download(tnorm), [total, coefficient], sumTolerance),
                .. tensors.Select((t, k) => Compare(name, size, Download(t), expected[k], sumTolerance))]);
        }
        finally
        {
            foreach (var t in tensors)
                t.Dispose();
        }
    }

    /// <summary>
    /// The activations whose checks came after the identity's and the sigmoid's (which <see cref="GemmEpilogues(IBackend, IGemm, int)"/>
    /// and the first epilogue checks cover): tanh, ReLU, and any added later.
    /// </summary>
    internal static IEnumerable<Backend.Activation> NewerActivations =>
        Activations.All.Where(a => a is not (Backend.Activation.Identity or Backend.Activation.Sigmoid));

    /// <summary>
    /// The per-sample classifier kernel with masking noise on its input, where the backend has a SampleSgd family:
    /// softmax alone on the input, a hidden layer, and frozen bottom layers (whose masked input still feeds the forward).
    /// </summary>
    public IEnumerable<CheckResult> SampleSgdMaskedClassifier(IReadOnlyList<int> sizes)
    {
        if (backend.SampleSgd is null)
            yield break;
        const float corruption = 0.3f;
        foreach (var s in sizes)
        {
            yield return SampleSgdClassifier([s, 10], firstTrained: 0, examples: 12, corruption);
            yield return SampleSgdClassifier([s, 33, 10], firstTrained: 0, examples: 12, corruption);
            yield return SampleSgdClassifier([s, 33, 10], firstTrained: 1, examples: 12, corruption);
            yield return SampleSgdClassifier([s, 31, 17, 7], firstTrained: 2, examples: 12, corruption);
        }
    }

    /// <summary>The SampleSgd family at each size, where the backend has one (nothing otherwise).</summary>
    public IEnumerable<CheckResult> SampleSgd(IReadOnlyList<int> sizes)
    {
        if (backend.SampleSgd is null)
            yield break;
        foreach (var s in sizes)
        {
            yield return SampleSgdDae(s, 33, LossKind.CrossEntropy, examples: 12);
            yield return SampleSgdDae(31, s, LossKind.SquaredError, examples: 12);
            // The sequential kernel's pairs: at 1000 hidden units cross-entropy saturates z to 1 in float (log clamped
            // at −100 against the double's −46), an ill-conditioned comparison for either kernel.
            yield return SampleSgdDae(s, 33, LossKind.CrossEntropy, examples: 12, hogwild: true);
            yield return SampleSgdDae(31, s, LossKind.SquaredError, examples: 12, hogwild: true);
            yield return SampleSgdClassifier([s, 33, 10], firstTrained: 0, examples: 12);
            yield return SampleSgdClassifier([31, s, 32, 7], firstTrained: 0, examples: 12);
            yield return SampleSgdClassifier([31, 33, s, 17, 10], firstTrained: 1, examples: 12);
        }
    }

    /// <summary>
    /// Per-sample SGD of a tied DAE over <paramref name="examples"/> examples (one repeated) against the
    /// double reference: every parameter and every loss, the worst reported. With <paramref name="hogwild"/>
    /// the Hogwild kernel runs it with one worker, which is sequential SGD (more workers are not reproducible).
    /// </summary>
    public CheckResult SampleSgdDae(int visible, int hidden, LossKind loss, int examples, bool hogwild = false)
    {
        var sampleSgd = backend.SampleSgd ?? throw new InvalidOperationException($"{backend.Name} has no SampleSgd family");
        return hogwild
            ? SampleSgdDae(backend, "sample sgd hogwild", visible, hidden, loss, examples,
                (model, data, indices, noise, corruption, learningRate, losses) =>
                    sampleSgd.TiedDaeHogwild(model, data, indices, noise, corruption, loss, learningRate, workers: 1, losses))
            : SampleSgdDae(backend, "sample sgd dae", visible, hidden, loss, examples,
                (model, data, indices, noise, corruption, learningRate, losses) =>
                    sampleSgd.TiedDae(model, data, indices, noise, corruption, loss, learningRate, losses));
    }

    /// <summary>
    /// The Hogwild kernel at K = 1 with a GPU's worker shape (groups of two 32-lane warps: a warp per row, shuffle
    /// sums, group barriers) against the reference, on a <see cref="WideGroupCpu"/> accelerator of this CPU
    /// accelerator's context; nothing on other backends (their own shape is what <see cref="SampleSgd"/> checks).
    /// Each warp shuffle costs about a millisecond there: keep hidden at a few rows.
    /// </summary>
    public IEnumerable<CheckResult> HogwildWarpShape(IReadOnlyList<(int Visible, int Hidden)> shapes)
    {
        if (backend is not IlgpuBackend { IsCpuAccelerator: true } ilgpu)
            yield break;
        using var wide = WideGroupCpu.Open(ilgpu.Accelerator.Context);
        using var launcher = new SampleSgdLauncher(wide);
        var shape = new HogwildLaunch(GroupSize: 64, LanesPerRow: 32);
        foreach (var (visible, hidden) in shapes)
            foreach (var loss in new[] { LossKind.SquaredError, LossKind.CrossEntropy })
                yield return SampleSgdDae(wide, "hogwild 64x32", visible, hidden, loss, examples: 6,
                    (model, data, indices, noise, corruption, learningRate, losses) =>
                        launcher.TiedDaeHogwild(model, data, indices, noise, corruption, loss, learningRate, workers: 1, losses, shape));
    }

    private delegate void TiedDaeRun(TiedDaeParameters model, Tensor<float> data, Tensor<int> indices, NoiseKey noise, float corruption,
        float learningRate, Tensor<float> losses);

    private CheckResult SampleSgdDae(IBackend on, string kernel, int visible, int hidden, LossKind loss, int examples, TiedDaeRun run)
    {
        const int rows = 40;
        const float corruption = 0.25f;
        // 0.1 up to 100 units, then 10 / width: a step of lr·‖x‖² ≫ 1 (‖x‖² ≈ 0.4·V here) makes the trajectory
        // chaotic, and float rounding then grows over the examples into differences no tolerance can tell from a bug.
        var learningRate = 0.1f * Math.Min(1f, 100f / Math.Max(visible, hidden));
        var data = Uniform(rows * visible, -0.3f, 1.3f).Select(v => Math.Clamp(v, 0f, 1f)).ToArray();
        var w = Uniform(hidden * visible, -0.5f, 0.5f);
        var bh = Uniform(hidden, -0.5f, 0.5f);
        var bv = Uniform(visible, -0.5f, 0.5f);
        var indices = ExampleOrder(examples, rows);
        var noise = new NoiseKey(seed, RngStream.Mask, 7);
        using var td = Upload(on, data, rows, visible);
        using var tw = Upload(on, w, hidden, visible);
        using var tbh = Upload(on, bh, hidden);
        using var tbv = Upload(on, bv, visible);
        using var ti = UploadInts(on, indices);
        using var tl = on.Allocate<float>(examples);
        run(new TiedDaeParameters(tw, tbh, tbv), td, ti, noise, corruption, learningRate, tl);
        var (ew, ebh, ebv, el) = (ToDouble(w), ToDouble(bh), ToDouble(bv), new double[examples]);
        SampleSgdReference.TiedDae(visible, hidden, ew, ebh, ebv, ToDouble(data), indices, noise, corruption, loss, learningRate, el);
        var name = $"{kernel} {(loss == LossKind.SquaredError ? "mse" : "xent")}";
        var size = $"V={visible} H={hidden} n={examples}";
        // Float rounding of sums over max(V, H) terms, compounded over the examples' updates.
        var tolerance = 1e-8 * (Math.Max(visible, hidden) + 8) * examples;
        return Worst(
            Compare(name, size, Download(on, tw), ew, tolerance),
            Compare(name, size, Download(on, tbh), ebh, tolerance),
            Compare(name, size, Download(on, tbv), ebv, tolerance),
            Compare(name, size, Download(on, tl), el, 1e-6 * (visible + 8)));
    }

    /// <summary>
    /// Per-sample SGD of a classifier with layer sizes <paramref name="sizes"/> (inputs first, classes
    /// last) against the double reference: every parameter and every loss, the worst reported. Inputs are masked
    /// with probability <paramref name="corruption"/>.
    /// </summary>
    public CheckResult SampleSgdClassifier(int[] sizes, int firstTrained, int examples, float corruption = 0f)
    {
        var sampleSgd = backend.SampleSgd ?? throw new InvalidOperationException($"{backend.Name} has no SampleSgd family");
        const int rows = 40;
        const float learningRate = 0.1f;
        var inputs = sizes[0];
        var classes = sizes[^1];
        var data = Uniform(rows * inputs, 0, 1);
        var indices = ExampleOrder(examples, rows);
        var labels = Labels(examples, classes);
        var layers = new List<(float[] W, float[] B, Tensor<float> TW, Tensor<float> TB)>();
        try
        {
            for (var l = 0; l + 1 < sizes.Length; l++)
            {
                var range = (float)(4 * Math.Sqrt(6.0 / (sizes[l] + sizes[l + 1])));
                var w = Uniform(sizes[l + 1] * sizes[l], -range, range);
                var b = Uniform(sizes[l + 1], -0.5f, 0.5f);
                layers.Add((w, b, Upload(w, sizes[l + 1], sizes[l]), Upload(b, sizes[l + 1])));
            }
            using var td = Upload(data, rows, inputs);
            using var ti = UploadInts(indices);
            using var tlabels = UploadInts(labels);
            using var tl = backend.Allocate<float>(examples);
            var noise = new NoiseKey(seed, RngStream.FinetuneMask, 7);
            sampleSgd.Classifier(layers.Select(l => new DenseParameters(l.TW, l.TB)).ToArray(), firstTrained, td, ti, tlabels, noise, corruption,
                learningRate, tl);
            var reference = layers.Select((l, i) => new SampleSgdReference.Layer(sizes[i], sizes[i + 1], ToDouble(l.W), ToDouble(l.B))).ToArray();
            var el = new double[examples];
            SampleSgdReference.Classifier(reference, firstTrained, ToDouble(data), indices, labels, noise, corruption, learningRate, el);
            var size = $"{string.Join('-', sizes)} frozen<{firstTrained} n={examples}{(corruption > 0 ? $" masked {corruption}" : "")}";
            var tolerance = 1e-8 * (sizes.Max() + 8) * examples;
            var results = layers.SelectMany((l, i) => new[]
            {
                Compare("sample sgd classifier", size, Download(l.TW), reference[i].Weights, tolerance),
                Compare("sample sgd classifier", size, Download(l.TB), reference[i].Bias, tolerance),
            }).Append(Compare("sample sgd classifier", size, Download(tl), el, tolerance));
            return Worst([.. results]);
        }
        finally
        {
            foreach (var l in layers)
            {
                l.TW.Dispose();
                l.TB.Dispose();
            }
        }
    }

    /// <summary>n example indices in [0, rows), the first one visited twice (the second visit sees updated weights).</summary>
    private int[] ExampleOrder(int n, int rows)
    {
        var stream = draw++;
        var order = Enumerable.Range(0, n).Select(i => (int)(CounterRng.Hash32(seed, (uint)RngStream.Data, stream, (uint)i, 2) % (uint)rows)).ToArray();
        if (n > 2)
            order[n - 1] = order[0];
        return order;
    }

    private static CheckResult Worst(params CheckResult[] results) => results.MaxBy(r => r.WorstToleranceRatio)!;

    /// <summary>The products of a tied autoencoder at its real shapes (batch × visible × hidden).</summary>
    public IEnumerable<CheckResult> TiedAutoencoderShapes(int batch, int visible, int hidden)
    {
        var (sigmoid, backward) = (GemmEpilogue(GemmEpilogueKind.BiasActivate), GemmEpilogue(GemmEpilogueKind.ActivationBackward));
        yield return Gemm(backend, backend.Gemm, Transpose.None, Transpose.Transposed, batch, hidden, visible, sigmoid); // encode s(x̃·Wᵀ + b_hidden)
        yield return Gemm(backend, backend.Gemm, Transpose.None, Transpose.None, batch, visible, hidden, sigmoid);      // decode s(y·W + b_visible)
        yield return Gemm(backend, backend.Gemm, Transpose.None, Transpose.Transposed, batch, hidden, visible, backward); // δy = (δz·Wᵀ) ⊙ y(1 − y)
        yield return Gemm(Transpose.Transposed, Transpose.None, hidden, visible, 2 * batch); // gradient [δy; y]ᵀ·[x̃; δz], one product over both
    }

    /// <summary>The epilogues a GEMM fuses (bias + sigmoid, bias alone, sigmoid backward), each on one transpose pair, with s in each dimension in turn.</summary>
    private IEnumerable<CheckResult> GemmEpilogues(IBackend on, IGemm gemm, int s)
    {
        yield return Gemm(on, gemm, Transpose.None, Transpose.Transposed, s, 33, 31, GemmEpilogue(GemmEpilogueKind.BiasActivate));
        yield return Gemm(on, gemm, Transpose.Transposed, Transpose.None, 31, s, 33, GemmEpilogue(GemmEpilogueKind.BiasActivate, Backend.Activation.Identity));
        yield return Gemm(on, gemm, Transpose.None, Transpose.None, 33, 31, s, GemmEpilogue(GemmEpilogueKind.ActivationBackward));
        yield return Gemm(on, gemm, Transpose.Transposed, Transpose.Transposed, s, 31, 33, GemmEpilogue(GemmEpilogueKind.ActivationBackward));
    }

    /// <summary>
    /// <paramref name="activation"/> in both epilogues, each on two transpose pairs, with s in each dimension in turn: the
    /// bias and act(·) on (s, 33, 31) NT and (31, s, 33) TN, ⊙act′ on (33, 31, s) NN and (s, 31, 33) TT.
    /// </summary>
    private IEnumerable<CheckResult> GemmEpilogues(IBackend on, IGemm gemm, int s, Backend.Activation activation)
    {
        yield return Gemm(on, gemm, Transpose.None, Transpose.Transposed, s, 33, 31, GemmEpilogue(GemmEpilogueKind.BiasActivate, activation));
        yield return Gemm(on, gemm, Transpose.Transposed, Transpose.None, 31, s, 33, GemmEpilogue(GemmEpilogueKind.BiasActivate, activation));
        yield return Gemm(on, gemm, Transpose.None, Transpose.None, 33, 31, s, GemmEpilogue(GemmEpilogueKind.ActivationBackward, activation));
        yield return Gemm(on, gemm, Transpose.Transposed, Transpose.Transposed, s, 31, 33, GemmEpilogue(GemmEpilogueKind.ActivationBackward, activation));
    }

    private static (GemmEpilogueKind Kind, Backend.Activation Activation) GemmEpilogue(GemmEpilogueKind kind,
        Backend.Activation activation = Backend.Activation.Sigmoid) => (kind, activation);

    /// <summary>One product through the backend's own GEMM, on whichever kernel it selects for the shape.</summary>
    public CheckResult Gemm(Transpose transA, Transpose transB, int m, int n, int k) =>
        Gemm(backend, backend.Gemm, transA, transB, m, n, k);

    /// <summary>The same with <paramref name="epilogue"/> (its operand made by the check) applied to the product.</summary>
    public CheckResult Gemm(Transpose transA, Transpose transB, int m, int n, int k, GemmEpilogueKind epilogue, Backend.Activation activation) =>
        Gemm(backend, backend.Gemm, transA, transB, m, n, k, (epilogue, activation));

    /// <summary>
    /// Every GEMM kernel of an ILGPU backend, each forced whatever the shape would select, on the four transposes
    /// at (s, 33, 31), (31, s, 33) and (33, 31, s) for each s; nothing for other backends. The shared-memory kernels
    /// need groups of 64, 128 or 256 threads, which the engine's CPU accelerator (4-thread groups) lacks: there they run
    /// on a <see cref="WideGroupCpu"/> accelerator of the same context. Each of their barriers costs milliseconds
    /// on a CPU accelerator, so keep sizes there at a few hundred.
    /// </summary>
    public IEnumerable<CheckResult> GemmVariants(IReadOnlyList<int> sizes)
    {
        if (backend is not IlgpuBackend ilgpu)
            yield break;
        using var wide = ilgpu.IsCpuAccelerator ? WideGroupCpu.Open(ilgpu.Accelerator.Context) : null;
        foreach (var variant in Enum.GetValues<GemmVariant>())
        {
            var target = variant is not (GemmVariant.Strip1x4 or GemmVariant.Tile4x4) && wide is not null ? wide : ilgpu;
            // 32-deep K-slices, so that split-K splits even these small products (K = 33 is two slices, the last 1 deep).
            using var gemm = new GemmLauncher(target, variant, sliceDepth: 32);
            foreach (var s in sizes)
                foreach (var ta in new[] { Transpose.None, Transpose.Transposed })
                    foreach (var tb in new[] { Transpose.None, Transpose.Transposed })
                    {
                        yield return Gemm(target, gemm, ta, tb, s, 33, 31);
                        yield return Gemm(target, gemm, ta, tb, 31, s, 33);
                        yield return Gemm(target, gemm, ta, tb, 33, 31, s);
                    }
            // Each epilogue on each variant; split-K must apply it once, after its slices are summed.
            foreach (var s in sizes)
                foreach (var result in GemmEpilogues(target, gemm, s))
                    yield return result;
        }
        // The newer activations on each variant, after all the above so those keep their inputs.
        foreach (var variant in Enum.GetValues<GemmVariant>())
        {
            var target = variant is not (GemmVariant.Strip1x4 or GemmVariant.Tile4x4) && wide is not null ? wide : ilgpu;
            using var gemm = new GemmLauncher(target, variant, sliceDepth: 32);
            foreach (var activation in NewerActivations)
                foreach (var s in sizes)
                    foreach (var result in GemmEpilogues(target, gemm, s, activation))
                        yield return result;
        }
    }

    private CheckResult Gemm(IBackend on, IGemm gemm, Transpose transA, Transpose transB, int m, int n, int k) =>
        Gemm(on, gemm, transA, transB, m, n, k, (GemmEpilogueKind.None, Backend.Activation.Identity));

    /// <summary>One product with an epilogue: a bias [N] in [−2, 2], or an activation output y [M,N] (<see cref="ActivationOutputs"/>).</summary>
    private CheckResult Gemm(IBackend on, IGemm gemm, Transpose transA, Transpose transB, int m, int n, int k,
        (GemmEpilogueKind Kind, Backend.Activation Activation) epilogue)
    {
        var aShape = transA == Transpose.None ? new[] { m, k } : new[] { k, m };
        var bShape = transB == Transpose.None ? new[] { k, n } : new[] { n, k };
        var a = Uniform(m * k, -1, 1);
        var b = Uniform(k * n, -1, 1);
        var c = Uniform(m * n, -1, 1);
        var operand = epilogue.Kind switch
        {
            GemmEpilogueKind.BiasActivate => Uniform(n, -2, 2),
            GemmEpilogueKind.ActivationBackward => ActivationOutputs(epilogue.Activation, m * n),
            _ => [],
        };
        const float alpha = 1.5f, beta = 0.5f;
        using var ta = Upload(on, a, aShape);
        using var tb = Upload(on, b, bShape);
        using var tc = Upload(on, c, m, n);
        using var to = epilogue.Kind == GemmEpilogueKind.None ? null
            : Upload(on, operand, epilogue.Kind == GemmEpilogueKind.BiasActivate ? [n] : [m, n]);
        gemm.Gemm(transA, transB, alpha, ta, tb, beta, tc, new GemmEpilogue(epilogue.Kind, epilogue.Activation, to));
        var expected = ToDouble(c);
        GemmReference.Gemm(transA, transB, m, n, k, alpha, ToDouble(a), ToDouble(b), beta, expected, epilogue.Kind, epilogue.Activation, ToDouble(operand));
        var kernel = gemm is GemmLauncher launcher ? $" {launcher.VariantFor(m, n, k).ToString().ToLowerInvariant()}" : "";
        var fused = epilogue.Kind switch
        {
            GemmEpilogueKind.BiasActivate => $" +bias+{epilogue.Activation.ToString().ToLowerInvariant()}",
            GemmEpilogueKind.ActivationBackward => $" ⊙{epilogue.Activation.ToString().ToLowerInvariant()}′",
            _ => "",
        };
        // Float sums of k products of magnitude ≤ 1 drift by about k·2⁻²⁴ at worst; no activation's derivative exceeds 1 in
        // magnitude, so neither the activation nor the ⊙act′ grows that.
        return Compare($"gemm {Code(transA)}{Code(transB)}{fused}{kernel}", $"M={m} N={n} K={k}", Download(on, tc), expected, 4e-7 * (k + 8));
    }

    /// <summary>
    /// A GEMM epilogue on its own: the product is zero (K = 1) and beta = 1, so c = act(x + bias[N]) or x ⊙ act′(y), the
    /// element-wise pass that the epilogue replaced, at that pass's tolerance.
    /// </summary>
    public CheckResult EpilogueAlone(GemmEpilogueKind kind, Backend.Activation activation, int m, int n)
    {
        var backward = kind == GemmEpilogueKind.ActivationBackward;
        var x = backward ? Uniform(m * n, -1, 1) : Uniform(m * n, -6, 6);
        var operand = backward ? ActivationOutputs(activation, m * n) : Uniform(n, -2, 2);
        using var tx = Upload(x, m, n);
        using var to = backward ? Upload(operand, m, n) : Upload(operand, n);
        using var zeroA = backend.Allocate<float>(m, 1);
        using var zeroB = backend.Allocate<float>(1, n);
        backend.Gemm.Gemm(Transpose.None, Transpose.None, 1f, zeroA, zeroB, 1f, tx, new GemmEpilogue(kind, activation, to));
        var expected = ToDouble(x);
        GemmReference.Epilogue(kind, activation, m, n, ToDouble(operand), expected);
        var name = backward ? $"gemm epilogue ⊙{activation.ToString().ToLowerInvariant()}′" : $"gemm epilogue bias+{activation.ToString().ToLowerInvariant()}";
        return Compare(name, $"M={m} N={n}", Download(tx), expected, backward ? 1e-7 : 1e-6);
    }

    /// <summary>
    /// count outputs y of <paramref name="activation"/>, the operand of ⊙act′: the sigmoid's are uniform in [0, 1] (the
    /// draw its checks have always made); every other's is act(a) for a uniform in [−3, 3], so the outputs lie where the
    /// activation puts them (tanh's in (−1, 1), half of ReLU's exactly 0, where its derivative switches).
    /// </summary>
    private float[] ActivationOutputs(Backend.Activation activation, int count)
    {
        if (activation == Backend.Activation.Sigmoid)
            return Uniform(count, 0, 1);
        var act = Activations.Of(activation);
        return Array.ConvertAll(Uniform(count, -3, 3), act.Apply);
    }

    /// <summary>sums = alpha·(column sums of a [M,N]) + 1·sums; alpha ≠ 1 is a plain-SGD bias update (alpha = −lr).</summary>
    public CheckResult ColumnSums(int m, int n, float alpha = 1f)
    {
        var a = Uniform(m * n, -1, 1);
        var sums = Uniform(n, -1, 1);
        using var ta = Upload(a, m, n);
        using var ts = Upload(sums, n);
        backend.Gemm.ColumnSums(alpha, ta, 1f, ts);
        var expected = ToDouble(sums);
        GemmReference.ColumnSums(m, n, alpha, ToDouble(a), 1.0, expected);
        return Compare(alpha == 1f ? "column sums" : "column sums alpha", $"M={m} N={n}", Download(ts), expected, 4e-7 * (m + 8));
    }

    /// <summary>Both column sums of a [M,N] and a2 [M,N2] in one call (beta = 1 keeps the old sums); the worse is reported.</summary>
    public CheckResult ColumnSumsPair(int m, int n, int n2, float alpha = 1f)
    {
        var a = Uniform(m * n, -1, 1);
        var a2 = Uniform(m * n2, -1, 1);
        var sums = Uniform(n, -1, 1);
        var sums2 = Uniform(n2, -1, 1);
        using var ta = Upload(a, m, n);
        using var ta2 = Upload(a2, m, n2);
        using var ts = Upload(sums, n);
        using var ts2 = Upload(sums2, n2);
        backend.Gemm.ColumnSums(alpha, ta, ta2, 1f, ts, ts2);
        var (expected, expected2) = (ToDouble(sums), ToDouble(sums2));
        GemmReference.ColumnSums(m, n, alpha, ToDouble(a), 1.0, expected);
        GemmReference.ColumnSums(m, n2, alpha, ToDouble(a2), 1.0, expected2);
        var size = $"M={m} N={n} N2={n2}";
        var name = alpha == 1f ? "column sums pair" : "column sums pair alpha";
        return Worst(Compare(name, size, Download(ts), expected, 4e-7 * (m + 8)),
            Compare(name, size, Download(ts2), expected2, 4e-7 * (m + 8)));
    }

    /// <summary>Checks delta and the per-example losses together (the worse of the two is reported).</summary>
    public CheckResult OutputDelta(LossKind loss, int m, int n)
    {
        // Targets in [0,1] and outputs strictly inside (0,1), with some exact 0/1 targets as MNIST has.
        var x = Uniform(m * n, -0.3f, 1.3f).Select(v => Math.Clamp(v, 0f, 1f)).ToArray();
        var z = Uniform(m * n, 0.001f, 0.999f);
        const float scale = 0.25f;
        using var tz = Upload(z, m, n);
        using var tx = Upload(x, m, n);
        using var td = backend.Allocate<float>(m, n);
        using var tl = backend.Allocate<float>(m);
        backend.Delta.SigmoidOutputDelta(loss, tz, tx, scale, td, tl);
        var delta = new double[m * n];
        var losses = new double[m];
        DeltaReference.SigmoidOutputDelta(loss, m, n, ToDouble(z), ToDouble(x), scale, delta, losses);
        var name = loss == LossKind.SquaredError ? "output delta mse" : "output delta xent";
        var d = Compare(name, $"M={m} N={n}", Download(td), delta, 1e-6);
        // A row loss sums n positive terms of size ≤ 7 (xent) in float.
        var l = Compare(name, $"M={m} N={n}", Download(tl), losses, 1e-5 * (n + 8));
        return d.WorstToleranceRatio >= l.WorstToleranceRatio ? d : l;
    }

    /// <param name="logitOffset">Added to every logit: at 90, exp overflows float unless the row maximum is subtracted first.</param>
    public CheckResult BiasSoftmax(int m, int n, float logitOffset)
    {
        var x = Uniform(m * n, logitOffset - 10, logitOffset + 10);
        var bias = Uniform(n, -2, 2);
        using var tx = Upload(x, m, n);
        using var tb = Upload(bias, n);
        backend.Softmax.BiasSoftmax(tx, tb);
        var expected = ToDouble(x);
        SoftmaxReference.BiasSoftmax(m, n, expected, ToDouble(bias));
        return Compare(logitOffset == 0 ? "bias+softmax" : "bias+softmax large", $"M={m} N={n}", Download(tx), expected, 1e-6);
    }

    /// <summary>Checks the softmax cross-entropy delta and the per-example losses together (the worse is reported).</summary>
    public CheckResult SoftmaxCrossEntropy(int m, int n)
    {
        // Outputs are real softmax rows (each sums to 1); labels cover every class.
        var z = Uniform(m * n, -4, 4);
        var rows = ToDouble(z);
        SoftmaxReference.BiasSoftmax(m, n, rows, new double[n]);
        z = Array.ConvertAll(rows, v => (float)v);
        var labels = Labels(m, n);
        const float scale = 0.25f;
        using var tz = Upload(z, m, n);
        using var tl = UploadInts(labels);
        using var td = backend.Allocate<float>(m, n);
        using var tloss = backend.Allocate<float>(m);
        backend.Softmax.CrossEntropyDelta(tz, tl, scale, td, tloss);
        var delta = new double[m * n];
        var losses = new double[m];
        SoftmaxReference.CrossEntropyDelta(m, n, ToDouble(z), labels, scale, delta, losses);
        var d = Compare("softmax xent delta", $"M={m} N={n}", Download(td), delta, 1e-7);
        var l = Compare("softmax xent delta", $"M={m} N={n}", Download(tloss), losses, 1e-6);
        return d.WorstToleranceRatio >= l.WorstToleranceRatio ? d : l;
    }

    /// <summary>Predictions and hits must match exactly (the tolerance is zero); the worse of the two is reported.</summary>
    public CheckResult Argmax(int m, int n)
    {
        var scores = Uniform(m * n, -1, 1);
        var labels = Labels(m, n);
        using var ts = Upload(scores, m, n);
        using var tl = UploadInts(labels);
        using var tp = backend.Allocate<int>(m);
        using var tc = backend.Allocate<int>(m);
        backend.Softmax.Argmax(ts, tl, tp, tc);
        var predictions = new int[m];
        var correct = new int[m];
        SoftmaxReference.Argmax(m, n, ToDouble(scores), labels, predictions, correct);
        backend.Synchronize();
        var p = Compare("argmax", $"M={m} N={n}", ToFloat(tp.ToArray()), ToDouble(predictions), 0);
        var c = Compare("argmax", $"M={m} N={n}", ToFloat(tc.ToArray()), ToDouble(correct), 0);
        return p.WorstToleranceRatio >= c.WorstToleranceRatio ? p : c;
    }

    public CheckResult Gather(int m, int n, int rows)
    {
        var data = Uniform(rows * n, 0, 1);
        var indices = Enumerable.Range(0, m).Select(i => (int)(CounterRng.Hash32(seed, (uint)RngStream.Data, 99, (uint)i, 0) % (uint)rows)).ToArray();
        using var td = Upload(data, rows, n);
        using var ti = UploadInts(indices);
        using var tdst = backend.Allocate<float>(m, n);
        backend.Corruption.Gather(td, ti, tdst);
        var expected = new double[m * n];
        CorruptionReference.Gather(n, ToDouble(data), indices, expected);
        return Compare("gather", $"M={m} N={n}", Download(tdst), expected, 0);
    }

    /// <summary>Masks must match the reference bit for bit: the tolerance is zero.</summary>
    public CheckResult Mask(int m, int n, float probability)
    {
        var x = Uniform(m * n, 0.01f, 1);
        var indices = Enumerable.Range(0, m).Select(i => 1000 + 7 * i).ToArray();
        var key = new NoiseKey(seed, RngStream.Mask, 3);
        using var tx = Upload(x, m, n);
        using var ti = UploadInts(indices);
        using var tdst = backend.Allocate<float>(m, n);
        backend.Corruption.Mask(tx, ti, key, probability, tdst);
        var expected = new double[m * n];
        CorruptionReference.Mask(m, n, ToDouble(x), indices, key, probability, expected);
        return Compare($"mask p={probability}", $"M={m} N={n}", Download(tdst), expected, 0);
    }

    /// <summary>The fused gather + mask: both outputs must match the reference bit for bit (the worse is reported).</summary>
    public CheckResult GatherMask(int m, int n, float probability, int rows)
    {
        var data = Uniform(rows * n, 0.01f, 1);
        var indices = Enumerable.Range(0, m).Select(i => (int)(CounterRng.Hash32(seed, (uint)RngStream.Data, 98, (uint)i, 0) % (uint)rows)).ToArray();
        var key = new NoiseKey(seed, RngStream.Mask, 5);
        using var td = Upload(data, rows, n);
        using var ti = UploadInts(indices);
        using var tclean = backend.Allocate<float>(m, n);
        using var tmasked = backend.Allocate<float>(m, n);
        backend.Corruption.GatherMask(td, ti, key, probability, tclean, tmasked);
        var clean = new double[m * n];
        CorruptionReference.Gather(n, ToDouble(data), indices, clean);
        var masked = new double[m * n];
        CorruptionReference.Mask(m, n, clean, indices, key, probability, masked);
        var name = $"gather+mask p={probability}";
        return Worst(Compare(name, $"M={m} N={n}", Download(tclean), clean, 0), Compare(name, $"M={m} N={n}", Download(tmasked), masked, 0));
    }

    public CheckResult Sgd(int n, float momentum)
    {
        var param = Uniform(n, -1, 1);
        var grad = Uniform(n, -1, 1);
        var velocity = Uniform(n, -1, 1);
        const float lr = 0.1f;
        using var tp = Upload(param, n);
        using var tg = Upload(grad, n);
        using var tv = Upload(velocity, n);
        backend.Optimizer.Sgd(tp, tg, tv, lr, momentum);
        var expected = ToDouble(param);
        OptimizerReference.Sgd(expected, ToDouble(grad), ToDouble(velocity), lr, momentum);
        return Compare(momentum == 0 ? "sgd" : "sgd momentum", $"N={n}", Download(tp), expected, 1e-6);
    }

    private static string Code(Transpose t) => t == Transpose.None ? "N" : "T";

    private CheckResult Compare(string kernel, string size, float[] actual, double[] expected, double absoluteTolerance,
        double relativeTolerance = RelativeTolerance)
    {
        BeforeCompare?.Invoke(actual);
        double maxAbs = 0, maxRel = 0, worst = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            var err = Math.Abs(actual[i] - expected[i]);
            if (double.IsNaN(actual[i]))
                err = double.PositiveInfinity;
            maxAbs = Math.Max(maxAbs, err);
            maxRel = Math.Max(maxRel, err / Math.Max(Math.Abs(expected[i]), 1.0));
            // Exact kernels (absoluteTolerance 0) fail on any difference.
            var ratio = err == 0 ? 0
                : absoluteTolerance == 0 ? double.PositiveInfinity
                : err / (absoluteTolerance + relativeTolerance * Math.Abs(expected[i]));
            worst = Math.Max(worst, ratio);
        }
        return new CheckResult(kernel, size, maxAbs, maxRel, worst);
    }

    private float[] Uniform(int count, float low, float high)
    {
        var stream = draw++;
        var result = new float[count];
        for (var i = 0; i < count; i++)
            result[i] = low + (high - low) * (float)CounterRng.Uniform(seed, (uint)RngStream.Data, stream, (uint)i, 0);
        return result;
    }

    private static double[] ToDouble(float[] values) => Array.ConvertAll(values, v => (double)v);

    private static double[] ToDouble(int[] values) => Array.ConvertAll(values, v => (double)v);

    private static float[] ToFloat(int[] values) => Array.ConvertAll(values, v => (float)v);

    /// <summary>m labels in [0, n) from the Data stream.</summary>
    private int[] Labels(int m, int n)
    {
        var stream = draw++;
        return Enumerable.Range(0, m).Select(i => (int)(CounterRng.Hash32(seed, (uint)RngStream.Data, stream, (uint)i, 1) % (uint)n)).ToArray();
    }

    private Tensor<float> Upload(float[] values, params int[] shape) => Upload(backend, values, shape);

    private static Tensor<float> Upload(IBackend on, float[] values, params int[] shape)
    {
        var t = on.Allocate<float>(shape);
        t.CopyFrom(values);
        return t;
    }

    private Tensor<int> UploadInts(int[] values) => UploadInts(backend, values);

    private static Tensor<int> UploadInts(IBackend on, int[] values)
    {
        var t = on.Allocate<int>(values.Length);
        t.CopyFrom(values);
        return t;
    }

    private float[] Download(Tensor<float> t) => Download(backend, t);

    private static float[] Download(IBackend on, Tensor<float> t)
    {
        on.Synchronize();
        return t.ToArray();
    }
}
