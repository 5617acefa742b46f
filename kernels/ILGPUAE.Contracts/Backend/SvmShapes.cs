namespace ILGPUAE.Backend;

/// <summary>Shape checks of the Svm family (<see cref="ISvm"/>), shared by every backend.</summary>
public static partial class Shapes
{
    public static void SvmSquaredHinge(Tensor<float> scores, Tensor<float>? direction, Tensor<float>? steps, Tensor<int> labels,
        Tensor<float> residual, Tensor<float> losses)
    {
        RequireClassMatrix(scores, nameof(scores));
        RequireSame(scores, nameof(scores), residual, nameof(residual));
        RequireSame(scores, nameof(scores), losses, nameof(losses));
        RequireLength(labels, nameof(labels), scores.Shape[0], $"one per row of scores {scores.Shape}");
        if ((direction is null) != (steps is null))
            throw new ArgumentException($"direction and steps go together: got {(direction is null ? "steps without a direction" : "a direction without steps")}");
        if (direction is not null)
        {
            RequireSame(scores, nameof(scores), direction, nameof(direction));
            RequireLength(steps!, nameof(steps), scores.Shape[1], $"one per column of scores {scores.Shape}");
        }
    }

    public static void SvmActiveSet(Tensor<float> residual, Tensor<float> x, Tensor<float> destination)
    {
        RequireClassMatrix(residual, nameof(residual));
        RequireSame(residual, nameof(residual), x, nameof(x));
        RequireSame(residual, nameof(residual), destination, nameof(destination));
    }

    public static void SvmRowDots(Tensor<float> a, Tensor<float> b, Tensor<float> dots)
    {
        RequireRank2(a, nameof(a));
        RequireSame(a, nameof(a), b, nameof(b));
        RequireLength(dots, nameof(dots), a.Shape[0], $"one per row of a {a.Shape}");
    }

    public static void SvmRowAxpby(Tensor<float> alpha, Tensor<float> x, Tensor<float> beta, Tensor<float> y)
    {
        RequireRank2(x, nameof(x));
        RequireSame(x, nameof(x), y, nameof(y));
        RequireLength(alpha, nameof(alpha), x.Shape[0], $"one per row of x {x.Shape}");
        RequireLength(beta, nameof(beta), x.Shape[0], $"one per row of x {x.Shape}");
    }
}
