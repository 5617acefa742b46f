namespace ILGPUAE.Host.MatVec;

using System.Numerics;
using System.Runtime.CompilerServices;

/// <summary>
/// 6 × (2·Vector&lt;float&gt;.Count) tile for machines without AVX-512: 12 accumulators + 2 loads + 1
/// broadcast fit the 16 registers of AVX2 (and NEON's 32). Ten Vector512 rows would spill there.
/// </summary>
internal unsafe struct TilePortable : IMicroKernel
{
    private static readonly int Width = Vector<float>.Count;

    public static int Rows => 6;
    public static int Columns => 2 * Vector<float>.Count;
    public static string Description => $"portable (Vector<float> of {Vector<float>.Count})";

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, float* a, float* b, float* c, int ldc, int rows, int cols, float alpha, float beta, float* spill)
    {
        var w = Width;
        Vector<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
            c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (var p = 0; p < kc; p++, a += 6, b += 2 * w)
        {
            var b0 = Vector.Load(b);
            var b1 = Vector.Load(b + w);
            var x = new Vector<float>(a[0]);
            c00 = Vector.FusedMultiplyAdd(x, b0, c00); c01 = Vector.FusedMultiplyAdd(x, b1, c01);
            x = new Vector<float>(a[1]);
            c10 = Vector.FusedMultiplyAdd(x, b0, c10); c11 = Vector.FusedMultiplyAdd(x, b1, c11);
            x = new Vector<float>(a[2]);
            c20 = Vector.FusedMultiplyAdd(x, b0, c20); c21 = Vector.FusedMultiplyAdd(x, b1, c21);
            x = new Vector<float>(a[3]);
            c30 = Vector.FusedMultiplyAdd(x, b0, c30); c31 = Vector.FusedMultiplyAdd(x, b1, c31);
            x = new Vector<float>(a[4]);
            c40 = Vector.FusedMultiplyAdd(x, b0, c40); c41 = Vector.FusedMultiplyAdd(x, b1, c41);
            x = new Vector<float>(a[5]);
            c50 = Vector.FusedMultiplyAdd(x, b0, c50); c51 = Vector.FusedMultiplyAdd(x, b1, c51);
        }

        var full = rows == 6 && cols == 2 * w;
        var target = full ? c : spill;
        var stride = full ? ldc : 2 * w;
        var targetBeta = full ? beta : 0f;
        StoreRow(target, w, c00, c01, alpha, targetBeta); target += stride;
        StoreRow(target, w, c10, c11, alpha, targetBeta); target += stride;
        StoreRow(target, w, c20, c21, alpha, targetBeta); target += stride;
        StoreRow(target, w, c30, c31, alpha, targetBeta); target += stride;
        StoreRow(target, w, c40, c41, alpha, targetBeta); target += stride;
        StoreRow(target, w, c50, c51, alpha, targetBeta);
        if (!full)
            TileStore.MergePartial(spill, 2 * w, c, ldc, rows, cols, 1f, beta);
    }

    /// <summary>row[0..2w) = alpha·(lo, hi) + beta·row; beta = 0 does not read the row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(float* row, int w, Vector<float> lo, Vector<float> hi, float alpha, float beta)
    {
        var va = new Vector<float>(alpha);
        if (beta == 0f)
        {
            (va * lo).Store(row);
            (va * hi).Store(row + w);
            return;
        }
        var vb = new Vector<float>(beta);
        Vector.FusedMultiplyAdd(va, lo, vb * Vector.Load(row)).Store(row);
        Vector.FusedMultiplyAdd(va, hi, vb * Vector.Load(row + w)).Store(row + w);
    }
}
