namespace ILGPUAE.Evaluation;

using ILGPUAE.Backend;

/// <summary>
/// The nearest candidate row (Euclidean) to each query row, on the device: argmin_n ‖x − t_n‖² = argmax_n (2 x·t_n − ‖t_n‖²), so one
/// product with −‖t‖² as its bias (the Gemm family's identity epilogue) and the Softmax family's row argmax give it; ‖x‖² is the
/// same for the whole row and drops out.
/// </summary>
public static class NearestRows
{
    /// <summary>For queries [Q, d] and candidates [T, d] (host rows), the index in [0, T) of each query's nearest candidate; ties go to the first.</summary>
    public static int[] Find(IBackend backend, ReadOnlySpan<float> queries, ReadOnlySpan<float> candidates, int dimension)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        var (q, t) = (queries.Length / dimension, candidates.Length / dimension);
        if (queries.Length % dimension != 0 || candidates.Length % dimension != 0 || t == 0)
            throw new ArgumentException($"queries ({queries.Length} values) and candidates ({candidates.Length}) must be whole rows of {dimension}, candidates at least one");
        if (q == 0)
            return [];
        using var x = backend.Allocate<float>(q, dimension);
        using var c = backend.Allocate<float>(t, dimension);
        using var norms = backend.Allocate<float>(t);
        using var scores = backend.Allocate<float>(q, t);
        using var labels = backend.Allocate<int>(q);
        using var nearest = backend.Allocate<int>(q);
        using var hits = backend.Allocate<int>(q);
        x.CopyFrom(queries);
        c.CopyFrom(candidates);
        backend.Parzen.SquaredNorms(c, norms);
        var negated = new float[t];
        backend.Synchronize();
        norms.CopyTo(negated);
        for (var i = 0; i < t; i++)
            negated[i] = -negated[i];
        norms.CopyFrom(negated);
        backend.Gemm.Gemm(Transpose.None, Transpose.Transposed, 2f, x, c, 0f, scores, GemmEpilogue.BiasActivate(norms, Activation.Identity));
        // Argmax also compares with labels; these are never used.
        backend.Softmax.Argmax(scores, labels, nearest, hits);
        backend.Synchronize();
        return nearest.ToArray();
    }
}
