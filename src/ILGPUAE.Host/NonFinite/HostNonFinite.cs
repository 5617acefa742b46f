namespace ILGPUAE.Host.NonFinite;

using System.Runtime.Intrinsics;
using ILGPUAE.Backend;

/// <summary>
/// <see cref="INonFinite"/> on the host: one SIMD pass on the calling thread. v·0 is 0 for a finite v and NaN for NaN or ±∞, so
/// the products summed over the tensor are NaN exactly when some element is not finite. The guard scans the parameters a few
/// times a second at most, so the pool's hand-off would cost more than it saves.
/// </summary>
internal sealed unsafe class HostNonFinite(HostBackend backend) : INonFinite
{
    public void Flag(Tensor<float> x, int code, Tensor<int> flag)
    {
        Shapes.RequireLength(flag, nameof(flag), 1, $"one int");
        if (code == 0)
            throw new ArgumentOutOfRangeException(nameof(code), "code 0 means no non-finite value was found; expected a non-zero code");
        var p = backend.PointerOf(x, nameof(x));
        var f = backend.PointerOf(flag, nameof(flag));
        if (*f == 0 && !AllFinite(p, x.Length))
            *f = code;
    }

    private static bool AllFinite(float* p, int n)
    {
        var acc = Vector512<float>.Zero;
        var i = 0;
        for (; i + Vector512<float>.Count <= n; i += Vector512<float>.Count)
            acc += Vector512.Load(p + i) * Vector512<float>.Zero;
        var tail = 0f;
        for (; i < n; i++)
            tail += p[i] * 0f;
        return float.IsFinite(Vector512.Sum(acc) + tail);
    }
}
