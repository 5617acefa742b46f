namespace ILGPUAE.Tests.Modules;

using ILGPUAE.Backend;
using ILGPUAE.Modules;
using ILGPUAE.Random;

/// <summary>
/// The pieces the modules' gradient checks share: parameters and data drawn from the counter-based generator, one
/// <see cref="Network.ForwardBackward"/> on a batch of them, and central differences of an objective written out in double.
/// </summary>
internal static class GradientCheck
{
    /// <summary>The central differences' step.</summary>
    public const double Step = 1e-5;

    /// <summary>
    /// Every parameter of <paramref name="network"/> (in <see cref="Sequential.Parameters"/> order) drawn as (float)(3·U − 1.5),
    /// U = <see cref="CounterRng.Uniform"/>(9, 1, draw, 0, 0), and copied in; returns the same values in double, by name.
    /// </summary>
    public static Dictionary<string, double[]> DrawParameters(Network network)
    {
        var values = new Dictionary<string, double[]>();
        uint draw = 0;
        foreach (var p in network.Body.Parameters)
        {
            var v = Enumerable.Range(0, p.Value.Length).Select(_ => (double)(float)(3 * CounterRng.Uniform(9, 1, draw++, 0, 0) - 1.5)).ToArray();
            p.Value.CopyFrom([.. v.Select(d => (float)d)]);
            values[p.Name] = v;
        }
        return values;
    }

    /// <summary>Data [rows, visible]: element i is U(9, 2, i, 0, 0), in [0, 1).</summary>
    public static float[] Data(int rows, int visible) =>
        [.. Enumerable.Range(0, rows * visible).Select(i => (float)CounterRng.Uniform(9, 2, (uint)i, 0, 0))];

    /// <summary>One training ForwardBackward of <paramref name="network"/> on rows <paramref name="batch"/> of <paramref name="data"/>; returns the step's losses.</summary>
    public static float[] ForwardBackward(IBackend backend, Network network, float[] data, int visible, int[] batch, ulong seed, uint epoch)
    {
        using var dataTensor = backend.Allocate<float>(data.Length / visible, visible);
        dataTensor.CopyFrom(data);
        using var indices = backend.Allocate<int>(batch.Length);
        indices.CopyFrom(batch);
        using var losses = backend.Allocate<float>(batch.Length);
        network.ForwardBackward(dataTensor, new StepContext(indices, seed, epoch, Training: true), losses);
        return losses.ToArray();
    }

    /// <summary>Rows <paramref name="batch"/> of <paramref name="data"/> [·, visible] in double.</summary>
    public static double[][] Rows(float[] data, int visible, int[] batch) =>
        [.. batch.Select(i => data.AsSpan(i * visible, visible).ToArray().Select(f => (double)f).ToArray())];

    /// <summary>
    /// (f(v + h·e_i) − f(v − h·e_i)) / 2h for every element i of <paramref name="v"/>, h = <see cref="Step"/>: v is changed in place
    /// while <paramref name="objective"/> is evaluated (it reads v) and restored.
    /// </summary>
    /// <summary>
    /// The largest |analytic − central difference| / max(|difference|, <paramref name="floor"/>) over every element of every
    /// (values, analytic) pair, the differences taken of <paramref name="objective"/> (which reads the values) by <see cref="CentralDifferences"/>.
    /// </summary>
    public static double MaxRelativeError(IEnumerable<(double[] Values, double[] Analytic)> pairs, Func<double> objective, double floor = 1e-3)
    {
        var worst = 0.0;
        foreach (var (values, analytic) in pairs)
        {
            var numeric = CentralDifferences(values, objective);
            for (var i = 0; i < values.Length; i++)
                worst = Math.Max(worst, Math.Abs(analytic[i] - numeric[i]) / Math.Max(Math.Abs(numeric[i]), floor));
        }
        return worst;
    }

    /// <summary>
    /// The central difference of <paramref name="loss"/> in element <paramref name="i"/> of a float tensor whose values
    /// <paramref name="values"/> holds: the element set to v ± h in turn (uploaded each time), then restored; divided by the step the
    /// float values really took, not by 2h.
    /// </summary>
    public static double TensorCentralDifference(Tensor<float> tensor, float[] values, int i, float h, Func<double> loss)
    {
        var saved = values[i];
        values[i] = saved + h;
        tensor.CopyFrom(values);
        var plus = loss();
        values[i] = saved - h;
        tensor.CopyFrom(values);
        var minus = loss();
        values[i] = saved;
        tensor.CopyFrom(values);
        return (plus - minus) / ((double)(saved + h) - (saved - h));
    }

    public static double[] CentralDifferences(double[] v, Func<double> objective)
    {
        var numeric = new double[v.Length];
        for (var i = 0; i < v.Length; i++)
        {
            var saved = v[i];
            v[i] = saved + Step;
            var plus = objective();
            v[i] = saved - Step;
            var minus = objective();
            v[i] = saved;
            numeric[i] = (plus - minus) / (2 * Step);
        }
        return numeric;
    }
}
