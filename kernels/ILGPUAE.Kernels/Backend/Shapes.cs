namespace ILGPUAE.Backend;

/// <summary>Shape checks shared by every backend's launchers: they throw with the shapes in the message.</summary>
public static class Shapes
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

    public static void RequireLength<T>(Tensor<T> t, string name, int length, string what) where T : unmanaged
    {
        if (t.Length != length)
            throw new ArgumentException($"{name} has shape {t.Shape}, expected {length} elements ({what})", name);
    }
}
