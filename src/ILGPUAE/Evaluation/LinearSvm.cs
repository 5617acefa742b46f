namespace ILGPUAE.Evaluation;

using ILGPUAE.Backend;

/// <summary>
/// Examples for <see cref="LinearSvm"/> on one backend: x [M, width + 1], each row a code followed by a constant 1 (the
/// intercept as one more feature, LIBLINEAR's bias = 1, scikit-learn's intercept_scaling = 1: the intercept is regularised with
/// the weights), and the labels [M] in [0, classes).
/// </summary>
public sealed class SvmData : IDisposable
{
    private SvmData(Tensor<float> x, Tensor<int> labels, int classes)
    {
        X = x;
        Labels = labels;
        Classes = classes;
    }

    public Tensor<float> X { get; }
    public Tensor<int> Labels { get; }
    public int Classes { get; }
    public int Rows => X.Rows;

    /// <summary>Features per row, the intercept's included.</summary>
    public int Features => X.Shape[1];

    /// <param name="codes">[M, width], row-major.</param>
    /// <param name="labels">[M] in [0, classes); null for a set whose labels are not to be read yet (they stay −1 on the device).</param>
    public static SvmData Upload(IBackend backend, ReadOnlySpan<float> codes, int width, ReadOnlySpan<int> labels, int classes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        if (codes.Length % width != 0)
            throw new ArgumentException($"{codes.Length} code values are not rows of {width}", nameof(codes));
        var rows = codes.Length / width;
        if (!labels.IsEmpty && labels.Length != rows)
            throw new ArgumentException($"{labels.Length} labels for {rows} rows of codes", nameof(labels));
        foreach (var label in labels)
            if (label < 0 || label >= classes)
                throw new ArgumentOutOfRangeException(nameof(labels), label, $"expected labels in [0, {classes})");
        var augmented = new float[(long)rows * (width + 1)];
        for (var i = 0; i < rows; i++)
        {
            codes.Slice(i * width, width).CopyTo(augmented.AsSpan(i * (width + 1), width));
            augmented[(long)i * (width + 1) + width] = 1f;
        }
        var x = backend.Allocate<float>(rows, width + 1);
        var y = backend.Allocate<int>(rows);
        x.CopyFrom(augmented);
        if (labels.IsEmpty)
            y.CopyFrom(Enumerable.Repeat(-1, rows).ToArray());
        else
            y.CopyFrom(labels);
        return new SvmData(x, y, classes);
    }

    /// <summary>Puts the labels of a set uploaded without them on the device.</summary>
    public void SetLabels(ReadOnlySpan<int> labels)
    {
        if (labels.Length != Rows)
            throw new ArgumentException($"{labels.Length} labels for {Rows} rows", nameof(labels));
        foreach (var label in labels)
            if (label < 0 || label >= Classes)
                throw new ArgumentOutOfRangeException(nameof(labels), label, $"expected labels in [0, {Classes})");
        Labels.CopyFrom(labels);
    }

    public void Dispose()
    {
        X.Dispose();
        Labels.Dispose();
    }
}

/// <summary>How <see cref="LinearSvm.Train"/> stops.</summary>
/// <param name="Tolerance">
/// Class k is done when ‖∇f_k(w)‖ ≤ Tolerance·‖∇f_k(0)‖ (relative, as LIBLINEAR's eps for its primal solvers; LIBLINEAR's default 0.01
/// also scales by min(#pos, #neg)/#examples, ≈ 0.1 on ten balanced classes). The default 1e-4 is what agreeing with scikit-learn's
/// LinearSVC at tol 1e-6 took: on bg-rand DAE-2L's codes (12000 × 1000, C 10) 1e-3 ended 0.94 points of test error away, outside the
/// 95 % interval, 1e-4 within 0.03; 1e-5 is below what float sums resolve at small C (C 0.001 then stops short, reported as not converged).
/// </param>
/// <param name="MaxNewtonIterations">Newton steps per class at most (LIBLINEAR: 1000).</param>
/// <param name="MaxConjugateGradientIterations">Conjugate-gradient iterations per Newton step at most.</param>
public sealed record LinearSvmSettings(double Tolerance = 1e-4, int MaxNewtonIterations = 1000, int MaxConjugateGradientIterations = 500);

/// <summary>A trained one-vs-rest linear SVM.</summary>
/// <param name="Weights">[classes, features], the intercept last in each row.</param>
/// <param name="Objectives">f_k(w_k) per class at the end.</param>
/// <param name="RelativeGradientNorms">‖∇f_k(w)‖ / ‖∇f_k(0)‖ per class at the end.</param>
/// <param name="Converged">Whether every class met the tolerance (false: the iteration limit, or a line search that found no decrease).</param>
public sealed record LinearSvmModel(double C, int Classes, int Features, float[] Weights, double[] Objectives, double[] RelativeGradientNorms,
    int NewtonIterations, int ConjugateGradientIterations, bool Converged);

/// <summary>
/// One-vs-rest linear SVM with the L2-regularised squared hinge (LIBLINEAR's L2R_L2LOSS_SVC, -s 2; scikit-learn's LinearSVC with
/// loss='squared_hinge', penalty='l2', intercept_scaling=1): per class k, min_w f_k(w) = ½‖w‖² + C·Σ_i max(0, 1 − y_ik·w·x_i)²,
/// x_i the code with a trailing 1. Solved in the primal by Newton's method as LIBLINEAR does, every class at once: each step
/// solves (I + 2C·XᵀD_kX)s_k = −∇f_k by conjugate gradients (D_k the active set, stopping at ‖r‖ ≤ 0.1·‖∇f_k‖) and takes the
/// largest step 2⁻ʲ that meets Armijo's condition f(w + ts) ≤ f(w) + 0.01·t·∇fᵀs. Products are GEMMs over all classes
/// (<see cref="IGemm"/>), the rest the <see cref="ISvm"/> kernels; only per-class scalars come back to the host.
/// </summary>
public sealed class LinearSvm : IDisposable
{
    private const double ArmijoFraction = 0.01;
    private const double ConjugateGradientFraction = 0.1;
    private const int MaxHalvings = 30;

    private readonly IBackend backend;
    private readonly SvmData data;
    private readonly int classes, features;
    private readonly Tensor<float> w, g, s, r, d, hd;
    private readonly Tensor<float> scores, residual, losses, xd;
    private readonly Tensor<float> dots, lossSums, alpha, beta, ones, zeros;
    private readonly float[] hostK;

    public LinearSvm(IBackend backend, SvmData data)
    {
        this.backend = backend;
        this.data = data;
        classes = data.Classes;
        features = data.Features;
        w = backend.Allocate<float>(classes, features);
        g = backend.Allocate<float>(classes, features);
        s = backend.Allocate<float>(classes, features);
        r = backend.Allocate<float>(classes, features);
        d = backend.Allocate<float>(classes, features);
        hd = backend.Allocate<float>(classes, features);
        scores = backend.Allocate<float>(data.Rows, classes);
        residual = backend.Allocate<float>(data.Rows, classes);
        losses = backend.Allocate<float>(data.Rows, classes);
        xd = backend.Allocate<float>(data.Rows, classes);
        dots = backend.Allocate<float>(classes);
        lossSums = backend.Allocate<float>(classes);
        alpha = backend.Allocate<float>(classes);
        beta = backend.Allocate<float>(classes);
        ones = backend.Allocate<float>(classes);
        zeros = backend.Allocate<float>(classes);
        hostK = new float[classes];
        ones.CopyFrom(Enumerable.Repeat(1f, classes).ToArray());
    }

    /// <summary>Trains from w = 0 at <paramref name="c"/> on this instance's data.</summary>
    public LinearSvmModel Train(double c, LinearSvmSettings? settings = null)
    {
        settings ??= new LinearSvmSettings();
        if (!(c > 0) || !double.IsFinite(c))
            throw new ArgumentOutOfRangeException(nameof(c), c, "expected a positive, finite C");
        var twoC = (float)(2 * c);
        w.CopyFrom(new float[classes * features]);
        var (f, gradientNorms) = Evaluate(c, twoC);
        var initialNorms = (double[])gradientNorms.Clone();
        var done = new bool[classes];
        var converged = new bool[classes];
        int newton = 0, cgTotal = 0;
        while (true)
        {
            for (var k = 0; k < classes; k++)
                if (!done[k] && gradientNorms[k] <= settings.Tolerance * initialNorms[k])
                    done[k] = converged[k] = true;
            if (done.All(x => x) || newton >= settings.MaxNewtonIterations)
                break;
            newton++;
            cgTotal += ConjugateGradient(twoC, gradientNorms, done, settings.MaxConjugateGradientIterations);
            if (!LineSearch(c, f, done))
                break;
            (f, gradientNorms) = Evaluate(c, twoC);
        }
        backend.Synchronize();
        return new LinearSvmModel(c, classes, features, w.ToArray(), f, [.. gradientNorms.Select((n, k) => initialNorms[k] == 0 ? 0 : n / initialNorms[k])],
            newton, cgTotal, converged.All(x => x));
    }

    /// <summary>
    /// scores = X·Wᵀ, the squared hinge, f_k = ½‖w_k‖² + C·Σ losses, and G = W + 2C·residualᵀ·X. Returns f and ‖g_k‖.
    /// </summary>
    private (double[] Objectives, double[] GradientNorms) Evaluate(double c, float twoC)
    {
        // scores [M,K] = X [M,D] · Wᵀ.
        backend.Gemm.Gemm(Transpose.None, Transpose.Transposed, 1f, data.X, w, 0f, scores);
        backend.Svm.SquaredHinge(scores, null, null, data.Labels, residual, losses);
        backend.Gemm.ColumnSums(1f, losses, 0f, lossSums);
        var lossK = Read(lossSums);
        backend.Svm.RowDots(w, w, dots);
        var normW = Read(dots);
        // G [K,D] = W + 2C · residualᵀ [K,M] · X [M,D].
        backend.Svm.RowAxpby(ones, w, zeros, g);
        backend.Gemm.Gemm(Transpose.Transposed, Transpose.None, twoC, residual, data.X, 1f, g);
        backend.Svm.RowDots(g, g, dots);
        var normG = Read(dots);
        var f = new double[classes];
        var gradient = new double[classes];
        for (var k = 0; k < classes; k++)
        {
            f[k] = 0.5 * normW[k] + c * lossK[k];
            gradient[k] = Math.Sqrt(normG[k]);
        }
        return (f, gradient);
    }

    /// <summary>hd = (I + 2C·XᵀDX)·d, D the active set of the last <see cref="Evaluate"/>.</summary>
    private void HessianTimesDirection(float twoC)
    {
        backend.Gemm.Gemm(Transpose.None, Transpose.Transposed, 1f, data.X, d, 0f, xd);
        backend.Svm.ActiveSet(residual, xd, xd);
        backend.Svm.RowAxpby(ones, d, zeros, hd);
        backend.Gemm.Gemm(Transpose.Transposed, Transpose.None, twoC, xd, data.X, 1f, hd);
    }

    /// <summary>s_k ≈ −H_k⁻¹g_k for the classes not done (s_k = 0 for the others). Returns the iterations run.</summary>
    private int ConjugateGradient(float twoC, double[] gradientNorms, bool[] done, int maxIterations)
    {
        Set(alpha, -1);
        backend.Svm.RowAxpby(alpha, g, zeros, r);
        backend.Svm.RowAxpby(ones, r, zeros, d);
        Set(alpha, 0);
        backend.Svm.RowAxpby(alpha, g, zeros, s);
        backend.Svm.RowDots(r, r, dots);
        var rr = Read(dots);
        var solved = (bool[])done.Clone();
        var iterations = 0;
        var a = new float[classes];
        var b = new float[classes];
        while (!solved.All(x => x) && iterations < maxIterations)
        {
            iterations++;
            HessianTimesDirection(twoC);
            backend.Svm.RowDots(d, hd, dots);
            var dHd = Read(dots);
            for (var k = 0; k < classes; k++)
                a[k] = solved[k] ? 0f : (float)(rr[k] / dHd[k]);
            alpha.CopyFrom(a);
            backend.Svm.RowAxpby(alpha, d, ones, s);
            for (var k = 0; k < classes; k++)
                a[k] = -a[k];
            alpha.CopyFrom(a);
            backend.Svm.RowAxpby(alpha, hd, ones, r);
            backend.Svm.RowDots(r, r, dots);
            var next = Read(dots);
            for (var k = 0; k < classes; k++)
            {
                if (solved[k])
                {
                    b[k] = 0f;
                    continue;
                }
                b[k] = (float)(next[k] / rr[k]);
                rr[k] = next[k];
                if (Math.Sqrt(next[k]) <= ConjugateGradientFraction * gradientNorms[k])
                    solved[k] = true;
            }
            beta.CopyFrom(b);
            backend.Svm.RowAxpby(ones, r, beta, d);
        }
        return iterations;
    }

    /// <summary>
    /// w_k += t_k·s_k with t_k the first of 1, ½, ¼ … that meets Armijo's condition; classes done keep t = 0. A class whose steps
    /// all fail is marked done (float rounding leaves no measurable decrease: it is as converged as single precision allows).
    /// Returns whether any class moved.
    /// </summary>
    private bool LineSearch(double c, double[] f, bool[] done)
    {
        backend.Svm.RowDots(g, s, dots);
        var gs = Read(dots);
        backend.Svm.RowDots(w, s, dots);
        var ws = Read(dots);
        backend.Svm.RowDots(w, w, dots);
        var ww = Read(dots);
        backend.Svm.RowDots(s, s, dots);
        var ss = Read(dots);
        // xd [M,K] = X · Sᵀ: the scores move along it, scores + t_k·xd.
        backend.Gemm.Gemm(Transpose.None, Transpose.Transposed, 1f, data.X, s, 0f, xd);
        var t = new float[classes];
        var pending = new bool[classes];
        for (var k = 0; k < classes; k++)
        {
            pending[k] = !done[k];
            t[k] = pending[k] ? 1f : 0f;
        }
        for (var halving = 0; halving <= MaxHalvings && pending.Any(x => x); halving++)
        {
            alpha.CopyFrom(t);
            backend.Svm.SquaredHinge(scores, xd, alpha, data.Labels, residual, losses);
            backend.Gemm.ColumnSums(1f, losses, 0f, lossSums);
            var lossK = Read(lossSums);
            for (var k = 0; k < classes; k++)
            {
                if (!pending[k])
                    continue;
                double step = t[k];
                var moved = 0.5 * (ww[k] + 2 * step * ws[k] + step * step * ss[k]) + c * lossK[k];
                if (moved - f[k] <= ArmijoFraction * step * gs[k])
                    pending[k] = false;
                else if (halving == MaxHalvings)
                {
                    t[k] = 0f;
                    pending[k] = false;
                    done[k] = true;
                }
                else
                    t[k] *= 0.5f;
            }
        }
        alpha.CopyFrom(t);
        backend.Svm.RowAxpby(alpha, s, ones, w);
        return t.Any(x => x != 0f);
    }

    /// <summary>The errors of <paramref name="weights"/> [classes, features] on <paramref name="set"/>: the class of highest score against its label.</summary>
    public static ClassificationScore Score(IBackend backend, SvmData set, float[] weights)
    {
        using var tw = backend.Allocate<float>(set.Classes, set.Features);
        tw.CopyFrom(weights);
        using var setScores = backend.Allocate<float>(set.Rows, set.Classes);
        using var predictions = backend.Allocate<int>(set.Rows);
        using var correct = backend.Allocate<int>(set.Rows);
        backend.Gemm.Gemm(Transpose.None, Transpose.Transposed, 1f, set.X, tw, 0f, setScores);
        backend.Softmax.Argmax(setScores, set.Labels, predictions, correct);
        backend.Synchronize();
        var hits = correct.ToArray().Sum();
        return new ClassificationScore(set.Rows - hits, set.Rows);
    }

    private void Set(Tensor<float> t, float value)
    {
        Array.Fill(hostK, value);
        t.CopyFrom(hostK);
    }

    private double[] Read(Tensor<float> t)
    {
        backend.Synchronize();
        t.CopyTo(hostK);
        return Array.ConvertAll(hostK, v => (double)v);
    }

    public void Dispose()
    {
        foreach (var t in new[] { w, g, s, r, d, hd, scores, residual, losses, xd, dots, lossSums, alpha, beta, ones, zeros })
            t.Dispose();
    }
}
