namespace ILGPUAE.Host.MatVec;

using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

/// <summary>
/// Copies a kc × width slice of op(a) or op(b) into the k-major panel a micro-kernel streams:
/// <c>dst[p·width + r] = src[p·alongK + r·across]</c> for r &lt; valid, and 0 for the padding rows up to width.
/// One stride is always 1 (see <see cref="ILGPUAE.MatVec.GemmLayout"/>): across = 1 copies runs (b, or a stored
/// transposed); alongK = 1 transposes in 8 × 8 AVX blocks (a as stored, or b stored transposed), so W is
/// never transposed as a whole.
/// </summary>
internal static unsafe class Packing
{
    public static void Panel(float* src, int alongK, int across, int kc, int valid, int width, float* dst)
    {
        if (across == 1)
            CopyRuns(src, alongK, kc, valid, width, dst);
        else
            Transpose(src, across, kc, valid, width, dst);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CopyRuns(float* src, int alongK, int kc, int valid, int width, float* dst)
    {
        for (var p = 0; p < kc; p++, src += alongK, dst += width)
        {
            var r = 0;
            for (; r + 16 <= valid; r += 16)
                Vector512.Load(src + r).Store(dst + r);
            for (; r + 8 <= valid; r += 8)
                Vector256.Load(src + r).Store(dst + r);
            for (; r < valid; r++)
                dst[r] = src[r];
            for (; r < width; r++)
                dst[r] = 0f;
        }
    }

    /// <summary>dst[p·width + r] = src[r·across + p]: rows of the source become columns of the panel, the padding rows zero.</summary>
    private static void Transpose(float* src, int across, int kc, int valid, int width, float* dst)
    {
        TransposeInto(src, across, valid, kc, dst, width);
        if (valid < width)
            for (var p = 0; p < kc; p++)
                new Span<float>(dst + (long)p * width + valid, width - valid).Clear();
    }

    /// <summary>
    /// dst[j·dstStride + i] = src[i·srcStride + j] for i &lt; rows, j &lt; cols: a rows × cols block copied transposed, nothing else
    /// written. 8 × 8 AVX blocks, the edges one element at a time.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void TransposeInto(float* src, int srcStride, int rows, int cols, float* dst, int dstStride)
    {
        var fullRows = Avx.IsSupported ? rows / 8 * 8 : 0;
        var fullCols = Avx.IsSupported ? cols / 8 * 8 : 0;
        for (var i = 0; i < fullRows; i += 8)
            for (var j = 0; j < fullCols; j += 8)
                Transpose8x8(src + (long)i * srcStride + j, srcStride, dst + (long)j * dstStride + i, dstStride);
        for (var i = 0; i < rows; i++)
        {
            var row = src + (long)i * srcStride;
            for (var j = i < fullRows ? fullCols : 0; j < cols; j++)
                dst[(long)j * dstStride + i] = row[j];
        }
    }

    /// <summary>Transposes the 8 × 8 block at src (row stride srcStride) into dst (row stride dstStride).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(float* src, int srcStride, float* dst, int dstStride)
    {
        var r0 = Avx.LoadVector256(src);
        var r1 = Avx.LoadVector256(src + srcStride);
        var r2 = Avx.LoadVector256(src + 2 * srcStride);
        var r3 = Avx.LoadVector256(src + 3 * srcStride);
        var r4 = Avx.LoadVector256(src + 4 * srcStride);
        var r5 = Avx.LoadVector256(src + 5 * srcStride);
        var r6 = Avx.LoadVector256(src + 6 * srcStride);
        var r7 = Avx.LoadVector256(src + 7 * srcStride);
        // Interleave pairs of rows, then pairs of pairs: u_k holds column k (rows 0-3) in its low lane and
        // column k+4 in its high lane; v_k the same for rows 4-7.
        var t0 = Avx.UnpackLow(r0, r1);
        var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3);
        var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5);
        var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7);
        var t7 = Avx.UnpackHigh(r6, r7);
        var u0 = Avx.Shuffle(t0, t2, 0x44);
        var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44);
        var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var v0 = Avx.Shuffle(t4, t6, 0x44);
        var v1 = Avx.Shuffle(t4, t6, 0xEE);
        var v2 = Avx.Shuffle(t5, t7, 0x44);
        var v3 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(dst, Avx.Permute2x128(u0, v0, 0x20));
        Avx.Store(dst + dstStride, Avx.Permute2x128(u1, v1, 0x20));
        Avx.Store(dst + 2 * dstStride, Avx.Permute2x128(u2, v2, 0x20));
        Avx.Store(dst + 3 * dstStride, Avx.Permute2x128(u3, v3, 0x20));
        Avx.Store(dst + 4 * dstStride, Avx.Permute2x128(u0, v0, 0x31));
        Avx.Store(dst + 5 * dstStride, Avx.Permute2x128(u1, v1, 0x31));
        Avx.Store(dst + 6 * dstStride, Avx.Permute2x128(u2, v2, 0x31));
        Avx.Store(dst + 7 * dstStride, Avx.Permute2x128(u3, v3, 0x31));
    }
}
