namespace ILGPUAE.Tests.Evaluation;

using ILGPUAE.Backend;
using ILGPUAE.Checks;
using ILGPUAE.Corruption;
using ILGPUAE.Evaluation;
using ILGPUAE.Modules;
using ILGPUAE.Random;
using ILGPUAE.Tests.Host;
using ILGPUAE.Tests.Kernels;

/// <summary>
/// Sampling a denoising autoencoder and scoring its samples, on every backend: the Bernoulli draws and the Parzen family against their
/// double references at the awkward sizes; the Parzen estimate against a direct double sum over ‖x − μ‖² on a tiny case; σ chosen on
/// the validation rows alone; the GSN chain against the recipe recomputed by hand (a double forward pass, the reference's draws); the
/// nearest rows against a brute-force search.
/// </summary>
public abstract class SamplingTests(IBackend backend)
{
    public static TheoryData<int> Sizes => [.. KernelChecks.AwkwardSizes];

    [Theory]
    [MemberData(nameof(Sizes))]
    public void BernoulliDrawsMatchTheReference(int s)
    {
        var checks = new KernelChecks(backend);
        foreach (var result in new[] { checks.Bernoulli(s, 784), checks.Bernoulli(s, 3, 5) })
            Assert.True(result.Passed, $"{result.Kernel} {result.Size}: worst ratio {result.WorstToleranceRatio}");
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void ParzenKernelsMatchTheReference(int s)
    {
        var checks = new KernelChecks(backend);
        foreach (var result in new[] { checks.SquaredNorms(s, 33), checks.ParzenLogDensities(s, 33, 20), checks.ParzenLogDensities(3, s, 20) })
            Assert.True(result.Passed, $"{result.Kernel} {result.Size}: worst ratio {result.WorstToleranceRatio}");
    }

    /// <summary>The log-density check is tight enough to see an error of a hundredth of a nat (a kernel that dropped log N, say).</summary>
    [Fact]
    public void ALogDensityOffByAHundredthFailsTheCheck()
    {
        var checks = new KernelChecks(backend) { BeforeCompare = values => values[0] += 0.01f };

        Assert.False(checks.ParzenLogDensities(31, 33, 20).Passed);
    }

    /// <summary>Over 2·10⁵ draws at p = 0.3 the share of ones is within 5 standard errors of p, and p = 0 and 1 are never and always 1.</summary>
    [Fact]
    public void BernoulliDrawsHaveTheirProbability()
    {
        const int m = 200, n = 1000;
        using var p = backend.Allocate<float>(m, n);
        using var rows = backend.Allocate<int>(m);
        using var x = backend.Allocate<float>(m, n);
        rows.CopyFrom(Enumerable.Range(0, m).ToArray());
        var probabilities = new float[m * n];
        Array.Fill(probabilities, 0.3f);
        probabilities[0] = 0f;
        probabilities[1] = 1f;
        p.CopyFrom(probabilities);

        backend.Corruption.Bernoulli(p, rows, new NoiseKey(5, RngStream.Sample, 1), x);
        backend.Synchronize();
        var drawn = x.ToArray();

        Assert.Equal(0f, drawn[0]);
        Assert.Equal(1f, drawn[1]);
        Assert.All(drawn, v => Assert.True(v is 0f or 1f, $"a draw of {v}"));
        var share = drawn.Skip(2).Average(v => (double)v);
        Assert.InRange(share, 0.3 - 5 * Math.Sqrt(0.21 / (m * n)), 0.3 + 5 * Math.Sqrt(0.21 / (m * n)));
    }

    /// <summary>
    /// The whole estimate on 7 centres and 5 queries of 6 values against log((1/N)·Σ exp(−Σ_k (x_k − μ_k)²/(2σ²))) − d·log(σ√(2π))
    /// summed directly in double, as numpy would (no norm expansion, no max taken out: the exponents here stay within double's range).
    /// </summary>
    [Fact]
    public void TheEstimateMatchesADirectSum()
    {
        const int d = 6, n = 7, m = 5;
        var centres = Values(n * d, 1);
        var queries = Values(m * d, 2);
        float[] sigmas = [0.1f, 0.3f, 1f];
        using var window = new ParzenWindow(backend, centres, d);

        var densities = window.LogDensities(queries, sigmas);

        for (var i = 0; i < m; i++)
            for (var s = 0; s < sigmas.Length; s++)
            {
                double sum = 0;
                for (var j = 0; j < n; j++)
                {
                    double d2 = 0;
                    for (var k = 0; k < d; k++)
                        d2 += Math.Pow((double)queries[i * d + k] - centres[j * d + k], 2);
                    sum += Math.Exp(-d2 / (2.0 * sigmas[s] * sigmas[s]));
                }
                var expected = Math.Log(sum / n) - d * Math.Log(sigmas[s] * Math.Sqrt(2 * Math.PI));
                // d² in float from ‖x‖² + ‖μ‖² − 2x·μ (values ≤ 6) is good to about 1e-6, which 1/(2σ²) = 50 turns into 5e-5.
                Assert.True(Math.Abs(densities[i * sigmas.Length + s] - expected) <= 2e-4 + 1e-6 * Math.Abs(expected),
                    $"query {i}, σ {sigmas[s]}: {densities[i * sigmas.Length + s]} vs {expected}");
            }
    }

    /// <summary>
    /// Validation rows near the centres favour the narrowest σ; test rows far from them favour the widest. The protocol keeps the
    /// validation's choice, reads the test rows once, only after choosing, and reports their mean ± std/√n under that σ alone.
    /// </summary>
    [Fact]
    public void SigmaIsChosenOnValidationAlone()
    {
        const int d = 4;
        var centres = Values(50 * d, 3);
        var validation = centres.Take(10 * d).Select(v => v + 0.001f).ToArray();
        var test = Values(8 * d, 4).Select(v => v * 3f).ToArray();
        float[] sigmas = [0.1f, 0.3f, 1f];
        using var window = new ParzenWindow(backend, centres, d);
        var reads = 0;

        var estimate = ParzenProtocol.Estimate(window, validation, sigmas, () =>
        {
            reads++;
            return test;
        });

        var validationMeans = Enumerable.Range(0, 3).Select(s => Mean(window.LogDensities(validation, [sigmas[s]]))).ToArray();
        var testMeans = Enumerable.Range(0, 3).Select(s => Mean(window.LogDensities(test, [sigmas[s]]))).ToArray();
        Assert.Equal(1, reads);
        Assert.Equal(0.1f, estimate.Sigma);
        Assert.Equal(0, Array.IndexOf(validationMeans, validationMeans.Max()));
        Assert.NotEqual(0, Array.IndexOf(testMeans, testMeans.Max()));
        Assert.Equal(validationMeans, estimate.Widths.Select(w => w.ValidationLogLikelihood), new Tolerance(1e-9));
        var scores = window.LogDensities(test, [0.1f]).Select(v => (double)v).ToArray();
        var mean = scores.Average();
        Assert.Equal(mean, estimate.Test.Mean, 9);
        Assert.Equal(Math.Sqrt(scores.Sum(v => (v - mean) * (v - mean)) / (scores.Length - 1) / scores.Length), estimate.Test.StandardError, 9);
        Assert.Equal(8, estimate.Test.Examples);
    }

    /// <summary>
    /// Five steps of two chains of a 6-4-3 deep autoencoder, recomputed by hand: x̃₀ = C(x₀) by the reference's salt-and-pepper draws
    /// at step 0, μₜ = the tied network's forward in double, xₜ the reference's Bernoulli draws at step t, x̃ₜ = C(xₜ) at step t.
    /// </summary>
    [Fact]
    public void TheChainFollowsTheRecipe()
    {
        const int d = 6, chains = 2, steps = 5;
        const ulong seed = 9;
        using var network = Networks.DeepAutoencoder([d, 4, 3]).Build(backend, chains);
        network.Initialize(7);
        foreach (var p in network.Body.Parameters)
            p.Value.CopyFrom(Values(p.Value.Length, 10 + (uint)p.Value.Length).Select(v => 4f * v - 2f).ToArray());
        var parameters = network.Body.Parameters.ToDictionary(p => p.Name, p => p.Value.ToArray());
        var starts = Values(chains * d, 5);
        var corruption = ChainSettings.DefaultCorruption;

        var samples = GsnChain.Run(network, starts, new ChainSettings(chains * steps, chains, seed, corruption));

        int[] rows = [0, 1];
        var state = new double[chains * d];
        CorruptionReference.Corrupt(chains, d, Array.ConvertAll(starts, v => (double)v), rows, new NoiseKey(seed, RngStream.ChainCorruption, 0), corruption, state);
        for (var t = 1; t <= steps; t++)
        {
            var mean = new double[chains * d];
            for (var k = 0; k < chains; k++)
                Forward(parameters, state.AsSpan(k * d, d)).CopyTo(mean, k * d);
            for (var i = 0; i < chains * d; i++)
                Assert.True(Math.Abs(samples[(t - 1) * chains * d + i] - mean[i]) <= 1e-5, $"step {t}, element {i}: {samples[(t - 1) * chains * d + i]} vs {mean[i]}");
            var drawn = new double[chains * d];
            CorruptionReference.Bernoulli(chains, d, Array.ConvertAll(samples.AsSpan((t - 1) * chains * d, chains * d).ToArray(), v => (double)v), rows,
                new NoiseKey(seed, RngStream.Sample, (uint)t), drawn);
            CorruptionReference.Corrupt(chains, d, drawn, rows, new NoiseKey(seed, RngStream.ChainCorruption, (uint)t), corruption, state);
        }
    }

    [Fact]
    public void NearestRowsAreTheClosestByBruteForce()
    {
        const int d = 9, q = 13, t = 101;
        var queries = Values(q * d, 6);
        var candidates = Values(t * d, 7);

        var nearest = NearestRows.Find(backend, queries, candidates, d);

        for (var i = 0; i < q; i++)
        {
            var distances = Enumerable.Range(0, t)
                .Select(j => Enumerable.Range(0, d).Sum(k => Math.Pow((double)queries[i * d + k] - candidates[j * d + k], 2))).ToArray();
            Assert.Equal(Array.IndexOf(distances, distances.Min()), nearest[i]);
        }
    }

    /// <summary>σ(W1ᵀ·σ(W1ᵀ·…)) of the 6-4-3 tied autoencoder in double: h1 = σ(W0 x + b0), h2 = σ(W1 h1 + b1), r = σ(W1ᵀ h2 + c1), σ(W0ᵀ r + c0).</summary>
    private static double[] Forward(Dictionary<string, float[]> p, ReadOnlySpan<double> x)
    {
        var h1 = Dense(p["layer0.W"], p["layer0.b_hidden"], x.ToArray(), 4, 6, transposed: false);
        var h2 = Dense(p["layer1.W"], p["layer1.b_hidden"], h1, 3, 4, transposed: false);
        var r1 = Dense(p["layer1.W"], p["layer1.b_visible"], h2, 3, 4, transposed: true);
        return Dense(p["layer0.W"], p["layer0.b_visible"], r1, 4, 6, transposed: true);
    }

    /// <summary>W [outs, ins]: σ(W·x + b), or with <paramref name="transposed"/> σ(Wᵀ·x + b).</summary>
    private static double[] Dense(float[] w, float[] b, double[] x, int outs, int ins, bool transposed)
    {
        var (rows, cols) = transposed ? (ins, outs) : (outs, ins);
        var y = new double[rows];
        for (var i = 0; i < rows; i++)
        {
            double a = b[i];
            for (var j = 0; j < cols; j++)
                a += (transposed ? w[j * ins + i] : w[i * ins + j]) * x[j];
            y[i] = 1 / (1 + Math.Exp(-a));
        }
        return y;
    }

    private static double Mean(float[] values) => values.Average(v => (double)v);

    private static float[] Values(int count, uint stream) =>
        [.. Enumerable.Range(0, count).Select(i => (float)CounterRng.Uniform(77, (uint)RngStream.Data, stream, (uint)i, 0))];

    private sealed class Tolerance(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance * Math.Max(1, Math.Abs(x));

        public int GetHashCode(double obj) => 0;
    }
}

[Collection(CpuAcceleratorCollection.Name)]
public sealed class CpuAcceleratorSamplingTests(CpuAcceleratorFixture fixture) : SamplingTests(fixture.Backend);

[Collection(HostCollection.Name)]
public sealed class HostSamplingTests(HostFixture fixture) : SamplingTests(fixture.Backend);
