namespace ILGPUAE.Host.MatVec;

/// <summary>
/// The register-blocked core of <see cref="BlockedGemm{TKernel}"/>: one Rows × Columns tile of c from
/// packed panels. Implementations are structs so that each instantiation of the blocked GEMM is compiled
/// with its tile's constants.
/// </summary>
internal unsafe interface IMicroKernel
{
    /// <summary>MR: rows of c per tile, and the width of a packed Ã panel.</summary>
    static abstract int Rows { get; }

    /// <summary>NR: columns of c per tile, and the width of a packed B̃ panel.</summary>
    static abstract int Columns { get; }

    /// <summary>A short description for the backend's name, e.g. "AVX-512 (Vector512&lt;float&gt;)".</summary>
    static abstract string Description { get; }

    /// <summary>
    /// c[r, j] = alpha · Σ_p ã[p·Rows + r] · b̃[p·Columns + j] + beta · c[r, j] for r &lt; rows, j &lt; cols,
    /// where c has row stride ldc and beta = 0 ignores c. A partial tile (rows &lt; Rows or cols &lt; Columns)
    /// goes through <paramref name="spill"/>, a Rows × Columns scratch tile.
    /// </summary>
    static abstract void Run(int kc, float* a, float* b, float* c, int ldc, int rows, int cols, float alpha, float beta, float* spill);
}

/// <summary>
/// A GEMM epilogue applied block by block inside <see cref="BlockedGemm{TKernel}"/>: once a block of c has its last K block
/// added, while it is still in cache, instead of a second pass over the whole of c. Each element is computed as the separate
/// pass computes it, so the result is the same bit for bit. Parts call it concurrently on disjoint blocks.
/// </summary>
internal unsafe interface IBlockEpilogue
{
    /// <summary>
    /// Applies the epilogue to c[row0 .. row0 + rows, col0 .. col0 + cols) of the product whose c starts <paramref name="cShift"/>
    /// elements, and whose operand <paramref name="operandShift"/> elements, after those the epilogue was set up with: 0 and 0 for a
    /// single product, an item's offsets in a batched one.
    /// </summary>
    void Apply(long cShift, long operandShift, int row0, int rows, int col0, int cols);
}

internal static unsafe class TileStore
{
    /// <summary>c[r, j] = alpha · tile[r·tileStride + j] + beta · c[r, j] for the valid corner of a spilled tile.</summary>
    public static void MergePartial(float* tile, int tileStride, float* c, int ldc, int rows, int cols, float alpha, float beta)
    {
        for (var r = 0; r < rows; r++, tile += tileStride, c += ldc)
            for (var j = 0; j < cols; j++)
                c[j] = alpha * tile[j] + (beta == 0f ? 0f : beta * c[j]);
    }
}
