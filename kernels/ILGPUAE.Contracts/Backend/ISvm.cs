namespace ILGPUAE.Backend;

/// <summary>
/// The element-wise and per-class steps of a one-vs-rest linear SVM with the squared hinge (Svm family), trained in the
/// primal by Newton's method with all classes at once; the products go through <see cref="IGemm"/>. Scores, residuals and
/// losses are [M,K] (one row per example, one column per class); labels [M] are class indices, and y[m,k] = +1 when
/// labels[m] = k, else −1. Weights and directions are [K,D] (one row per class).
/// </summary>
public interface ISvm
{
    /// <summary>
    /// With z = scores[m,k] + steps[k]·direction[m,k] (z = scores when direction is null) and slack = 1 − y[m,k]·z:
    /// residual[m,k] = z − y[m,k] and losses[m,k] = slack² where slack &gt; 0 (the example is in class k's active set), else
    /// both 0. ∂/∂z of the loss is 2·residual, and residual ≠ 0 exactly on the active set. steps [K] is null when direction is.
    /// </summary>
    void SquaredHinge(Tensor<float> scores, Tensor<float>? direction, Tensor<float>? steps, Tensor<int> labels, Tensor<float> residual,
        Tensor<float> losses);

    /// <summary>
    /// destination[m,k] = x[m,k] where residual[m,k] ≠ 0, else 0: the generalized Hessian's diagonal (the active set) applied to
    /// x; residual, x and destination [M,K]. destination may be x.
    /// </summary>
    void ActiveSet(Tensor<float> residual, Tensor<float> x, Tensor<float> destination);

    /// <summary>dots[k] = Σ_j a[k,j]·b[k,j] for a, b [K,D] and dots [K]: per-class inner products.</summary>
    void RowDots(Tensor<float> a, Tensor<float> b, Tensor<float> dots);

    /// <summary>
    /// y[k,j] = alpha[k]·x[k,j] + beta[k]·y[k,j] for x, y [K,D] and alpha, beta [K]: per-class steps. Where beta[k] is 0, y's old
    /// row is ignored (NaN included).
    /// </summary>
    void RowAxpby(Tensor<float> alpha, Tensor<float> x, Tensor<float> beta, Tensor<float> y);
}
