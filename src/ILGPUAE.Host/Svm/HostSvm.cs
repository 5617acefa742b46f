namespace ILGPUAE.Host.Svm;

using System.Runtime.Intrinsics;
using ILGPUAE.Backend;

/// <summary>
/// <see cref="ISvm"/> on the host, on the calling thread: each call touches M·K or K·D elements, against the M·K·D of the
/// products around it, so the pool's hand-off would cost more than it saves. The row kernels use Vector512; the squared hinge
/// is a plain loop (a branch per class on the label).
/// </summary>
internal sealed unsafe class HostSvm(HostBackend backend) : ISvm
{
    public void SquaredHinge(Tensor<float> scores, Tensor<float>? direction, Tensor<float>? steps, Tensor<int> labels, Tensor<float> residual,
        Tensor<float> losses)
    {
        Shapes.SvmSquaredHinge(scores, direction, steps, labels, residual, losses);
        var s = backend.PointerOf(scores, nameof(scores));
        var d = direction is null ? null : backend.PointerOf(direction, nameof(direction));
        var t = steps is null ? null : backend.PointerOf(steps, nameof(steps));
        var l = backend.PointerOf(labels, nameof(labels));
        var r = backend.PointerOf(residual, nameof(residual));
        var loss = backend.PointerOf(losses, nameof(losses));
        int m = scores.Shape[0], k = scores.Shape[1];
        for (var i = 0; i < m; i++)
        {
            var label = l[i];
            for (var c = 0; c < k; c++)
            {
                var e = (long)i * k + c;
                var z = s[e];
                if (d is not null)
                    z += t[c] * d[e];
                var y = label == c ? 1f : -1f;
                var slack = 1f - y * z;
                var active = slack > 0f;
                r[e] = active ? z - y : 0f;
                loss[e] = active ? slack * slack : 0f;
            }
        }
    }

    public void ActiveSet(Tensor<float> residual, Tensor<float> x, Tensor<float> destination)
    {
        Shapes.SvmActiveSet(residual, x, destination);
        var r = backend.PointerOf(residual, nameof(residual));
        var v = backend.PointerOf(x, nameof(x));
        var o = backend.PointerOf(destination, nameof(destination));
        var n = x.Length;
        var i = 0;
        for (; i + Vector512<float>.Count <= n; i += Vector512<float>.Count)
        {
            var inactive = Vector512.Equals(Vector512.Load(r + i), Vector512<float>.Zero);
            Vector512.ConditionalSelect(inactive, Vector512<float>.Zero, Vector512.Load(v + i)).Store(o + i);
        }
        for (; i < n; i++)
            o[i] = r[i] != 0f ? v[i] : 0f;
    }

    public void RowDots(Tensor<float> a, Tensor<float> b, Tensor<float> dots)
    {
        Shapes.SvmRowDots(a, b, dots);
        var pa = backend.PointerOf(a, nameof(a));
        var pb = backend.PointerOf(b, nameof(b));
        var pd = backend.PointerOf(dots, nameof(dots));
        int rows = a.Shape[0], width = a.Shape[1];
        for (var k = 0; k < rows; k++)
        {
            var ra = pa + (long)k * width;
            var rb = pb + (long)k * width;
            var acc = Vector512<float>.Zero;
            var j = 0;
            for (; j + Vector512<float>.Count <= width; j += Vector512<float>.Count)
                acc += Vector512.Load(ra + j) * Vector512.Load(rb + j);
            var sum = Vector512.Sum(acc);
            for (; j < width; j++)
                sum += ra[j] * rb[j];
            pd[k] = sum;
        }
    }

    public void RowAxpby(Tensor<float> alpha, Tensor<float> x, Tensor<float> beta, Tensor<float> y)
    {
        Shapes.SvmRowAxpby(alpha, x, beta, y);
        var pa = backend.PointerOf(alpha, nameof(alpha));
        var px = backend.PointerOf(x, nameof(x));
        var pb = backend.PointerOf(beta, nameof(beta));
        var py = backend.PointerOf(y, nameof(y));
        int rows = x.Shape[0], width = x.Shape[1];
        for (var k = 0; k < rows; k++)
        {
            var rx = px + (long)k * width;
            var ry = py + (long)k * width;
            float a = pa[k], b = pb[k];
            var va = Vector512.Create(a);
            var vb = Vector512.Create(b);
            var j = 0;
            if (b == 0f)
            {
                for (; j + Vector512<float>.Count <= width; j += Vector512<float>.Count)
                    (va * Vector512.Load(rx + j)).Store(ry + j);
                for (; j < width; j++)
                    ry[j] = a * rx[j];
            }
            else
            {
                for (; j + Vector512<float>.Count <= width; j += Vector512<float>.Count)
                    (va * Vector512.Load(rx + j) + vb * Vector512.Load(ry + j)).Store(ry + j);
                for (; j < width; j++)
                    ry[j] = a * rx[j] + b * ry[j];
            }
        }
    }
}
