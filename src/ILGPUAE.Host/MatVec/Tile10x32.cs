namespace ILGPUAE.Host.MatVec;

using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

/// <summary>
/// 10 × 32 tile for AVX-512: 20 Vector512 accumulators + 2 loads of b̃ + 1 broadcast of ã = 23 of the 32
/// zmm registers; 20 independent FMA chains cover the FMA latency of two pipes. 10 rows divide the
/// batch sizes used in practice (10, 100, 500, 1000), so the last panel of Ã is rarely padding.
/// </summary>
internal unsafe struct Tile10x32 : IMicroKernel
{
    public static int Rows => 10;
    public static int Columns => 32;
    public static string Description => "AVX-512 (Vector512<float>)";

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, float* a, float* b, float* c, int ldc, int rows, int cols, float alpha, float beta, float* spill)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
            c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default,
            c60 = default, c61 = default, c70 = default, c71 = default, c80 = default, c81 = default,
            c90 = default, c91 = default;
        for (var p = 0; p < kc; p++, a += 10, b += 32)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            var x = Vector512.Create(a[0]);
            c00 = Vector512.FusedMultiplyAdd(x, b0, c00); c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(a[1]);
            c10 = Vector512.FusedMultiplyAdd(x, b0, c10); c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(a[2]);
            c20 = Vector512.FusedMultiplyAdd(x, b0, c20); c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(a[3]);
            c30 = Vector512.FusedMultiplyAdd(x, b0, c30); c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(a[4]);
            c40 = Vector512.FusedMultiplyAdd(x, b0, c40); c41 = Vector512.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(a[5]);
            c50 = Vector512.FusedMultiplyAdd(x, b0, c50); c51 = Vector512.FusedMultiplyAdd(x, b1, c51);
            x = Vector512.Create(a[6]);
            c60 = Vector512.FusedMultiplyAdd(x, b0, c60); c61 = Vector512.FusedMultiplyAdd(x, b1, c61);
            x = Vector512.Create(a[7]);
            c70 = Vector512.FusedMultiplyAdd(x, b0, c70); c71 = Vector512.FusedMultiplyAdd(x, b1, c71);
            x = Vector512.Create(a[8]);
            c80 = Vector512.FusedMultiplyAdd(x, b0, c80); c81 = Vector512.FusedMultiplyAdd(x, b1, c81);
            x = Vector512.Create(a[9]);
            c90 = Vector512.FusedMultiplyAdd(x, b0, c90); c91 = Vector512.FusedMultiplyAdd(x, b1, c91);
        }

        var full = rows == 10 && cols == 32;
        var target = full ? c : spill;
        var stride = full ? ldc : 32;
        var targetBeta = full ? beta : 0f;
        StoreRow(target, c00, c01, alpha, targetBeta); target += stride;
        StoreRow(target, c10, c11, alpha, targetBeta); target += stride;
        StoreRow(target, c20, c21, alpha, targetBeta); target += stride;
        StoreRow(target, c30, c31, alpha, targetBeta); target += stride;
        StoreRow(target, c40, c41, alpha, targetBeta); target += stride;
        StoreRow(target, c50, c51, alpha, targetBeta); target += stride;
        StoreRow(target, c60, c61, alpha, targetBeta); target += stride;
        StoreRow(target, c70, c71, alpha, targetBeta); target += stride;
        StoreRow(target, c80, c81, alpha, targetBeta); target += stride;
        StoreRow(target, c90, c91, alpha, targetBeta);
        if (!full)
            TileStore.MergePartial(spill, 32, c, ldc, rows, cols, 1f, beta);
    }

    /// <summary>row[0..32) = alpha·(lo, hi) + beta·row; beta = 0 does not read the row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(float* row, Vector512<float> lo, Vector512<float> hi, float alpha, float beta)
    {
        var va = Vector512.Create(alpha);
        if (beta == 0f)
        {
            (va * lo).Store(row);
            (va * hi).Store(row + 16);
            return;
        }
        var vb = Vector512.Create(beta);
        Vector512.FusedMultiplyAdd(va, lo, vb * Vector512.Load(row)).Store(row);
        Vector512.FusedMultiplyAdd(va, hi, vb * Vector512.Load(row + 16)).Store(row + 16);
    }
}
