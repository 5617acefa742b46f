namespace ILGPUAE.Tests.Modules;

using ILGPUAE.Backend;
using ILGPUAE.Modules;
using ILGPUAE.Objectives;

/// <summary>
/// A tiny untied sparse autoencoder, <see cref="Visible"/> → <see cref="Hidden"/> → <see cref="Visible"/>, sigmoid both ways, written
/// twice: as the engine's modules (<see cref="Build"/>) and as its objective in double straight from UFLDL's definition,
/// J = (1/b)Σ ½‖x − z‖² + β Σ_j KL(ρ‖ρ̂_j) + (α/2)(‖W1‖² + ‖W2‖²), ρ̂ the batch's mean code, biases not decayed. Parameters by
/// name: W1 [Hidden, Visible], b1, W2 [Visible, Hidden], b2.
/// </summary>
internal sealed record SparseAutoencoderReference(float Rho, float Beta, float Alpha)
{
    public const int Visible = 7, Hidden = 4;

    public Network Build(IBackend backend, int maxBatch, float? engineBeta = null) => new(backend, new Sequential(
    [
        new Dense(backend, maxBatch, Visible, Hidden, Activation.Sigmoid, "W1", "b1"),
        new KlSparsity(backend, maxBatch, Hidden, Rho, engineBeta ?? Beta),
        new Dense(backend, maxBatch, Hidden, Visible, Activation.Sigmoid, "W2", "b2"),
    ]), new Reconstruction(backend, LossKind.SquaredError), maxBatch);

    /// <summary>J, the whole objective.</summary>
    public double Objective(Dictionary<string, double[]> v, double[][] x) => Losses(v, x) + Decay(v);

    /// <summary>J less the decay: what the engine's losses average to.</summary>
    public double Losses(Dictionary<string, double[]> v, double[][] x) => Reconstruction(v, x) + Beta * Kl(v, x);

    /// <summary>(α/2)(‖W1‖² + ‖W2‖²).</summary>
    public double Decay(Dictionary<string, double[]> v) => Alpha / 2.0 * (v["W1"].Sum(w => w * w) + v["W2"].Sum(w => w * w));

    /// <summary>∇J by central differences (step 1e-6; J is smooth, so within about 1e-9 of the exact gradient here).</summary>
    public Dictionary<string, double[]> Gradient(Dictionary<string, double[]> v, double[][] x)
    {
        var g = new Dictionary<string, double[]>();
        foreach (var (name, values) in v)
        {
            g[name] = new double[values.Length];
            for (var i = 0; i < values.Length; i++)
            {
                var saved = values[i];
                values[i] = saved + 1e-6;
                var plus = Objective(v, x);
                values[i] = saved - 1e-6;
                var minus = Objective(v, x);
                values[i] = saved;
                g[name][i] = (plus - minus) / 2e-6;
            }
        }
        return g;
    }

    private static double Sigmoid(double a) => 1 / (1 + Math.Exp(-a));

    /// <summary>h [b][Hidden] = σ(W1·x + b1).</summary>
    private static double[][] Codes(Dictionary<string, double[]> v, double[][] x) =>
        [.. x.Select(row => Enumerable.Range(0, Hidden).Select(j =>
            Sigmoid(v["b1"][j] + Enumerable.Range(0, Visible).Sum(k => v["W1"][j * Visible + k] * row[k]))).ToArray())];

    /// <summary>(1/b) Σ_m ½‖x_m − z_m‖², z = σ(W2·h + b2).</summary>
    private static double Reconstruction(Dictionary<string, double[]> v, double[][] x)
    {
        var h = Codes(v, x);
        double total = 0;
        for (var m = 0; m < x.Length; m++)
            for (var k = 0; k < Visible; k++)
            {
                var z = Sigmoid(v["b2"][k] + Enumerable.Range(0, Hidden).Sum(j => v["W2"][k * Hidden + j] * h[m][j]));
                total += 0.5 * (x[m][k] - z) * (x[m][k] - z);
            }
        return total / x.Length;
    }

    /// <summary>Σ_j KL(ρ‖ρ̂_j), ρ̂_j the mean of h[·][j] over the batch.</summary>
    private double Kl(Dictionary<string, double[]> v, double[][] x)
    {
        var h = Codes(v, x);
        double total = 0;
        for (var j = 0; j < Hidden; j++)
        {
            var mean = h.Average(row => row[j]);
            total += Rho * Math.Log(Rho / mean) + (1 - Rho) * Math.Log((1 - Rho) / (1 - mean));
        }
        return total;
    }
}
