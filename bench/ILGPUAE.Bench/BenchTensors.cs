namespace ILGPUAE.Bench;

using ILGPUAE.Backend;
using ILGPUAE.Random;

/// <summary>
/// Operands for the kernel benches, drawn from the counter-based generator so every run and every backend
/// times the same values. <c>draw</c> tells a bench's tensors apart: two tensors with the same draw and
/// shape hold the same values.
/// </summary>
public static class BenchTensors
{
    private const ulong Seed = 1;

    /// <summary>A tensor of <paramref name="shape"/> with values uniform in [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public static Tensor<float> Uniform(IBackend backend, uint draw, float low, float high, params int[] shape)
    {
        var t = backend.Allocate<float>(shape);
        var values = new float[t.Length];
        for (var i = 0; i < values.Length; i++)
            values[i] = low + (high - low) * (float)CounterRng.Uniform(Seed, (uint)RngStream.Data, draw, (uint)i, 0);
        t.CopyFrom(values);
        return t;
    }

    /// <summary>Class labels [count], each in [0, <paramref name="classes"/>).</summary>
    public static Tensor<int> Labels(IBackend backend, uint draw, int count, int classes)
    {
        var t = backend.Allocate<int>(count);
        var labels = new int[count];
        for (var i = 0; i < count; i++)
            labels[i] = (int)(CounterRng.Hash32(Seed, (uint)RngStream.Data, draw, (uint)i, 1) % (uint)classes);
        t.CopyFrom(labels);
        return t;
    }
}
